// DNS protocol vocabulary shared by the reader, the answer function and the encoder: numbers from
// the IANA registries and the shapes of a query and a response. Pure data.
import { RECORD_KINDS, type WireField } from '../records/record-types.js';
import { RECORD_TYPES, type RecordData, type RecordType } from '../records/types.js';

/** The type numbers of the records devdns stores, from their entries in the record table. */
const RECORD_CODES = Object.fromEntries(RECORD_TYPES.map((type) => [type, RECORD_KINDS[type].code])) as Record<RecordType, number>;

/** RFC 1035 §3.2.2 and later RFCs; only the types devdns names. */
export const QTYPE = {
  ...RECORD_CODES,
  SOA: 6,
  OPT: 41,
  SVCB: 64,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const CLASS_IN = 1;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended (RFC 6891 §9): the high bits travel in the OPT record. */
  BADVERS: 16,
} as const;

export const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([name, code]) => [code, name]));

export const OPCODE_QUERY = 0;

/** The payload devdns advertises and the most it sends over UDP (DNS Flag Day 2020). */
export const EDNS_UDP_PAYLOAD = 1232;
/** The UDP limit without EDNS (RFC 1035 §4.2.1), and the floor for a smaller EDNS size (RFC 6891 §6.2.5). */
export const CLASSIC_UDP_PAYLOAD = 512;

export function typeNumber(type: RecordType | 'SOA'): number {
  return QTYPE[type];
}

const TYPE_NAMES = new Map<number, string>(Object.entries(QTYPE).map(([name, code]) => [code, name]));

/** `A`, `HTTPS`, or `TYPE1234` (RFC 3597 §5) for a type devdns has no name for. */
export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

export interface EdnsInfo {
  /** The requester's UDP payload size, as sent. */
  udpSize: number;
  version: number;
  /** DNSSEC OK (RFC 3225); copied into the response. */
  dnssecOk: boolean;
}

export interface Question {
  /** As sent, case and all, without the trailing dot; `''` is the root. */
  name: string;
  type: number;
  class: number;
}

/** A query that passed the reader: exactly what the answer function needs. */
export interface Query {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  /** Undefined when the query had no question to echo (FORMERR and NOTIMP cases). */
  question: Question | undefined;
  /** How many questions the header claimed. */
  questionCount: number;
  edns: EdnsInfo | undefined;
  /** Why the message is malformed (answered FORMERR); undefined when it is sound. */
  malformed: string | undefined;
}

export interface SoaData {
  type: 'SOA';
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** The SOA's RDATA in wire order (RFC 1035 §3.3.13), as the record table gives every other type's. */
export const SOA_WIRE: readonly WireField[] = [
  { field: 'mname', kind: 'name' },
  { field: 'rname', kind: 'name' },
  ...(['serial', 'refresh', 'retry', 'expire', 'minimum'] as const).map((field): WireField => ({ field, kind: 'u32' })),
];

/** A resource record to send: stored names are lowercase; `name` may carry the query's case. */
export interface ResourceRecord {
  name: string;
  ttl: number;
  data: RecordData | SoaData;
}

export interface Response {
  id: number;
  opcode: number;
  rcode: number;
  authoritative: boolean;
  recursionDesired: boolean;
  /** RA: devdns resolves this name for the client (an override zone with forwarding on); absent is false. */
  recursionAvailable?: boolean;
  checkingDisabled: boolean;
  question: Question | undefined;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** Present when the query carried EDNS: our OPT record goes back with it. */
  edns: { udpSize: number; dnssecOk: boolean } | undefined;
  /** Which stored names the answer came from (not sent): `devdns resolve` shows them. */
  matches: Array<{ name: string; wildcard: boolean }>;
}
