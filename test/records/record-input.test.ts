import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseQuotedStrings } from '../../src/records/character-strings.js';
import { formatRdata } from '../../src/records/presentation.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';

/** The records an input makes, in presentation form: `TYPE value`. */
const made = (input: RecordInput): string[] => parseRecordInput(input).data.map((data) => `${data.type} ${formatRdata(data)}`);

describe('parseRecordInput: what each input makes', () => {
  const cases: Array<[string, RecordInput, string[]]> = [
    ['no value: the localhost pair', { name: 'myapp.test' }, ['A 127.0.0.1', 'AAAA ::1']],
    ['no value with -t A', { name: 'myapp.test', type: 'A' }, ['A 127.0.0.1']],
    ['no value with -t AAAA', { name: 'myapp.test', type: 'aaaa' }, ['AAAA ::1']],
    ['IPv4 infers A', { name: 'a.test', value: '10.0.0.1' }, ['A 10.0.0.1']],
    ['IPv6 infers AAAA, canonical', { name: 'a.test', value: 'FD00:0::0010' }, ['AAAA fd00::10']],
    ['IPv4-mapped IPv6 is normalised', { name: 'a.test', value: '::FFFF:7f00:1' }, ['AAAA ::ffff:127.0.0.1']],
    ['CNAME target lowercased', { name: 'www.shop.test', value: 'Shop.Test.', type: 'CNAME' }, ['CNAME shop.test.']],
    ['MX from flags', { name: 'shop.test', value: 'mail.shop.test', type: 'MX', priority: '10' }, ['MX 10 mail.shop.test.']],
    ['MX from its zone-file form', { name: 'shop.test', value: '20 mail.shop.test.', type: 'MX' }, ['MX 20 mail.shop.test.']],
    ['TXT plain', { name: 'shop.test', value: 'v=spf1 -all', type: 'TXT' }, ['TXT "v=spf1 -all"']],
    ['TXT starting with -', { name: 'shop.test', value: '-all', type: 'TXT' }, ['TXT "-all"']],
    ['TXT quoted strings', { name: 'shop.test', value: '"a b" "c\\"d"', type: 'TXT' }, ['TXT "a b" "c\\"d"']],
    ['TXT UTF-8 escapes', { name: 'shop.test', value: '"caf\\195\\169"', type: 'TXT' }, ['TXT "caf\\195\\169"']],
    ['TXT with shell characters, literally', { name: 'shop.test', value: '$(rm -rf /); `x`', type: 'TXT' }, ['TXT "$(rm -rf /); `x`"']],
    [
      'SRV from flags, priority and weight default 0',
      { name: '_http._tcp.shop.test', value: 'web.shop.test', type: 'SRV', port: '8080' },
      ['SRV 0 0 8080 web.shop.test.'],
    ],
    [
      'SRV from its zone-file form',
      { name: '_http._tcp.shop.test', value: '1 5 8080 web.shop.test', type: 'SRV' },
      ['SRV 1 5 8080 web.shop.test.'],
    ],
    ['CAA', { name: 'shop.test', value: '0 issue "letsencrypt.org"', type: 'CAA' }, ['CAA 0 issue "letsencrypt.org"']],
    ['CAA without flags', { name: 'shop.test', value: 'issuewild ;', type: 'caa' }, ['CAA 0 issuewild ";"']],
    ['NS', { name: 'sub.shop.test', value: 'ns1.shop.test', type: 'NS' }, ['NS ns1.shop.test.']],
    ['PTR', { name: '1.0.0.127.in-addr.arpa', value: 'myapp.test', type: 'PTR' }, ['PTR myapp.test.']],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => assert.deepEqual(made(input), expected));
  }

  it('splits a long TXT value at 255 octets, on character boundaries, and says so', () => {
    const text = `${'x'.repeat(254)}é${'y'.repeat(100)}`;
    const parsed = parseRecordInput({ name: 't.test', value: text, type: 'TXT' });
    const data = parsed.data[0];
    assert.equal(data?.type, 'TXT');
    assert.deepEqual(data?.type === 'TXT' && data.strings, [`${'x'.repeat(254)}`, `é${'y'.repeat(100)}`]);
    assert.match(parsed.notes.join(), /split into 2 strings/);
  });

  it('reads the TTL', () => {
    assert.equal(parseRecordInput({ name: 'a.test', ttl: '60' }).ttl, 60);
    assert.equal(parseRecordInput({ name: 'a.test' }).ttl, undefined);
  });
});

