// The daemon's upstreams from the settings: devdns never forwards to itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upstreamTransports } from '../../src/daemon/forwarding.js';
import { parseUpstreams } from '../../src/forward/upstream-spec.js';

describe('upstreamTransports', () => {
  const own = { host: '127.0.0.1', port: 9090 };
  it('refuses an upstream that is devdns itself, on its own address or its wildcard', () => {
    assert.throws(() => upstreamTransports(parseUpstreams('127.0.0.1:9090'), own), /is devdns itself/);
    assert.throws(() => upstreamTransports(parseUpstreams('192.0.2.1:9090'), { host: '0.0.0.0', port: 9090 }), /is devdns itself/);
    for (const spelled of ['[::ffff:127.0.0.1]:9090', '0.0.0.0:9090', '[::]:9090']) {
      assert.throws(() => upstreamTransports(parseUpstreams(spelled), own), /is devdns itself/, spelled);
    }
    assert.throws(() => upstreamTransports(parseUpstreams('127.0.0.1:9090'), { host: '::', port: 9090 }), /is devdns itself/);
  });

  it('makes auto the servers the system names, else those setup recorded', () => {
    const none = { read: () => undefined, scutil: () => undefined };
    const labels = (sources: Parameters<typeof upstreamTransports>[2]) =>
      upstreamTransports(parseUpstreams('auto'), own, sources).map((t) => t.label);
    assert.deepEqual(labels({ ...none, recorded: ['198.51.100.53'] }), ['198.51.100.53:53']);
    assert.deepEqual(labels(none), [], 'auto finds nothing');
    const resolvConf = { ...none, read: (path: string) => (path === '/etc/resolv.conf' ? 'nameserver 203.0.113.5\n' : undefined) };
    assert.deepEqual(labels({ ...resolvConf, recorded: ['198.51.100.53'] }), ['203.0.113.5:53']);
  });

  it('takes the same address on another port, and labels each upstream', () => {
    const transports = upstreamTransports(
      parseUpstreams('127.0.0.1:5353,[::1]:53,tls://9.9.9.9#dns.quad9.net,https://9.9.9.9/dns-query#dns.quad9.net,https://[::1]:8443/q'),
      own,
    );
    assert.deepEqual(
      transports.map((t) => t.label),
      [
        '127.0.0.1:5353',
        '[::1]:53',
        'tls://9.9.9.9:853#dns.quad9.net',
        'https://9.9.9.9:443/dns-query#dns.quad9.net',
        'https://[::1]:8443/q',
      ],
    );
    for (const transport of transports) transport.close?.();
  });

  it('refuses a DNS over HTTPS upstream that is devdns itself', () => {
    assert.throws(() => upstreamTransports(parseUpstreams('https://127.0.0.1:9090/dns-query'), own), /is devdns itself/);
  });
});
