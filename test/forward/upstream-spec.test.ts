// The upstreams a user can name: plain DNS by address (and port), DNS over TLS with the name to
// check, DNS over HTTPS by a URL with an address and the name to check, or auto; everything else
// refused with a line that says why (and, for a URL with a name, the form to write).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
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
    ['https://9.9.9.9/dns-query#Dns.Quad9.Net', ['https://9.9.9.9/dns-query#dns.quad9.net']],
    ['https://9.9.9.9:443/dns-query#dns.quad9.net', ['https://9.9.9.9/dns-query#dns.quad9.net']],
    // No name: the certificate is checked against the address.
    ['https://127.0.0.1:8443/dns-query', ['https://127.0.0.1:8443/dns-query']],
    ['https://[2001:DB8::53]:8443/q#doh.example', ['https://[2001:db8::53]:8443/q#doh.example']],
    ['https://9.9.9.9/dns-query#bücher.example', ['https://9.9.9.9/dns-query#xn--bcher-kva.example']],
    [
      'tls://9.9.9.9#dns.quad9.net, https://1.1.1.1/dns-query#cloudflare-dns.com, 192.0.2.53',
      ['tls://9.9.9.9#dns.quad9.net', 'https://1.1.1.1/dns-query#cloudflare-dns.com', '192.0.2.53'],
    ],
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
    ['https://user:pw@9.9.9.9/dns-query', /an address, a path, and a name after #/],
    ['https://9.9.9.9/dns-query?dns=x', /an address, a path, and a name after #/],
    ['https://9.9.9.9/dns-query?', /an address, a path, and a name after #/],
    ['https://9.9.9.9/dns-query#', /names no server after #/],
    ['https://9.9.9.9/dns-query#192.0.2.1', /after # goes the name the certificate is for/],
    ['https://9.9.9.9:0/dns-query', /port/],
    ['https://9.9.9.9/dns-query#bad name', /white space|character/],
    ['https://0x7f.1/dns-query', /is a name/],
    ['udp://192.0.2.53', /plain DNS, tls:\/\/ and https:\/\//],
    ['auto,192.0.2.53', /cannot be listed with others/],
    [Array.from({ length: 9 }, (_, i) => `192.0.2.${i + 1}`).join(','), /8 at most/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => assert.throws(() => parseUpstreams(text), message));
  }

  // A URL as a provider publishes it names a host devdns would have to look up: refused, with the
  // form to write, the address in it when one was given after #.
  const named: Array<[string, string]> = [
    ['https://dns.example/dns-query', 'write https://IP/dns-query#dns.example'],
    ['https://DNS.example:8443/dns-query#192.0.2.1', 'write https://192.0.2.1:8443/dns-query#dns.example'],
    ['https://dns.example/dns-query#2001:db8::53', 'write https://[2001:db8::53]/dns-query#dns.example'],
  ];
  for (const [text, hint] of named) {
    it(`refuses ${JSON.stringify(text)} with the form to write`, () =>
      assert.throws(
        () => parseUpstreams(text),
        (error: unknown) =>
          error instanceof InputError && /is a name; devdns connects to an address/.test(error.message) && error.hint === hint,
      ));
  }
});
