// The upstreams a user can name: plain DNS by address (and port), DNS over TLS with the name to
// check, DNS over HTTPS by URL, or auto; everything else refused with a line that says why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUpstream, parseUpstreams } from '../../src/forward/upstream-spec.js';

describe('parseUpstreams', () => {
  const cases: Array<[string, string[]]> = [
    ['auto', ['auto']],
    ['192.0.2.53', ['192.0.2.53']],
    ['192.0.2.53:5353', ['192.0.2.53:5353']],
    [' 192.0.2.53:53 , 198.51.100.1 ', ['192.0.2.53', '198.51.100.1']],
    ['2001:db8::53', ['2001:db8::53']],
    ['[2001:DB8::53]:5353', ['[2001:db8::53]:5353']],
    ['tls://9.9.9.9#dns.quad9.net', ['tls://9.9.9.9#dns.quad9.net']],
    ['tls://9.9.9.9:8853#Dns.Quad9.Net', ['tls://9.9.9.9:8853#dns.quad9.net']],
    ['https://dns.example/dns-query', ['https://dns.example/dns-query']],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseUpstreams(text).map(formatUpstream), expected));
  }

  const refused: Array<[string, RegExp]> = [
    ['', /no upstream given/],
    [' , ', /no upstream given/],
    ['dns.example', /is a name; an upstream is given by its IP address/],
    ['dns.example:53', /is a name/],
    ['192.0.2.300', /not an IP address/],
    ['192.0.2.53:0', /port/],
    ['192.0.2.53:65536', /port/],
    ['192.0.2.53:x', /port/],
    ['[::1', /not an IP address/],
    ['[192.0.2.1]:53', /not an IPv6 address/],
    ['tls://9.9.9.9', /names no server to check the certificate against/],
    ['tls://9.9.9.9#', /names no server/],
    ['tls://dns.quad9.net#dns.quad9.net', /IP address before #/],
    ['https://user:pw@dns.example/dns-query', /a host and a path only/],
    ['https://dns.example/dns-query?dns=x', /a host and a path only/],
    ['udp://192.0.2.53', /plain DNS, tls:\/\/ and https:\/\//],
    ['auto,192.0.2.53', /cannot be listed with others/],
    [Array.from({ length: 9 }, (_, i) => `192.0.2.${i + 1}`).join(','), /8 at most/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => assert.throws(() => parseUpstreams(text), message));
  }
});
