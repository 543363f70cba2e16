// `upstream auto`: the system's nameservers, through systemd-resolved's stub to its own servers,
// and never a loopback resolver that setup may route back to devdns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameservers, resolverOptions, systemResolverOptions, systemUpstreams } from '../../src/os/system-upstreams.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('systemUpstreams', () => {
  it('reads nameserver lines in order, once each, with junk left out', () => {
    const text =
      '# comment\nsearch lan\nnameserver 192.0.2.1\nnameserver 2001:db8::53\n  nameserver 192.0.2.1\nnameserver dns.example\nnameserver 999.1.1.1\n';
    assert.deepEqual(nameservers(text), ['192.0.2.1', '2001:db8::53']);
  });

  it('leaves out link-local IPv6 servers, whose scope an upstream address cannot carry', () => {
    const text = 'nameserver fe80::1%eth0\nnameserver FE80::2\nnameserver febf::3%2\nnameserver fec0::4\nnameserver 2001:db8::1%eth0\n';
    // fec0:: is outside fe80::/10; a scope on a global address is dropped, as it changes nothing.
    assert.deepEqual(nameservers(text), ['fec0::4', '2001:db8::1']);
    const read = files({ '/etc/resolv.conf': 'nameserver fe80::1%wlan0\nnameserver 192.0.2.9\n' });
    assert.deepEqual(systemUpstreams(read), [{ host: '192.0.2.9', port: 53 }]);
  });

  it("follows systemd-resolved's stub to the servers it uses", () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 198.51.100.7\n' });
    assert.deepEqual(systemUpstreams(read), [{ host: '198.51.100.7', port: 53 }]);
  });

  it('behind a local dnsmasq, takes the servers it forwards to, as NetworkManager or resolvconf wrote them', () => {
    const nm = files({
      '/etc/resolv.conf': 'nameserver 127.0.0.1\n',
      '/run/NetworkManager/no-stub-resolv.conf': 'nameserver 198.51.100.8\n',
      '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n',
    });
    assert.deepEqual(systemUpstreams(nm), [{ host: '198.51.100.8', port: 53 }]);
    const debian = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\n', '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n' });
    assert.deepEqual(systemUpstreams(debian), [{ host: '198.51.100.9', port: 53 }]);
    // Never a loopback server from there either, and resolv.conf's own servers come first.
    const loop = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\n', '/run/dnsmasq/resolv.conf': 'nameserver 127.0.0.1\n' });
    assert.deepEqual(systemUpstreams(loop), []);
    const plain = files({ '/etc/resolv.conf': 'nameserver 192.0.2.9\n', '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n' });
    assert.deepEqual(systemUpstreams(plain), [{ host: '192.0.2.9', port: 53 }]);
  });

  it('leaves out loopback resolvers, and finds nothing where there is nothing', () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\nnameserver ::1\nnameserver 192.0.2.9\n' });
    assert.deepEqual(systemUpstreams(read), [{ host: '192.0.2.9', port: 53 }]);
    assert.deepEqual(systemUpstreams(files({})), []);
  });
});

describe('resolverOptions', () => {
  const cases: Array<[string, string, { timeout: number; attempts: number }]> = [
    ['glibc defaults', 'nameserver 127.0.0.1\n', { timeout: 5, attempts: 2 }],
    ['both set', 'options timeout:1 attempts:3 edns0\n', { timeout: 1, attempts: 3 }],
    ['the last wins, over several lines', 'options timeout:2\noptions timeout:4 attempts:1\n', { timeout: 4, attempts: 1 }],
    ["glibc's limits", 'options timeout:99 attempts:9\n', { timeout: 30, attempts: 5 }],
    ['junk ignored', 'options timeout:x attempts\n#options timeout:1\n', { timeout: 5, attempts: 2 }],
  ];
  for (const [title, text, expected] of cases) it(title, () => assert.deepEqual(resolverOptions(text), expected));
  it('reads /etc/resolv.conf', () => {
    assert.deepEqual(systemResolverOptions(files({ '/etc/resolv.conf': 'options timeout:1\n' })), { timeout: 1, attempts: 2 });
  });
});
