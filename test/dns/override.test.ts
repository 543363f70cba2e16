// Overrides of real names: which questions devdns answers from its records and which it leaves
// to the real servers (decide), how `devdns override` makes and ends an override zone, and what
// the records file accepts for one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerQuery, decide } from '../../src/dns/answer.js';
import { encodeResponse } from '../../src/dns/encode.js';
import { QTYPE } from '../../src/dns/protocol.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords, removeRecords } from '../../src/records/record-set.js';
import { emptyRecordFile, type RecordFile } from '../../src/records/types.js';
import { query, summarize } from '../helpers/dns.js';

function withOverrides(...inputs: Array<RecordInput & { override?: boolean }>): RecordFile {
  return inputs.reduce(
    (file, { override, ...input }) => addRecords(file, { ...parseRecordInput(input), override: override === true }).file,
    emptyRecordFile(),
  );
}

const file = withOverrides(
  { name: 'api.example.com', value: '127.0.0.1', override: true },
  { name: 'api.example.com', type: 'TXT', value: 'mock' },
  { name: 'deep.a.api.example.com', value: '127.0.0.2' },
  { name: '*.staging.example.com', value: '10.0.0.7', override: true },
  { name: 'a.b.staging.example.com', value: '10.0.0.8' },
  { name: 'alias.example.org', type: 'CNAME', value: 'app.test', override: true },
  { name: 'app.test', value: '127.0.0.1' },
  { name: 'out.test', type: 'CNAME', value: 'docs.api.example.com' },
  { name: 'in.test', type: 'CNAME', value: 'api.example.com' },
);
const index = buildZoneIndex(file);
const what = (name: string, type: number, forwardAll = false): string => {
  const decision = decide(index, query(name, type), { forwardAll });
  if (decision.kind === 'forward') return `forward (${decision.rule})`;
  const { rcode, answer } = summarize(decision.response);
  return `${rcode}${decision.response.authoritative ? ' aa' : ''} ${answer.join(', ')}`.trim();
};

