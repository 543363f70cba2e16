// One round trip per record type, so that a broken entry of the record table fails here: the
// value as typed -> the record -> its presentation form -> a zone file read back, and the record
// -> the records file checked back, and the record -> wire bytes (src/dns) -> decoded again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { encodeResponse } from '../../src/dns/encode.js';
import type { Response } from '../../src/dns/protocol.js';
import { parseZoneFile } from '../../src/interop/zone-parser.js';
import { formatRdata } from '../../src/records/presentation.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { compareRecords } from '../../src/records/record-set.js';
import { RECORD_KINDS, rdataOctets } from '../../src/records/record-types.js';
import { makeRecord, RECORD_TYPES, type RecordData, type RecordType } from '../../src/records/types.js';

const OWNER = 'rt.test';

/** What `devdns add` is given, and what dns-packet (an independent reader) makes of the RDATA. */
const cases: Array<[RecordType, Omit<RecordInput, 'name'>, (decoded: never) => RecordData]> = [
  ['A', { value: '127.0.0.2' }, (d: string) => ({ type: 'A', address: d })],
  ['AAAA', { value: 'fd00::10' }, (d: string) => ({ type: 'AAAA', address: d })],
  ['CNAME', { type: 'CNAME', value: 'alias.example' }, (d: string) => ({ type: 'CNAME', target: d })],
  [
    'MX',
    { type: 'MX', value: 'mail.example', priority: '10' },
    (d: { preference: number; exchange: string }) => ({ type: 'MX', priority: d.preference, exchange: d.exchange }),
  ],
  ['TXT', { type: 'TXT', value: 'say "hi" \\ caf\u00e9' }, (d: Buffer[]) => ({ type: 'TXT', strings: d.map((b) => b.toString()) })],
  ['NS', { type: 'NS', value: 'ns1.example' }, (d: string) => ({ type: 'NS', target: d })],
  [
    'SRV',
    { type: 'SRV', value: 'svc.example', priority: '1', weight: '2', port: '8080' },
    (d: { priority: number; weight: number; port: number; target: string }) => ({ type: 'SRV', ...d }),
  ],
  [
    'CAA',
    { type: 'CAA', value: '128 issue "letsencrypt.org; account=1"' },
    (d: { flags: number; tag: string; value: Buffer }) => ({ type: 'CAA', flags: d.flags, tag: d.tag, value: d.value.toString() }),
  ],
  ['PTR', { type: 'PTR', value: 'host.example' }, (d: string) => ({ type: 'PTR', target: d })],
];

function typed(type: RecordType, input: Omit<RecordInput, 'name'>): RecordData {
  const data = parseRecordInput({ name: OWNER, ...input }).data;
  assert.equal(data.length, 1);
  const [only] = data;
  assert.equal(only?.type, type);
  return only as RecordData;
}

function answerWith(data: RecordData): Response {
  return {
    id: 1,
    opcode: 0,
    rcode: 0,
    authoritative: true,
    recursionDesired: false,
    checkingDisabled: false,
    question: undefined,
    answer: [{ name: OWNER, ttl: 60, data }],
    authority: [],
    additional: [],
    edns: undefined,
    matches: [],
  };
}

describe('every record type, round trip', () => {
  it('has a case for every type in the table', () => {
    assert.deepEqual(cases.map(([type]) => type).sort(), [...RECORD_TYPES].sort());
    assert.deepEqual(Object.keys(RECORD_KINDS).sort(), [...RECORD_TYPES].sort());
  });

  it('prefers the RRset of a minimal ANY answer in the order devdns has always used', () => {
    const byPreference = [...RECORD_TYPES].sort((a, b) => RECORD_KINDS[a].anyRank - RECORD_KINDS[b].anyRank);
    assert.deepEqual(byPreference, ['CNAME', 'A', 'AAAA', 'MX', 'TXT', 'SRV', 'CAA', 'PTR', 'NS']);
  });

  it('writes names in full in an answer with SRV records (RFC 2782), and compresses others', () => {
    const compressed = (input: Omit<RecordInput, 'name'>) =>
      encodeResponse(answerWith(typed(input.type as RecordType, input)), { maxSize: 65535 }).compressed;
    assert.equal(compressed({ type: 'SRV', value: '0 0 80 svc.rt.test' }), false);
    assert.equal(compressed({ type: 'MX', value: '10 mail.rt.test' }), true);
  });

  it('lists the types of one name in their table order', () => {
    const records = cases.map(([type, input]) => makeRecord(OWNER, 60, typed(type, input)));
    const listed = [...records].reverse().sort(compareRecords);
    assert.deepEqual(
      listed.map((r) => r.type),
      ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NS', 'PTR'],
    );
  });

  for (const [type, input, fromWire] of cases) {
    describe(type, () => {
      const data = (): RecordData => typed(type, input);

      it('reads back from a zone file what it presents', () => {
        const zone = `$ORIGIN test.\nrt 60 IN ${type} ${formatRdata(data())}\n`;
        const parsed = parseZoneFile(zone);
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(
          parsed.records.map((r) => [r.name, r.ttl, r.data]),
          [[OWNER, 60, data()]],
        );
      });

      it('reads back from the records file what the store writes', () => {
        const record = makeRecord(OWNER, 60, data());
        const file = { version: 1, serial: 1, zones: { test: {} }, records: [JSON.parse(JSON.stringify(record))] };
        const checked = checkRecordFile(file);
        assert.ok(checked.ok, checked.ok ? '' : checked.problem);
        assert.deepEqual(checked.file.records, [record]);
      });

      it('decodes from its wire bytes to the same data, with its type number and RDATA length', () => {
        const { bytes } = encodeResponse(answerWith(data()), { maxSize: 65535 });
        const [answer] = packet.decode(bytes).answers ?? [];
        assert.equal(answer?.type, type);
        assert.equal(packet.decode(bytes).answers?.length, 1);
        assert.deepEqual(fromWire((answer as { data: unknown }).data as never), data());
        // No question and targets outside the owner's zone: nothing is compressed, so RDLENGTH
        // is what the table says the data takes.
        const rdlengthAt = 12 + OWNER.length + 2 + 8;
        assert.equal(bytes.readUInt16BE(rdlengthAt), rdataOctets(data()));
        assert.equal(bytes.readUInt16BE(12 + OWNER.length + 2), RECORD_KINDS[type].code);
      });
    });
  }
});
