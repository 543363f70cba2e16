// The record types devdns serves, each described once, in the same small shape: its type number,
// its RDATA fields in wire order, how its value is read from text, the options it takes, and its
// place in listings and answers. The parser, the printer, the file checker, the encoder and the
// answer rules all read this table; adding a type is one entry here and its interface in types.ts.
import { InputError } from '../errors.js';
import { octets } from './character-strings.js';
import { readA, readAaaa, readCaa, readMx, readSrv, readTarget, readTxt, type ValueOptions } from './rdata-readers.js';
import { isRecordType, RECORD_TYPES, type RecordData, type RecordType } from './types.js';

/** How one RDATA field is laid out on the wire, and so how it is shown and read back. */
export type WireKind =
  | 'ipv4' // 4 octets (RFC 1035 §3.4.1)
  | 'ipv6' // 16 octets (RFC 3596 §2.2)
  | 'u8'
  | 'u16'
  | 'u32'
  | 'name' // a domain name (RFC 1035 §3.3); absolute, with its dot, in presentation form
  | 'strings' // one or more character-strings (RFC 1035 §3.3.14); always the last field
  | 'tag' // one character-string, shown bare (the CAA tag, RFC 8659 §4.1)
  | 'octets'; // the rest of the RDATA, shown as one quoted string (the CAA value)

/** One RDATA field: its name in the record model, and its layout. */
export interface WireField<F extends string = string> {
  field: F;
  kind: WireKind;
}

/** The numeric fields `add` also takes as options (`--priority 10`). */
export type RecordOption = keyof ValueOptions;

/** The data of one type (CNAME, NS and PTR share an interface, so this narrows its `type`). */
export type DataOf<T extends RecordType> = RecordData & { type: T };
/** The names of a type's data fields, so that the table cannot name a field the type lacks (any name for any type). */
type DataField<T extends RecordType> = RecordType extends T ? string : Exclude<keyof DataOf<T>, 'type'> & string;

export interface RecordKind<T extends RecordType = RecordType> {
  /** The TYPE number (IANA DNS parameters registry). */
  code: number;
  /** The RDATA fields in wire order, which is also the order of the presentation form and the file. */
  wire: readonly WireField<DataField<T>>[];
  /** Which of the wire fields `add` also takes as options. */
  options: readonly (RecordOption & DataField<T>)[];
  /** Reads the data from value text: what the user types, or zone-file RDATA with absolute names. */
  read(value: string, options: ValueOptions, notes: string[]): DataOf<T>;
  /** What `add NAME` without a value makes of this type: the localhost address. */
  localhost?: string;
  /** The name it points at gets its addresses in the additional section (RFC 1035 §3.3.9, RFC 2782). */
  additional?: boolean;
  /** Its target must name a host with addresses, not an alias (RFC 2181 §10.3): a warning if not. */
  hostTarget?: boolean;
  /** Its names must be written in full, never as compression pointers (RFC 2782, RFC 3597 §4). */
  uncompressed?: boolean;
  /** Its place when a name's records are listed. */
  listRank: number;
  /** Its preference for the one RRset a minimal ANY answer gives (RFC 8482 §4.1). */
  anyRank: number;
}

const target =
  <T extends 'CNAME' | 'NS' | 'PTR'>(type: T) =>
  (value: string) => ({ type, target: readTarget(value, type) });
const name = <F extends string>(field: F): WireField<F> => ({ field, kind: 'name' });
const u16 = <F extends string>(field: F): WireField<F> => ({ field, kind: 'u16' });

