// One round trip per record type, so that a broken entry of the record table fails here: the
// value as typed -> the record -> its presentation form -> a zone file read back, and the record
// -> the records file checked back, and the record -> an answer in wire bytes (src/dns) -> decoded
// again by dns-packet, an independent reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { answerQuery } from '../../src/dns/answer.js';
import { encodeResponse } from '../../src/dns/encode.js';
import type { Query } from '../../src/dns/protocol.js';
import { readQuery } from '../../src/dns/wire.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { parseZoneFile } from '../../src/interop/zone-parser.js';
import { formatRdata } from '../../src/records/presentation.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { compareRecords } from '../../src/records/record-set.js';
import { RECORD_KINDS, rdataOctets } from '../../src/records/record-types.js';
import { makeRecord, RECORD_TYPES, type RecordData, type RecordType } from '../../src/records/types.js';

const OWNER = 'rt.test';

interface Case {
  /** What `devdns add` is given. */
  input: Omit<RecordInput, 'name'>;
  /** The data it must make. */
  data: RecordData;
  /** What dns-packet (an independent reader) makes of the RDATA, as record data. */
  fromWire: (decoded: never) => RecordData;
}

const name = (type: 'CNAME' | 'NS' | 'PTR', target: string): Case => ({
  input: { type, value: target },
  data: { type, target },
  fromWire: (d: string) => ({ type, target: d }),
});

const cases: Record<RecordType, Case> = {
  A: { input: { value: '127.0.0.2' }, data: { type: 'A', address: '127.0.0.2' }, fromWire: (d: string) => ({ type: 'A', address: d }) },
  AAAA: {
    input: { value: 'FD00:0:0::10' },
    data: { type: 'AAAA', address: 'fd00::10' },
    fromWire: (d: string) => ({ type: 'AAAA', address: d }),
  },
  CNAME: name('CNAME', 'alias.example'),
  MX: {
    input: { type: 'MX', value: 'Mail.Example', priority: '10' },
    data: { type: 'MX', priority: 10, exchange: 'mail.example' },
    fromWire: (d: { preference: number; exchange: string }) => ({ type: 'MX', priority: d.preference, exchange: d.exchange }),
  },
  TXT: {
    input: { type: 'TXT', value: 'say "hi" \\ caf\u00e9' },
    data: { type: 'TXT', strings: ['say "hi" \\ caf\u00e9'] },
    fromWire: (d: Buffer[]) => ({ type: 'TXT', strings: d.map((b) => b.toString()) }),
  },
  NS: name('NS', 'ns1.example'),
  SRV: {
    input: { type: 'SRV', value: 'svc.example', priority: '1', weight: '2', port: '8080' },
    data: { type: 'SRV', priority: 1, weight: 2, port: 8080, target: 'svc.example' },
    fromWire: (d: { priority: number; weight: number; port: number; target: string }) => ({ type: 'SRV', ...d }),
  },
  CAA: {
    input: { type: 'CAA', value: '128 Issue "letsencrypt.org; account=1"' },
    data: { type: 'CAA', flags: 128, tag: 'issue', value: 'letsencrypt.org; account=1' },
    fromWire: (d: { flags: number; tag: string; value: Buffer }) => ({
      type: 'CAA',
      flags: d.flags,
      tag: d.tag,
      value: d.value.toString(),
    }),
  },
  PTR: name('PTR', 'host.example'),
};

function typed(type: RecordType, input: Omit<RecordInput, 'name'>): RecordData {
  const data = parseRecordInput({ name: OWNER, ...input }).data;
  assert.equal(data.length, 1);
  const [only] = data;
  assert.equal(only?.type, type);
  return only as RecordData;
}

/** The data's record asked for by type, through the server's path: query bytes, answer, response bytes. */
function answered(data: RecordData): { bytes: Buffer; compressed: boolean } {
  const index = buildZoneIndex({ version: 1, serial: 1, zones: { [OWNER]: {} }, records: [makeRecord(OWNER, 60, data)] });
  const read = readQuery(packet.encode({ id: 1, type: 'query', questions: [{ name: OWNER, type: data.type, class: 'IN' }] }));
  assert.equal(read.kind, 'query');
  return encodeResponse(answerQuery(index, (read as { query: Query }).query), { maxSize: 65535 });
}

describe('every record type, round trip', () => {
  it('has a case for every type in the table', () => {
    assert.deepEqual(Object.keys(cases).sort(), [...RECORD_TYPES].sort());
    assert.deepEqual(Object.keys(RECORD_KINDS).sort(), [...RECORD_TYPES].sort());
  });

  it('prefers the RRset of a minimal ANY answer in the order devdns has always used', () => {
    const byPreference = [...RECORD_TYPES].sort((a, b) => RECORD_KINDS[a].anyRank - RECORD_KINDS[b].anyRank);
    assert.deepEqual(byPreference, ['CNAME', 'A', 'AAAA', 'MX', 'TXT', 'SRV', 'CAA', 'PTR', 'NS']);
  });

  it('writes names in full in an answer with SRV records (RFC 2782), and compresses others', () => {
    const compressed = (input: Omit<RecordInput, 'name'>) => answered(typed(input.type as RecordType, input)).compressed;
    assert.equal(compressed({ type: 'SRV', value: '0 0 80 svc.rt.test' }), false);
    assert.equal(compressed({ type: 'MX', value: '10 mail.rt.test' }), true);
  });

  it('lists the types of one name in their table order', () => {
    const records = RECORD_TYPES.map((type) => makeRecord(OWNER, 60, cases[type].data));
    const listed = [...records].reverse().sort(compareRecords);
    assert.deepEqual(
      listed.map((r) => r.type),
      ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'CAA', 'NS', 'PTR'],
    );
  });

  for (const type of RECORD_TYPES) {
    const { input, data: expected, fromWire } = cases[type];
    describe(type, () => {
      it('reads its value as typed', () => assert.deepEqual(typed(type, input), expected));

      it('reads back from a zone file what it presents', () => {
        const zone = `$ORIGIN test.\nrt 60 IN ${type} ${formatRdata(expected)}\n`;
        const parsed = parseZoneFile(zone);
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(
          parsed.records.map((r) => [r.name, r.ttl, r.data]),
          [[OWNER, 60, expected]],
        );
      });

      it('reads back from the records file what the store writes', () => {
        const record = makeRecord(OWNER, 60, expected);
        const file = { version: 1, serial: 1, zones: { test: {} }, records: [JSON.parse(JSON.stringify(record))] };
        const checked = checkRecordFile(file);
        assert.ok(checked.ok, checked.ok ? '' : checked.problem);
        assert.deepEqual(checked.file.records, [record]);
      });

      it('decodes from its wire bytes to the same data, with its type number and RDATA length', () => {
        const { bytes } = answered(expected);
        const answers = packet.decode(bytes).answers ?? [];
        assert.equal(answers.length, 1);
        assert.equal(answers[0]?.type, type);
        assert.deepEqual(fromWire((answers[0] as { data: unknown }).data as never), expected);
        // The one answer ends the message, and its targets share no suffix with the question, so
        // nothing in its RDATA is compressed: RDLENGTH, just before it, is what the table says.
        const octets = rdataOctets(expected);
        assert.equal(bytes.readUInt16BE(bytes.length - octets - 2), octets);
      });
    });
  }
});
