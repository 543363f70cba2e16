import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseZoneFile } from '../../src/interop/zone-parser.js';
import { formatRdata } from '../../src/records/presentation.js';

const lines = (text: string) => {
  const parsed = parseZoneFile(text);
  return {
    records: parsed.records.map((r) => `${r.line} ${r.name} ${r.ttl} ${r.data.type} ${formatRdata(r.data)}`),
    skipped: parsed.skipped.map((s) => `${s.line} ${s.what}: ${s.reason}`),
    problems: parsed.problems.map((p) => `${p.line} ${p.message}`),
  };
};

describe('parseZoneFile', () => {
  it('reads $ORIGIN, $TTL with units, @, relative and absolute names, class in either place', () => {
    const result = lines(`$ORIGIN test.
$TTL 1h
@        IN  SOA  ns.test. admin.test. ( 1 ; serial
                   3600 600 86400 60 )
@            NS   localhost.
www      300 IN A 10.0.0.1
         IN 300 AAAA fd00::1   ; the owner carries over
mail.other.test.  A  10.0.0.2
alias        CNAME www
shop     MX  10 mail
_s._tcp  SRV 0 5 8080 www
txt      TXT "one two" three "a \\"quote\\" \\195\\169"
caa      CAA 0 issue "letsencrypt.org"
`);
    assert.deepEqual(result.records, [
      '6 www.test 300 A 10.0.0.1',
      '7 www.test 300 AAAA fd00::1',
      '8 mail.other.test 3600 A 10.0.0.2',
      '9 alias.test 3600 CNAME www.test.',
      '10 shop.test 3600 MX 10 mail.test.',
      '11 _s._tcp.test 3600 SRV 0 5 8080 www.test.',
      '12 txt.test 3600 TXT "one two" "three" "a \\"quote\\" \\195\\169"',
      '13 caa.test 3600 CAA 0 issue "letsencrypt.org"',
    ]);
    assert.deepEqual(result.skipped, [
      '3 test SOA: devdns makes the SOA of its zones itself',
      '5 test NS localhost.: devdns makes this NS record itself',
    ]);
    assert.deepEqual(result.problems, []);
  });

  it('skips types devdns does not serve, and names bad lines by number', () => {
    const result = lines(`$ORIGIN test.
a  HINFO "cpu" "os"
b  A  999.1.1.1
c  CH A 10.0.0.1
d
$INCLUDE other.zone
e  A  10.0.0.5
`);
    assert.deepEqual(result.records, ['7 e.test undefined A 10.0.0.5']);
    assert.deepEqual(result.skipped, ['2 a.test HINFO: HINFO is not a type devdns serves']);
    assert.equal(result.problems.length, 4);
    assert.match(result.problems[0] ?? '', /^3 value: "999\.1\.1\.1" is not an IPv4 address/);
    assert.match(result.problems[1] ?? '', /^4 class: CH is not served/);
    assert.match(result.problems[2] ?? '', /^5 type: the record has no type/);
    assert.match(result.problems[3] ?? '', /^6 \$INCLUDE: is not supported/);
  });

  it('needs an origin for relative names, and reports unbalanced parentheses', () => {
    assert.match(lines('www A 10.0.0.1\n').problems[0] ?? '', /relative but no \$ORIGIN/);
    assert.match(lines('$ORIGIN test.\nwww A ( 10.0.0.1\n').problems[0] ?? '', /"\(" is not closed/);
  });
});
