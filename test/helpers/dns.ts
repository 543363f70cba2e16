// Helpers for DNS tests: build a zone from `devdns add`-style inputs, make queries, and print
// responses compactly so that tables of expectations stay readable.
import { describeResource } from '../../src/dns/describe.js';
import type { Query, Response } from '../../src/dns/protocol.js';
import { typeName } from '../../src/dns/protocol.js';
import { buildZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { emptyRecordFile, type RecordFile } from '../../src/records/types.js';

export function recordFile(...inputs: RecordInput[]): RecordFile {
  return inputs.reduce((file, input) => addRecords(file, { ...parseRecordInput(input), force: false }).file, {
    ...emptyRecordFile(),
    serial: 2026112601,
  });
}

export function zone(...inputs: RecordInput[]): ZoneIndex {
  return buildZoneIndex(recordFile(...inputs));
}

export function query(name: string, type: number, overrides: Partial<Query> = {}): Query {
  return {
    id: 4242,
    opcode: 0,
    recursionDesired: true,
    checkingDisabled: false,
    question: { name, type, class: 1 },
    questionCount: 1,
    edns: { udpSize: 4096, version: 0, dnssecOk: false },
    malformed: undefined,
    ...overrides,
  };
}

export const formatResource = describeResource;

export interface Summary {
  rcode: string;
  aa: boolean;
  answer: string[];
  authority: string[];
  additional?: string[];
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function summarize(response: Response): Summary {
  const summary: Summary = {
    rcode: RCODES[response.rcode] ?? (response.rcode === 16 ? 'BADVERS' : String(response.rcode)),
    aa: response.authoritative,
    answer: response.answer.map(formatResource),
    authority: response.authority.map(formatResource),
  };
  if (response.additional.length > 0) summary.additional = response.additional.map(formatResource);
  return summary;
}

export { typeName };

/** A raw 12-byte DNS header, for crafting packets no encoder would make. */
export function dnsHeader(id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer {
  const bytes = Buffer.alloc(12);
  for (const [i, value] of [id, flags, qd, an, ns, ar].entries()) bytes.writeUInt16BE(value, i * 2);
  return bytes;
}
