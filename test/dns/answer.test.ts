// The answering rules of DESIGN.md section 4, one table row a case: question -> expected answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerQuery } from '../../src/dns/answer.js';
import { EDNS_UDP_PAYLOAD, QTYPE, type Query } from '../../src/dns/protocol.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { makeRecord } from '../../src/records/types.js';
import { query, recordFile, type Summary, summarize } from '../helpers/dns.js';

const file = recordFile(
  { name: 'myapp.test' },
  { name: '*.shop.test', value: '127.0.0.2' },
  { name: 'shop.test', value: 'mail.shop.test', type: 'MX', priority: '10' },
  { name: 'shop.test', value: 'v=spf1 -all', type: 'TXT' },
  { name: 'shop.test', value: '0 issue "letsencrypt.org"', type: 'CAA' },
  { name: 'mail.shop.test', value: '10.0.0.25' },
  { name: 'www.shop.test', value: 'shop.test', type: 'CNAME' },
  { name: '_http._tcp.shop.test', value: 'web.shop.test', type: 'SRV', priority: '0', weight: '5', port: '8080' },
  { name: 'sub.a.b.test', value: '10.1.1.1' },
  { name: 'alias.test', value: 'myapp.test', type: 'CNAME' },
  { name: 'chain1.test', value: 'chain2.test', type: 'CNAME' },
  { name: 'chain2.test', value: 'alias.test', type: 'CNAME' },
  { name: 'ext.test', value: 'example.com', type: 'CNAME' },
  { name: 'dangling.test', value: 'nothere.test', type: 'CNAME' },
  { name: '*.wild.test', value: 'myapp.test', type: 'CNAME' },
  { name: 'exists.wild.test', value: 'x', type: 'TXT' },
  { name: '*.loop.test', value: 'x.loop.test', type: 'CNAME' },
  { name: 'deleg.test', value: 'ns.deleg.test', type: 'NS' },
  { name: 'ns.deleg.test', value: '10.5.5.5' },
  { name: 'db.internal', value: '10.0.0.5' },
  { name: '1.0.0.127.in-addr.arpa', value: 'myapp.test', type: 'PTR' },
  ...Array.from({ length: 10 }, (_, i) => ({ name: `c${i}.test`, value: `c${i + 1}.test`, type: 'CNAME' })),
  { name: 'c10.test', value: '10.0.0.10' },
);
const index = buildZoneIndex(file);

const SOA_TEST = 'test SOA localhost. hostmaster.test. 2026112601 3600 600 86400 5';
const ok = (answer: string[], extra: Partial<Summary> = {}): Summary => ({ rcode: 'NOERROR', aa: true, answer, authority: [], ...extra });
const nodata = (soa = SOA_TEST, answer: string[] = []): Summary => ({ rcode: 'NOERROR', aa: true, answer, authority: [soa] });
const nxdomain = (soa = SOA_TEST, answer: string[] = []): Summary => ({ rcode: 'NXDOMAIN', aa: true, answer, authority: [soa] });
const bare = (rcode: string, aa = false): Summary => ({ rcode, aa, answer: [], authority: [] });

