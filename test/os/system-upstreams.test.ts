// `upstream auto`: the system's nameservers, through systemd-resolved's stub to its own servers,
// and never a loopback resolver that setup may route back to devdns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nameservers,
  resolverOptions,
  scutilNameservers,
  systemResolverOptions,
  systemUpstreams,
  type UpstreamSources,
} from '../../src/os/system-upstreams.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];
/** The upstreams these files give, nothing else asked. */
const upstreams = (read: (path: string) => string | undefined, sources: UpstreamSources = {}) =>
  systemUpstreams({ read, scutil: () => undefined, ...sources });

/** `scutil --dns` on a Mac with devdns's /etc/resolver/test, mDNS's resolvers and a Wi-Fi network's server. */
const SCUTIL = `DNS configuration

resolver #1
  search domain[0] : lan
  nameserver[0] : 192.168.1.1
  nameserver[1] : fe80::1%en0
  nameserver[2] : 2001:db8::53
  if_index : 14 (en0)
  flags    : Request A records, Request AAAA records
  reach    : 0x00020002 (Reachable,Directly Reachable Address)

resolver #2
  domain   : test
  nameserver[0] : 127.0.0.1
  port     : 9090
  flags    : Request A records, Request AAAA records
  reach    : 0x00030002 (Reachable,Local Address,Directly Reachable Address)

resolver #3
  domain   : local
  options  : mdns
  timeout  : 5
  flags    : Request A records, Request AAAA records
  reach    : 0x00000000 (Not Reachable)
  order    : 300000

DNS configuration (for scoped queries)

resolver #1
  search domain[0] : lan
  nameserver[0] : 10.9.9.9
  if_index : 14 (en0)
  flags    : Scoped, Request A records, Request AAAA records
  reach    : 0x00020002 (Reachable,Directly Reachable Address)
`;

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
    assert.deepEqual(upstreams(read), [{ host: '192.0.2.9', port: 53 }]);
  });

  it("follows systemd-resolved's stub to the servers it uses", () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 198.51.100.7\n' });
    assert.deepEqual(upstreams(read), [{ host: '198.51.100.7', port: 53 }]);
  });

  it('behind a local dnsmasq, takes the servers it forwards to, as NetworkManager or resolvconf wrote them', () => {
    const nm = files({
      '/etc/resolv.conf': 'nameserver 127.0.0.1\n',
      '/run/NetworkManager/no-stub-resolv.conf': 'nameserver 198.51.100.8\n',
      '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n',
    });
    assert.deepEqual(upstreams(nm), [{ host: '198.51.100.8', port: 53 }]);
    const debian = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\n', '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n' });
    assert.deepEqual(upstreams(debian), [{ host: '198.51.100.9', port: 53 }]);
    // Never a loopback server from there either, and resolv.conf's own servers come first.
    const loop = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\n', '/run/dnsmasq/resolv.conf': 'nameserver 127.0.0.1\n' });
    assert.deepEqual(upstreams(loop), []);
    const plain = files({ '/etc/resolv.conf': 'nameserver 192.0.2.9\n', '/run/dnsmasq/resolv.conf': 'nameserver 198.51.100.9\n' });
    assert.deepEqual(upstreams(plain), [{ host: '192.0.2.9', port: 53 }]);
  });

  it('leaves out loopback resolvers, and finds nothing where there is nothing', () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\nnameserver ::1\nnameserver 192.0.2.9\n' });
    assert.deepEqual(upstreams(read), [{ host: '192.0.2.9', port: 53 }]);
    assert.deepEqual(upstreams(files({})), []);
    assert.deepEqual(
      upstreams(files({ '/etc/resolv.conf': 'nameserver 0.0.0.0\nnameserver ::\nnameserver ::ffff:0.0.0.0\nnameserver ::ffff:0:0\n' })),
      [],
      'the unspecified address, mapped too, is this machine',
    );
  });
});

describe('systemUpstreams on macOS, and from what setup recorded', () => {
  it("reads the default resolver's servers from scutil --dns: not a domain's (devdns's own), not mDNS's, not the scoped ones", () => {
    assert.deepEqual(scutilNameservers(SCUTIL), ['192.168.1.1', '2001:db8::53']);
    assert.deepEqual(scutilNameservers(''), []);
    assert.deepEqual(
      scutilNameservers('resolver #1\n  nameserver[0] : 192.0.2.1\n  port : 5353\n'),
      [],
      'a server on another port is not port 53',
    );
    assert.deepEqual(upstreams(files({}), { scutil: () => SCUTIL }), [
      { host: '192.168.1.1', port: 53 },
      { host: '2001:db8::53', port: 53 },
    ]);
    // resolv.conf first where it names a server.
    assert.deepEqual(upstreams(files({ '/etc/resolv.conf': 'nameserver 192.0.2.9\n' }), { scutil: () => SCUTIL }), [
      { host: '192.0.2.9', port: 53 },
    ]);
  });

  it('falls back to the servers setup recorded before it changed the system, only when the system names none; never a loopback or junk one', () => {
    const recorded = ['198.51.100.20', '127.0.0.1', 'not-an-address', '198.51.100.20', '::1', '2001:db8::20'];
    assert.deepEqual(upstreams(files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n' }), { recorded }), [
      { host: '198.51.100.20', port: 53 },
      { host: '2001:db8::20', port: 53 },
    ]);
    const live = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 192.0.2.7\n' });
    assert.deepEqual(upstreams(live, { recorded }), [{ host: '192.0.2.7', port: 53 }], 'what the system says now comes first');
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