describe('an override answers its address types and leaves the rest to the real servers', () => {
  const cases: Array<[string, number, string]> = [
    ['api.example.com', QTYPE.A, 'NOERROR aa api.example.com A 127.0.0.1'],
    // No real address may leak through another type: AAAA, HTTPS and SVCB are answered here.
    ['api.example.com', QTYPE.AAAA, 'NOERROR aa'],
    ['api.example.com', QTYPE.HTTPS, 'NOERROR aa'],
    ['API.Example.COM', QTYPE.SVCB, 'NOERROR aa'],
    // A type it holds a record of is its own too; the others are the real domain's.
    ['api.example.com', QTYPE.TXT, 'NOERROR aa api.example.com TXT "mock"'],
    ['api.example.com', QTYPE.MX, 'forward (override)'],
    ['api.example.com', QTYPE.CAA, 'forward (override)'],
    ['api.example.com', QTYPE.SOA, 'forward (override)'],
    // Names under it that devdns holds nothing for are the real ones.
    ['docs.api.example.com', QTYPE.A, 'forward (override)'],
    // An empty non-terminal devdns's records make: no address here (NODATA), the other types forwarded.
    ['a.api.example.com', QTYPE.A, 'NOERROR aa'],
    ['a.api.example.com', QTYPE.HTTPS, 'NOERROR aa'],
    ['a.api.example.com', QTYPE.TXT, 'forward (override)'],
    ['deep.a.api.example.com', QTYPE.A, 'NOERROR aa deep.a.api.example.com A 127.0.0.2'],
    // A subtree: the wildcard covers the names below, not the apex.
    ['x.staging.example.com', QTYPE.A, 'NOERROR aa x.staging.example.com A 10.0.0.7'],
    ['x.staging.example.com', QTYPE.AAAA, 'NOERROR aa'],
    ['x.staging.example.com', QTYPE.MX, 'forward (override)'],
    ['staging.example.com', QTYPE.A, 'forward (override)'],
    // The wildcard does not cover a name that exists, an empty non-terminal included (RFC 4592 §2.2.2):
    // b.staging.example.com is one, by a.b.staging.example.com; and a name below it has b as its
    // closest encloser, which has no wildcard, so it is the real servers'.
    ['b.staging.example.com', QTYPE.A, 'NOERROR aa'],
    ['B.staging.example.com', QTYPE.AAAA, 'NOERROR aa'],
    ['b.staging.example.com', QTYPE.MX, 'forward (override)'],
    ['a.b.staging.example.com', QTYPE.A, 'NOERROR aa a.b.staging.example.com A 10.0.0.8'],
    ['c.b.staging.example.com', QTYPE.A, 'forward (override)'],
    // A CNAME takes the whole name, every type.
    ['alias.example.org', QTYPE.MX, 'NOERROR aa alias.example.org CNAME app.test.'],
    ['alias.example.org', QTYPE.A, 'NOERROR aa alias.example.org CNAME app.test., app.test A 127.0.0.1'],
    // The rest of example.com is never devdns's, unless everything is forwarded.
    ['www.example.com', QTYPE.A, 'REFUSED'],
    // Zone transfers and meta types are answered by the rules, never forwarded.
    ['api.example.com', QTYPE.AXFR, 'REFUSED'],
    // A chain from devdns's own zone into an override goes as far as devdns holds the names.
    ['in.test', QTYPE.A, 'NOERROR aa in.test CNAME api.example.com., api.example.com A 127.0.0.1'],
    ['out.test', QTYPE.A, 'NOERROR aa out.test CNAME docs.api.example.com.'],
  ];
  for (const [name, type, expected] of cases) {
    it(`${name} type ${type}: ${expected}`, () => assert.equal(what(name, type), expected));
  }

  it("answers an empty non-terminal's NODATA with the override zone's SOA (RFC 2308 §2.2)", () => {
    const decision = decide(index, query('b.staging.example.com', QTYPE.A), { forwardAll: false });
    assert.ok(decision.kind === 'answer');
    assert.deepEqual(
      decision.response.authority.map((record) => `${record.name} ${record.data.type}`),
      ['staging.example.com SOA'],
    );
  });

  it('forward all sends every name outside the zones upstream, and keeps the zones', () => {
    assert.equal(what('www.example.com', QTYPE.A, true), 'forward (all)');
    assert.equal(what('nothing.test', QTYPE.A, true), 'NXDOMAIN aa');
    assert.equal(what('api.example.com', QTYPE.MX, true), 'forward (override)');
  });

  it("forwards what an ended override's route still sends, and refuses the rest", () => {
    const routed = (name: string) => {
      const decision = decide(index, query(name, QTYPE.A), { forwardAll: false, routed: ['gone.example.com'] });
      return decision.kind === 'forward' ? `forward (${decision.rule})` : summarize(decision.response).rcode;
    };
    assert.equal(routed('gone.example.com'), 'forward (route)');
    assert.equal(routed('www.gone.example.com'), 'forward (route)');
    assert.equal(routed('notgone.example.com'), 'REFUSED');
    assert.equal(routed('example.com'), 'REFUSED');
    // A route never takes a name from the records.
    const own = decide(index, query('app.test', QTYPE.A), { forwardAll: false, routed: ['test'] });
    assert.equal(own.kind, 'answer');
  });

  it('without a forwarder, what would go upstream is REFUSED', () => {
    assert.equal(summarize(answerQuery(index, query('api.example.com', QTYPE.MX))).rcode, 'REFUSED');
    assert.equal(summarize(answerQuery(index, query('docs.api.example.com', QTYPE.A))).rcode, 'REFUSED');
  });

  it('says RA=1 in an override zone when forwarding is on, as its forwarded answers do; RA=0 in its own zones', () => {
    const ra = (name: string, type: number, recursion: boolean): boolean | undefined => {
      const decision = decide(index, query(name, type), { forwardAll: false, recursion });
      return decision.kind === 'answer' ? decision.response.recursionAvailable === true : undefined;
    };
    assert.equal(ra('api.example.com', QTYPE.A, true), true);
    assert.equal(ra('x.staging.example.com', QTYPE.AAAA, true), true);
    assert.equal(ra('alias.example.org', QTYPE.A, true), true);
    assert.equal(ra('api.example.com', QTYPE.A, false), false);
    assert.equal(ra('app.test', QTYPE.A, true), false);
    assert.equal(ra('www.example.com', QTYPE.A, true), false);
    const local = decide(index, query('api.example.com', QTYPE.A), { forwardAll: false, recursion: true });
    assert.ok(local.kind === 'answer');
    assert.equal((encodeResponse(local.response, { maxSize: 512 }).bytes[3] ?? 0) & 0x80, 0x80);
  });

  it('gives an override no SOA, NS or probe name of its own: the real servers answer for those', () => {
    assert.equal(index.nodes.has('api.example.com'), true);
    assert.equal(index.nodes.has('_devdns-probe.api.example.com'), false);
    assert.equal(what('_devdns-probe.api.example.com', QTYPE.A), 'forward (override)');
    assert.equal(what('api.example.com', QTYPE.NS), 'forward (override)');
  });
});