const cases: Array<[string, Query, Summary]> = [
  ['exact A', query('myapp.test', QTYPE.A), ok(['myapp.test A 127.0.0.1'])],
  ['exact AAAA', query('myapp.test', QTYPE.AAAA), ok(['myapp.test AAAA ::1'])],
  ['case-insensitive, owner as asked', query('MyApp.TEST', QTYPE.A), ok(['MyApp.TEST A 127.0.0.1'])],
  ['existing name, no such type: NODATA with SOA', query('myapp.test', QTYPE.MX), nodata()],
  ['HTTPS (65) at an existing name: NODATA, never NXDOMAIN', query('myapp.test', QTYPE.HTTPS), nodata()],
  ['a type number devdns has no name for: NODATA', query('myapp.test', 1234), nodata()],
  ['no such name: NXDOMAIN with SOA', query('nope.test', QTYPE.A), nxdomain()],
  ['outside our zones: REFUSED, not authoritative', query('example.com', QTYPE.A), bare('REFUSED')],
  ['the root: REFUSED', query('', QTYPE.NS), bare('REFUSED')],
  ['a name that only ends like a zone: REFUSED', query('atest', QTYPE.A), bare('REFUSED')],
  ['wildcard: one label', query('a.shop.test', QTYPE.A), ok(['a.shop.test A 127.0.0.2'])],
  ['wildcard: several labels', query('x.y.Shop.test', QTYPE.A), ok(['x.y.Shop.test A 127.0.0.2'])],
  ['wildcard: the type missing is NODATA', query('a.shop.test', QTYPE.AAAA), nodata()],
  ['wildcard: not for a name that exists', query('mail.shop.test', QTYPE.AAAA), nodata()],
  ['wildcard: an existing name answers itself', query('mail.shop.test', QTYPE.A), ok(['mail.shop.test A 10.0.0.25'])],
  ['wildcard: not for its parent', query('shop.test', QTYPE.A), nodata()],
  ["wildcard: only the closest encloser's (RFC 4592 §2.2.1)", query('x.mail.shop.test', QTYPE.A), nxdomain()],
  ['wildcard queried literally', query('*.shop.test', QTYPE.A), ok(['*.shop.test A 127.0.0.2'])],
  ['empty non-terminal: NODATA (RFC 8020)', query('a.b.test', QTYPE.A), nodata()],
  ['empty non-terminal two levels up', query('b.test', QTYPE.AAAA), nodata()],
  ['below an empty non-terminal: NXDOMAIN', query('zz.a.b.test', QTYPE.A), nxdomain()],
  ['CNAME chased to its target', query('alias.test', QTYPE.A), ok(['alias.test CNAME myapp.test.', 'myapp.test A 127.0.0.1'])],
  [
    'CNAME chain chased',
    query('chain1.test', QTYPE.AAAA),
    ok(['chain1.test CNAME chain2.test.', 'chain2.test CNAME alias.test.', 'alias.test CNAME myapp.test.', 'myapp.test AAAA ::1']),
  ],
  ['CNAME asked for: not chased', query('alias.test', QTYPE.CNAME), ok(['alias.test CNAME myapp.test.'])],
  ['CNAME out of zone: the CNAME alone', query('ext.test', QTYPE.A), ok(['ext.test CNAME example.com.'])],
  [
    'CNAME to a missing name: NXDOMAIN for the target (RFC 6604)',
    query('dangling.test', QTYPE.A),
    nxdomain(SOA_TEST, ['dangling.test CNAME nothere.test.']),
  ],
  ['CNAME to a name without the type: NODATA', query('www.shop.test', QTYPE.A), nodata(SOA_TEST, ['www.shop.test CNAME shop.test.'])],
  ['wildcard CNAME, chased', query('q.wild.test', QTYPE.A), ok(['q.wild.test CNAME myapp.test.', 'myapp.test A 127.0.0.1'])],
  ['wildcard CNAME not for an existing name', query('exists.wild.test', QTYPE.A), nodata()],
  ['CNAME loop through a wildcard: SERVFAIL', query('a.loop.test', QTYPE.A), { rcode: 'SERVFAIL', aa: true, answer: [], authority: [] }],
  ['CNAME chain over 8: SERVFAIL', query('c0.test', QTYPE.A), { rcode: 'SERVFAIL', aa: true, answer: [], authority: [] }],
  [
    "MX with the exchange's address in additional",
    query('shop.test', QTYPE.MX),
    ok(['shop.test MX 10 mail.shop.test.'], { additional: ['mail.shop.test A 10.0.0.25'] }),
  ],
  ['SRV', query('_http._tcp.shop.test', QTYPE.SRV), ok(['_http._tcp.shop.test SRV 0 5 8080 web.shop.test.'])],
  ['TXT', query('shop.test', QTYPE.TXT), ok(['shop.test TXT "v=spf1 -all"'])],
  ['CAA', query('shop.test', QTYPE.CAA), ok(['shop.test CAA 0 issue "letsencrypt.org"'])],
  ['PTR in a reverse zone', query('1.0.0.127.in-addr.arpa', QTYPE.PTR), ok(['1.0.0.127.in-addr.arpa PTR myapp.test.'])],
  ['SOA at the apex, synthesised', query('test', QTYPE.SOA), ok([SOA_TEST])],
  ['NS at the apex, synthesised', query('TEST', QTYPE.NS), ok(['TEST NS localhost.'])],
  ['SOA below the apex: NODATA', query('myapp.test', QTYPE.SOA), nodata()],
  ['apex without A: NODATA', query('test', QTYPE.A), nodata()],
  [
    'another zone has its own SOA',
    query('nope.internal', QTYPE.A),
    nxdomain('internal SOA localhost. hostmaster.internal. 2026112601 3600 600 86400 5'),
  ],
  ['another zone answers', query('db.internal', QTYPE.A), ok(['db.internal A 10.0.0.5'])],
  ['ANY: one RRset (RFC 8482)', query('myapp.test', QTYPE.ANY), ok(['myapp.test A 127.0.0.1'])],
  ['ANY at a CNAME: the CNAME, not chased', query('alias.test', QTYPE.ANY), ok(['alias.test CNAME myapp.test.'])],
  ['ANY at a missing name: NXDOMAIN', query('nope.test', QTYPE.ANY), nxdomain()],
  [
    'below a delegation: a referral with glue, not authoritative',
    query('host.deleg.test', QTYPE.A),
    { rcode: 'NOERROR', aa: false, answer: [], authority: ['deleg.test NS ns.deleg.test.'], additional: ['ns.deleg.test A 10.5.5.5'] },
  ],
  [
    'at the delegation: a referral',
    query('deleg.test', QTYPE.NS),
    { rcode: 'NOERROR', aa: false, answer: [], authority: ['deleg.test NS ns.deleg.test.'], additional: ['ns.deleg.test A 10.5.5.5'] },
  ],
  ['opcode NOTIFY: NOTIMP', query('myapp.test', QTYPE.A, { opcode: 4 }), bare('NOTIMP')],
  ['opcode UPDATE: NOTIMP', query('myapp.test', QTYPE.A, { opcode: 5 }), bare('NOTIMP')],
  [
    'no question: FORMERR',
    query('myapp.test', QTYPE.A, { question: undefined, questionCount: 0, malformed: '0 questions' }),
    bare('FORMERR'),
  ],
  ['two questions: FORMERR', query('myapp.test', QTYPE.A, { questionCount: 2, malformed: '2 questions' }), bare('FORMERR')],
  ['malformed: FORMERR', query('myapp.test', QTYPE.A, { malformed: 'two OPT records' }), bare('FORMERR')],
  ['EDNS version 1: BADVERS', query('myapp.test', QTYPE.A, { edns: { udpSize: 1232, version: 1, dnssecOk: false } }), bare('BADVERS')],
  [
    'class CHAOS: REFUSED',
    query('version.bind', QTYPE.TXT, { question: { name: 'version.bind', type: QTYPE.TXT, class: 3 } }),
    bare('REFUSED'),
  ],
  ['class ANY: REFUSED', query('myapp.test', QTYPE.A, { question: { name: 'myapp.test', type: QTYPE.A, class: 255 } }), bare('REFUSED')],
  ['AXFR: REFUSED', query('test', QTYPE.AXFR), bare('REFUSED')],
  ['IXFR: REFUSED', query('test', QTYPE.IXFR), bare('REFUSED')],
  ['QTYPE 0: FORMERR', query('myapp.test', 0), bare('FORMERR')],
  ['OPT as a question: FORMERR', query('myapp.test', QTYPE.OPT), bare('FORMERR')],
  ['MAILA: NOTIMP', query('myapp.test', 254), bare('NOTIMP')],
];