describe('parseRecordInput: bad input names the field and the fix', () => {
  const cases: Array<[string, RecordInput, string, RegExp]> = [
    ['bad octet', { name: 'a.test', value: '256.1.1.1' }, 'value', /part 256 is over 255.*four numbers/],
    ['leading zero', { name: 'a.test', value: '010.0.0.1' }, 'value', /leading zero/],
    ['three parts', { name: 'a.test', value: '1.2.3' }, 'value', /3 parts/],
    ['IPv6 with -t A', { name: 'a.test', value: '::1', type: 'A' }, 'value', /IPv6.*use -t AAAA/],
    ['IPv4 with -t AAAA', { name: 'a.test', value: '1.2.3.4', type: 'AAAA' }, 'value', /IPv4.*use -t A/],
    ['IPv6 zone id', { name: 'a.test', value: 'fe80::1%eth0' }, 'value', /zone id/],
    ['not an address, no type', { name: 'a.test', value: 'shop.test' }, 'value', /not an IP address.*-t CNAME/],
    ['unknown type', { name: 'a.test', value: 'x', type: 'HTTPS' }, '--type', /not a record type.*A, AAAA/],
    ['SOA by hand', { name: 'a.test', value: 'x', type: 'SOA' }, '--type', /made by devdns/],
    ['CNAME without a value', { name: 'a.test', type: 'CNAME' }, 'value', /needs a value/],
    ['CNAME to an address', { name: 'a.test', value: '10.0.0.1', type: 'CNAME' }, 'value', /IP address.*A or AAAA/],
    // With its final dot it is the same address once the name is normalised, as the file keeps it.
    [
      'CNAME to an address with a final dot',
      { name: 'a.test', value: '10.0.0.1.', type: 'CNAME' },
      'value',
      /"10\.0\.0\.1\." is an IP address/,
    ],
    [
      'SRV to an address with a final dot',
      { name: '_h._tcp.a.test', value: '10.0.0.1.', type: 'SRV', priority: 0, weight: 0, port: 80 },
      'value',
      /is an IP address/,
    ],
    ['MX without priority', { name: 'a.test', value: 'mail.test', type: 'MX' }, '--priority', /needs a priority.*--priority 10/],
    [
      'MX priority out of range',
      { name: 'a.test', value: 'mail.test', type: 'MX', priority: '65536' },
      '--priority',
      /out of range.*0 to 65535/,
    ],
    ['MX priority negative', { name: 'a.test', value: 'mail.test', type: 'MX', priority: '-1' }, '--priority', /out of range/],
    ['MX priority twice', { name: 'a.test', value: '10 mail.test', type: 'MX', priority: '10' }, '--priority', /given twice/],
    ['MX target an IP', { name: 'a.test', value: '10.0.0.1', type: 'MX', priority: '10' }, 'value', /IP address/],
    ['MX target an IPv6', { name: 'a.test', value: '::1', type: 'MX', priority: '10' }, 'value', /IP address/],
    ['SRV without port', { name: '_x._tcp.a.test', value: 'web.test', type: 'SRV' }, '--port', /needs the port/],
    ['SRV port out of range', { name: '_x._tcp.a.test', value: 'web.test', type: 'SRV', port: '70000' }, '--port', /out of range/],
    ['--port on an A record', { name: 'a.test', value: '1.2.3.4', port: '80' }, '--port', /only to SRV/],
    ['--priority on a TXT record', { name: 'a.test', value: 'x', type: 'TXT', priority: '1' }, '--priority', /only to MX and SRV/],
    ['bad TTL word', { name: 'a.test', ttl: 'abc' }, '--ttl', /not a whole number/],
    ['negative TTL', { name: 'a.test', ttl: '-5' }, '--ttl', /out of range/],
    ['TTL over 2^31-1', { name: 'a.test', ttl: '2147483648' }, '--ttl', /out of range.*2147483647/],
    ['fractional TTL', { name: 'a.test', ttl: '1.5' }, '--ttl', /not a whole number/],
    ['unbalanced TXT quote', { name: 'a.test', value: '"abc', type: 'TXT' }, 'value', /unbalanced quote/],
    ['TXT text after quotes', { name: 'a.test', value: '"abc" def', type: 'TXT' }, 'value', /outside quotes/],
    ['TXT control character', { name: 'a.test', value: 'a\nb', type: 'TXT' }, 'value', /control character/],
    ['TXT quoted string over 255', { name: 'a.test', value: `"${'x'.repeat(256)}"`, type: 'TXT' }, 'value', /256 octets.*at most 255/],
    ['TXT over the record limit', { name: 'a.test', value: 'x'.repeat(5000), type: 'TXT' }, 'value', /5000 octets/],
    ['TXT escape not UTF-8', { name: 'a.test', value: '"\\255"', type: 'TXT' }, 'value', /not UTF-8/],
    ['CAA without a value', { name: 'a.test', value: 'issue', type: 'CAA' }, 'value', /not a CAA value/],
    ['CAA flags out of range', { name: 'a.test', value: '300 issue "x"', type: 'CAA' }, 'CAA flags', /out of range/],
    ['name with a space', { name: 'my app.test' }, 'name', /white space/],
    ['name with a leading dash', { name: '-x.test' }, 'name', /starts with "-"/],
  ];
  for (const [title, input, field, message] of cases) {
    it(title, () => {
      assert.throws(
        () => parseRecordInput(input),
        (error: unknown) => {
          assert.ok(error instanceof InputError, `not an InputError: ${error}`);
          assert.equal(error.field, field);
          assert.match(`${error.message} (${error.hint})`, message);
          return true;
        },
      );
    });
  }
});

describe('parseQuotedStrings', () => {
  it('reads escapes', () => assert.deepEqual(parseQuotedStrings('"a\\\\b" "\\034"'), ['a\\b', '"']));
  it('refuses an empty value', () => assert.throws(() => parseQuotedStrings('   '), /has no string/));
  it('refuses a lone backslash', () => assert.throws(() => parseQuotedStrings('"a\\'), /lone backslash|unbalanced/));
  it('refuses an escape over 255', () => assert.throws(() => parseQuotedStrings('"\\256"'), /over 255/));
});