describe('devdns override: the zone it makes and ends', () => {
  it('makes the name an override zone, and a wildcard the subtree under it', () => {
    assert.deepEqual(file.zones['api.example.com'], { override: true });
    assert.deepEqual(file.zones['staging.example.com'], { override: true });
    assert.equal(file.zones['example.com'], undefined);
  });

  it('puts a name under an override in it, so add, rm and ls treat it as any record', () => {
    const added = addRecords(file, { ...parseRecordInput({ name: 'api.example.com', value: 'fd00::7' }) });
    assert.deepEqual(added.zonesAdded, []);
    assert.equal(added.added[0]?.type, 'AAAA');
  });

  it('refuses a name in one of your own zones, and a whole top-level domain', () => {
    const own = (name: string) => addRecords(file, { ...parseRecordInput({ name, value: '127.0.0.1' }), override: true });
    assert.throws(
      () => own('shop.test'),
      (error: Error & { hint?: string }) => {
        assert.match(error.message, /shop\.test is in your zone test/);
        assert.match(error.hint ?? '', /devdns add shop\.test/);
        return true;
      },
    );
    assert.throws(() => own('com'), /whole top-level domain/);
    assert.throws(() => own('*.com'), /whole top-level domain/);
  });

  it('ends the override with its last record, and keeps it while one is left', () => {
    const one = removeRecords(file, { name: 'api.example.com', type: 'TXT' });
    assert.deepEqual(one.zonesRemoved, []);
    const deep = removeRecords(one.file, { name: 'deep.a.api.example.com' });
    assert.deepEqual(deep.zonesRemoved, []);
    const last = removeRecords(deep.file, { name: 'api.example.com' });
    assert.deepEqual(last.zonesRemoved, ['api.example.com']);
    assert.equal(last.file.zones['api.example.com'], undefined);
  });
});

describe('the records file and overrides', () => {
  const raw = (zones: unknown) => JSON.parse(JSON.stringify({ version: 1, serial: 1, zones, records: [] }));
  it('reads override: true, and refuses any other value', () => {
    const ok = checkRecordFile(raw({ 'api.example.com': { override: true } }));
    assert.equal(ok.ok, true);
    if (ok.ok) assert.deepEqual(ok.file.zones, { 'api.example.com': { override: true } });
    for (const bad of [false, 'yes', 1, null, {}]) {
      const check = checkRecordFile(raw({ 'api.example.com': { override: bad } }));
      assert.equal(check.ok, false, JSON.stringify(bad));
      if (!check.ok) assert.match(check.problem, /override: must be true when present/);
    }
  });
});