describe('answerQuery', () => {
  for (const [title, q, expected] of cases) {
    it(title, () => assert.deepEqual(summarize(answerQuery(index, q)), expected));
  }
  it(`has at least 40 cases (${cases.length})`, () => assert.ok(cases.length >= 40));

  it('echoes the ID, the question as asked, RD and CD; never sets RA', () => {
    const q = query('MyApp.Test', QTYPE.A, { recursionDesired: true, checkingDisabled: true });
    const response = answerQuery(index, q);
    assert.equal(response.id, q.id);
    assert.deepEqual(response.question, q.question);
    assert.equal(response.recursionDesired, true);
    assert.equal(response.checkingDisabled, true);
  });

  it('answers EDNS with our payload size and copies DO; no EDNS, no OPT', () => {
    const withEdns = answerQuery(index, query('myapp.test', QTYPE.A, { edns: { udpSize: 65535, version: 0, dnssecOk: true } }));
    assert.deepEqual(withEdns.edns, { udpSize: EDNS_UDP_PAYLOAD, dnssecOk: true });
    assert.equal(answerQuery(index, query('myapp.test', QTYPE.A, { edns: undefined })).edns, undefined);
    assert.deepEqual(answerQuery(index, query('myapp.test', QTYPE.A, { edns: { udpSize: 512, version: 1, dnssecOk: false } })).edns, {
      udpSize: EDNS_UDP_PAYLOAD,
      dnssecOk: false,
    });
  });

  it('serves the serial of the records file, which rises with every change', () => {
    const serialOf = (serial: number) => {
      const data = answerQuery(buildZoneIndex({ ...file, serial }), query('test', QTYPE.SOA)).answer[0]?.data;
      return data?.type === 'SOA' ? data.serial : -1;
    };
    assert.equal(serialOf(2026112700), 2026112700);
    assert.equal(serialOf(0), 1, 'a file never written still has a serial');
  });

  it('says which stored names an answer came from: exact, wildcard, along a CNAME chain', () => {
    assert.deepEqual(answerQuery(index, query('myapp.test', QTYPE.A)).matches, [{ name: 'myapp.test', wildcard: false }]);
    assert.deepEqual(answerQuery(index, query('x.y.shop.test', QTYPE.A)).matches, [{ name: '*.shop.test', wildcard: true }]);
    assert.deepEqual(answerQuery(index, query('q.wild.test', QTYPE.A)).matches, [
      { name: '*.wild.test', wildcard: true },
      { name: 'myapp.test', wildcard: false },
    ]);
    assert.deepEqual(answerQuery(index, query('nope.test', QTYPE.A)).matches, []);
  });

  it('uses a user NS at the apex instead of the synthesised one', () => {
    const own = buildZoneIndex({ ...recordFile(), records: [makeRecord('test', 60, { type: 'NS', target: 'ns1.test' })] });
    assert.deepEqual(summarize(answerQuery(own, query('test', QTYPE.NS))).answer, ['test NS ns1.test.']);
  });
});
