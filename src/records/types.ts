// The record model: what devdns stores and serves. Pure data, no I/O.

/** The types devdns serves; what each one is (number, fields, reader, order) is its entry in record-types.ts. */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

interface Owner {
  /** Lowercase, ASCII (IDNs as punycode), no trailing dot; may start with the wildcard label `*`. */
  name: string;
  /** Seconds, 0 to 2^31-1 (RFC 2181 §8). */
  ttl: number;
  /** When the record ends (`add --for`), as ISO 8601 UTC; nothing reads it after then (expiry.ts). */
  expires?: string;
}

export interface ARecord extends Owner {
  type: 'A';
  address: string;
}
export interface AaaaRecord extends Owner {
  type: 'AAAA';
  /** RFC 5952 canonical text form. */
  address: string;
}
/** CNAME, NS and PTR carry one domain name. */
export interface NameRecord extends Owner {
  type: 'CNAME' | 'NS' | 'PTR';
  target: string;
}
export interface MxRecord extends Owner {
  type: 'MX';
  priority: number;
  exchange: string;
}
export interface TxtRecord extends Owner {
  type: 'TXT';
  /** Character-strings of at most 255 octets each (RFC 1035 §3.3.14). */
  strings: string[];
}
export interface SrvRecord extends Owner {
  type: 'SRV';
  priority: number;
  weight: number;
  port: number;
  target: string;
}
export interface CaaRecord extends Owner {
  type: 'CAA';
  flags: number;
  tag: string;
  value: string;
}

export type DnsRecord = ARecord | AaaaRecord | NameRecord | MxRecord | TxtRecord | SrvRecord | CaaRecord;

type WithoutOwner<T> = T extends unknown ? Omit<T, keyof Owner> : never;
/** A record's type and data without its owner name and TTL: what identifies it within a name. */
export type RecordData = WithoutOwner<DnsRecord>;

/** Per-zone settings. SOA and apex NS are synthesised from these by the DNS engine. */
export interface ZoneSettings {
  /** Seconds a resolver may cache a negative answer (the SOA MINIMUM, RFC 2308 §4). */
  negativeTtl?: number;
  /**
   * A real name (or subtree) taken over from its own servers: devdns answers its address types
   * from the records here and forwards every other question about it (DESIGN.md section 10).
   */
  override?: true;
}

/** The whole records file. */
export interface RecordFile {
  version: 1;
  /** Increases on every change; the SOA serial of every zone (RFC 1982 arithmetic is not needed below 2^31). */
  serial: number;
  /** Every zone devdns is authoritative for, by apex name. */
  zones: Record<string, ZoneSettings>;
  records: DnsRecord[];
}

/** A record from its owner, TTL and data, with its fields in the order the file shows them. */
export function makeRecord(name: string, ttl: number, data: RecordData): DnsRecord {
  const { type, ...fields } = data;
  return { name, type, ttl, ...fields } as DnsRecord;
}

export const FILE_VERSION = 1;
/** Short, so that edits are seen at once by caching resolvers. */
export const DEFAULT_TTL = 5;
export const DEFAULT_ZONE = 'test';
export const MAX_TTL = 2 ** 31 - 1;

export function emptyRecordFile(): RecordFile {
  return { version: FILE_VERSION, serial: 0, zones: { [DEFAULT_ZONE]: {} }, records: [] };
}

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value);
}
