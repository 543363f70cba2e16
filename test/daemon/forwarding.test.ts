// The daemon's upstreams from the settings: devdns never forwards to itself.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { setUpForwarding, upstreamTransports } from '../../src/daemon/forwarding.js';
import { readQuery } from '../../src/dns/wire.js';
import { parseUpstreams } from '../../src/forward/upstream-spec.js';
import { loadSettings, setSetting } from '../../src/store/settings.js';
import { tempDir } from '../helpers/devdns.js';

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

describe('setUpForwarding', () => {
  it('takes forward.timeout and cache.max-ttl from the settings', async () => {
    // An upstream on loopback that gives every A question a day's TTL, and is silent for slow.example.com.
    const upstream = createSocket('udp4');
    upstream.on('message', (message, from) => {
      const asked = packet.decode(message);
      const question = asked.questions?.[0] as packet.Question;
      if (question.name === 'slow.example.com') return;
      const reply = packet.encode({
        type: 'response',
        id: asked.id,
        flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
        questions: [question],
        answers: [{ type: 'A', name: question.name, ttl: 86_400, data: '192.0.2.7' }],
      });
      upstream.send(reply, from.port, from.address);
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    const dir = tempDir();
    try {
      setSetting(dir.path, 'upstream', `127.0.0.1:${upstream.address().port}`);
      setSetting(dir.path, 'cache.max-ttl', '60');
      setSetting(dir.path, 'forward.timeout', '1');
      const { forwarding } = setUpForwarding(loadSettings(dir.path), { host: '127.0.0.1', port: 9090 });
      const ask = async (name: string) => {
        const message = packet.encode({
          type: 'query',
          id: 3,
          flags: packet.RECURSION_DESIRED,
          questions: [{ name, type: 'A', class: 'IN' }],
        });
        const read = readQuery(message);
        if (read.kind !== 'query') throw new Error('unreachable');
        const request = { query: read.query, questionEnd: read.questionEnd, rule: 'all' as const, maxSize: 65535 };
        const started = performance.now();
        const outcome = await forwarding.forwarder.forward(message, request);
        const decoded = packet.decode(outcome.reply) as unknown as { rcode: string; answers: Array<{ ttl: number }> };
        return { decoded, took: performance.now() - started };
      };
      const answered = await ask('api.example.com');
      assert.deepEqual(
        answered.decoded.answers.map((answer) => answer.ttl),
        [60],
        'no longer a TTL than cache.max-ttl',
      );
      const slow = await ask('slow.example.com');
      assert.equal(slow.decoded.rcode, 'SERVFAIL');
      assert.ok(slow.took < 1_900, `SERVFAIL after forward.timeout (1 s), not the default 2 s: ${Math.round(slow.took)} ms`);
      forwarding.forwarder.close();
    } finally {
      upstream.close();
      dir.cleanup();
    }
  });
});
