import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFormat, parseDnsmasq, parseHosts, parseJsonExport, parseYamlMap } from '../../src/interop/import-formats.js';
import type { ParsedImport } from '../../src/interop/imported.js';
import { formatRdata } from '../../src/records/presentation.js';

const records = (parsed: ParsedImport) =>
  parsed.records.map((r) => `${r.line} ${r.name} ${r.data.type} ${formatRdata(r.data)}${r.ttl === undefined ? '' : ` ttl=${r.ttl}`}`);

describe('import formats', () => {
  it('hosts: several names per line, IPv6, comments; the usual local lines skipped', () => {
    const parsed = parseHosts(
      '127.0.0.1\tlocalhost\n::1 localhost ip6-localhost ip6-loopback\n10.0.0.5 db.test db2.test # two names\nfe80::1 six.test\n# comment\n192.168.1.1 router\n',
    );
    assert.deepEqual(records(parsed), ['3 db.test A 10.0.0.5', '3 db2.test A 10.0.0.5', '4 six.test AAAA fe80::1']);
    assert.deepEqual(
      parsed.skipped.map((s) => `${s.line} ${s.what}`),
      ['1 localhost 127.0.0.1', '2 localhost ::1', '2 ip6-localhost ::1', '2 ip6-loopback ::1', '6 router'],
    );
    assert.match(parseHosts('300.1.1.1 x.test\n').problems[0]?.message ?? '', /not an IP address/);
  });

  it("dnsmasq: the forms dnsmasq takes, Valet's line among them", () => {
    const parsed = parseDnsmasq(
      [
        'address=/.test/127.0.0.1', // ~/.config/valet/dnsmasq.d/tld-test.conf
        'address=/a.test/.b.test/10.0.0.1',
        'address=/blocked.test/#',
        'address=/v6.test/fd00::1',
        'local=/internal/',
        'address=/#/1.2.3.4',
      ].join('\n'),
    );
    assert.deepEqual(records(parsed), [
      '1 test A 127.0.0.1',
      '1 *.test A 127.0.0.1',
      '2 a.test A 10.0.0.1',
      '2 *.a.test A 10.0.0.1',
      '2 b.test A 10.0.0.1',
      '2 *.b.test A 10.0.0.1',
      '3 blocked.test A 0.0.0.0',
      '3 *.blocked.test A 0.0.0.0',
      '3 blocked.test AAAA ::',
      '3 *.blocked.test AAAA ::',
      '4 v6.test AAAA fd00::1',
      '4 *.v6.test AAAA fd00::1',
    ]);
    assert.deepEqual(
      parsed.skipped.map((s) => [s.line, s.reason]),
      [
        [5, 'it only keeps names from being forwarded; devdns forwards nothing and answers NXDOMAIN for missing names anyway'],
        [6, 'it matches every name'],
      ],
    );
    assert.deepEqual(parsed.problems, []);
  });

  it('dnsmasq: address= becomes the name and its wildcard; the record options map to records', () => {
    const parsed = parseDnsmasq(
      [
        'address=/shop.test/127.0.0.1',
        'host-record=db.test,10.0.0.5,fd00::5,60',
        'cname=www.test,db.test',
        'mx-host=test,mail.test,10',
        'srv-host=_http._tcp.test,web.test,8080,0,5',
        'txt-record=test,"v=spf1 -all","second"',
        'ptr-record=5.0.0.10.in-addr.arpa,db.test',
        'dns-rr=test,257,000569737375656c657473656e63727970742e6f7267',
        'server=8.8.8.8',
        'address=/ads.test/',
      ].join('\n'),
    );
    assert.deepEqual(records(parsed), [
      '1 shop.test A 127.0.0.1',
      '1 *.shop.test A 127.0.0.1',
      '2 db.test A 10.0.0.5 ttl=60',
      '2 db.test AAAA fd00::5 ttl=60',
      '3 www.test CNAME db.test.',
      '4 test MX 10 mail.test.',
      '5 _http._tcp.test SRV 0 5 8080 web.test.',
      '6 test TXT "v=spf1 -all" "second"',
      '7 5.0.0.10.in-addr.arpa PTR db.test.',
      '8 test CAA 0 issue "letsencrypt.org"',
    ]);
    assert.deepEqual(
      parsed.skipped.map((s) => s.line),
      [9, 10],
    );
  });

  it('dnsmasq: TXT and CAA data meet the rules a typed value meets, or the line is a problem', () => {
    const hex = (flags: number, tag: string, value: string) =>
      Buffer.concat([Buffer.from([flags, tag.length]), Buffer.from(tag, 'latin1'), Buffer.from(value, 'latin1')]).toString('hex');
    const parsed = parseDnsmasq(
      [
        `txt-record=t.test,"${'a'.repeat(300)}"`,
        `txt-record=t.test,${Array.from({ length: 20 }, () => `"${'b'.repeat(250)}"`).join(',')}`,
        `dns-rr=c.test,257,${hex(0, 'ISSUE', 'ca.example')}`,
        `dns-rr=c.test,257,${hex(0, '', 'B')}`,
        `dns-rr=c.test,257,${hex(0, 'issue', 'bad\u0007value')}`,
        `dns-rr=c.test,257,${hex(0, 'x'.repeat(16), 'v')}`,
      ].join('\n'),
    );
    // An upper-case tag is read as a typed one is: lowercased (RFC 8659 §4.1).
    assert.deepEqual(records(parsed), ['3 c.test CAA 0 issue "ca.example"']);
    assert.deepEqual(
      parsed.problems.map((problem) => problem.line),
      [1, 2, 4, 5, 6],
    );
    assert.match(parsed.problems[0]?.message ?? '', /255/);
    assert.match(parsed.problems[1]?.message ?? '', /TXT data is 5000 octets; devdns keeps TXT records to 4000/);
  });

  it('the seed YAML map and devdns JSON', () => {
    assert.deepEqual(records(parseYamlMap('# records\nexample.test: 192.0.2.1\n"api.test": "::1"\n')), [
      '2 example.test A 192.0.2.1',
      '3 api.test AAAA ::1',
    ]);
    const json = parseJsonExport(
      JSON.stringify({ version: 1, serial: 3, zones: { test: {} }, records: [{ name: 'a.test', type: 'A', ttl: 7, address: '10.0.0.1' }] }),
    );
    assert.deepEqual(records(json), ['1 a.test A 10.0.0.1 ttl=7']);
    assert.match(parseJsonExport('{"version": 1,').problems[0]?.message ?? '', /line 1/);
  });

  it('detects the format from the content', () => {
    assert.equal(detectFormat('{"version": 1}'), 'json');
    assert.equal(detectFormat('# dnsmasq\naddress=/test/127.0.0.1\n'), 'dnsmasq');
    assert.equal(detectFormat('$ORIGIN test.\nwww A 1.2.3.4\n'), 'zone');
    assert.equal(detectFormat('www.test. 300 IN A 1.2.3.4\n'), 'zone');
    assert.equal(detectFormat('example.test: 192.0.2.1\n'), 'yaml');
    assert.equal(detectFormat('127.0.0.1 localhost\n::1 localhost\n10.0.0.1 a.test\n'), 'hosts');
  });
});
