// `upstream auto`: the system's nameservers, through systemd-resolved's stub to its own servers,
// and never a loopback resolver that setup may route back to devdns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameservers, systemUpstreams } from '../../src/os/system-upstreams.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('systemUpstreams', () => {
  it('reads nameserver lines in order, once each, with a scope dropped and junk left out', () => {
    const text =
      '# comment\nsearch lan\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n  nameserver 192.0.2.1\nnameserver dns.example\nnameserver 999.1.1.1\n';
    assert.deepEqual(nameservers(text), ['192.0.2.1', 'fe80::1']);
  });

  it("follows systemd-resolved's stub to the servers it uses", () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 198.51.100.7\n' });
    assert.deepEqual(systemUpstreams(read), [{ host: '198.51.100.7', port: 53 }]);
  });

  it('leaves out loopback resolvers, and finds nothing where there is nothing', () => {
    const read = files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\nnameserver ::1\nnameserver 192.0.2.9\n' });
    assert.deepEqual(systemUpstreams(read), [{ host: '192.0.2.9', port: 53 }]);
    assert.deepEqual(systemUpstreams(files({})), []);
  });
});