export const RECORD_KINDS: { readonly [T in RecordType]: RecordKind<T> } = {
  A: { code: 1, wire: [{ field: 'address', kind: 'ipv4' }], options: [], read: readA, localhost: '127.0.0.1', listRank: 0, anyRank: 1 },
  AAAA: { code: 28, wire: [{ field: 'address', kind: 'ipv6' }], options: [], read: readAaaa, localhost: '::1', listRank: 1, anyRank: 2 },
  CNAME: { code: 5, wire: [name('target')], options: [], read: target('CNAME'), listRank: 2, anyRank: 0 },
  MX: {
    code: 15,
    wire: [u16('priority'), name('exchange')],
    options: ['priority'],
    read: readMx,
    additional: true,
    hostTarget: true,
    listRank: 3,
    anyRank: 3,
  },
  TXT: {
    code: 16,
    wire: [{ field: 'strings', kind: 'strings' }],
    options: [],
    read: (value, _options, notes) => ({ type: 'TXT', strings: readTxt(value, notes) }),
    listRank: 4,
    anyRank: 4,
  },
  SRV: {
    code: 33,
    wire: [u16('priority'), u16('weight'), u16('port'), name('target')],
    options: ['priority', 'weight', 'port'],
    read: readSrv,
    additional: true,
    hostTarget: true,
    uncompressed: true,
    listRank: 5,
    anyRank: 5,
  },
  CAA: {
    code: 257,
    wire: [
      { field: 'flags', kind: 'u8' },
      { field: 'tag', kind: 'tag' },
      { field: 'value', kind: 'octets' },
    ],
    options: [],
    read: readCaa,
    listRank: 6,
    anyRank: 6,
  },
  NS: { code: 2, wire: [name('target')], options: [], read: target('NS'), additional: true, listRank: 7, anyRank: 8 },
  PTR: { code: 12, wire: [name('target')], options: [], read: target('PTR'), listRank: 8, anyRank: 7 },
};

/** The descriptor of a type, with its data widened to any record's. */
export function recordKind(type: RecordType): RecordKind {
  return RECORD_KINDS[type] as unknown as RecordKind;
}

/** A data field by name: the table names fields as strings, the interfaces in types.ts type them. */
export function fieldOf(data: object, field: string): unknown {
  return (data as Record<string, unknown>)[field];
}

/** The name a record points at (its one `name` field), if it has one. */
export function targetName(data: RecordData): string | undefined {
  const field = recordKind(data.type).wire.find((f) => f.kind === 'name');
  return field === undefined ? undefined : String(fieldOf(data, field.field));
}

/** An uncompressed domain name's wire length: each label with its length octet, plus the root. */
const nameOctets = (text: string) => (text === '' ? 1 : textOctets(text) + 2);

/** {@link octets}, without encoding text that is all ASCII (every stored name): there a character is an octet. */
function textOctets(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return octets(text);
  return text.length;
}

const FIXED_OCTETS: Partial<Record<WireKind, number>> = { ipv4: 4, ipv6: 16, u8: 1, u16: 2, u32: 4 };

/** How many octets a field takes on the wire, names written in full. */
export function fieldOctets(kind: WireKind, value: unknown): number {
  if (kind === 'name') return nameOctets(String(value));
  if (kind === 'strings') return (value as string[]).reduce((sum, text) => sum + 1 + textOctets(text), 0);
  if (kind === 'tag') return 1 + textOctets(String(value));
  if (kind === 'octets') return textOctets(String(value));
  return FIXED_OCTETS[kind] ?? 0;
}

/** The RDATA's length on the wire, names written in full. */
export function rdataOctets(data: RecordData): number {
  let sum = 0;
  for (const { field, kind } of recordKind(data.type).wire) sum += fieldOctets(kind, fieldOf(data, field));
  return sum;
}

/** The types that take an option, in table order: `--port` applies only to SRV records. */
export function typesTaking(option: RecordOption): RecordType[] {
  return RECORD_TYPES.filter((type) => recordKind(type).options.includes(option));
}

export function parseType(text: string, field = '--type'): RecordType {
  const type = text.toUpperCase();
  if (type === 'SOA') {
    throw new InputError(field, 'SOA records are made by devdns for each zone', 'set zone options instead');
  }
  if (!isRecordType(type)) {
    throw new InputError(field, `"${text}" is not a record type devdns serves`, `use one of ${RECORD_TYPES.join(', ')}`);
  }
  return type;
}
