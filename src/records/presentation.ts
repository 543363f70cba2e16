// Zone-file presentation form (RFC 1035 §5.1) of record data: what `ls` shows and `--json` prints.
import { quoteCharacterString } from './character-strings.js';
import { fieldOf, recordKind, type WireField, type WireKind } from './record-types.js';
import type { DnsRecord, RecordData } from './types.js';

/** A domain name as a zone file writes it: fully qualified, with the trailing dot. */
export function absoluteName(name: string): string {
  return `${name}.`;
}

/** One RDATA field in presentation form (RFC 1035 §5.1). */
function presentField(kind: WireKind, value: unknown): string {
  if (kind === 'name') return absoluteName(String(value));
  if (kind === 'strings') return (value as string[]).map(quoteCharacterString).join(' ');
  if (kind === 'octets') return quoteCharacterString(String(value));
  return String(value);
}

/** Data in presentation form, its fields in the order `wire` gives: `10 mail.shop.test.`. */
export function formatFields(wire: readonly WireField[], data: object): string {
  return wire.map(({ field, kind }) => presentField(kind, fieldOf(data, field))).join(' ');
}

/** A record's data in presentation form, by its type's wire fields. */
export function formatRdata(data: RecordData): string {
  return formatFields(recordKind(data.type).wire, data);
}

/** One line a record, as `ls` and messages show it: `myapp.test A 127.0.0.1 (ttl 5)`. */
export function describeRecord(record: DnsRecord): string {
  return `${record.name} ${record.type} ${formatRdata(record)}`;
}
