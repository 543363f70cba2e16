// Checks a parsed records file against the model, field by field, with the same rules as user input.
// Pure: the store reads the bytes, this says whether they hold a valid RecordFile and where not.
import { DevdnsError, InputError } from '../errors.js';
import { CHARACTER_STRING_OCTETS, quoteCharacterString } from './character-strings.js';
import { isExpiryText } from './expiry.js';
import { isDottedQuad } from './ip.js';
import { isStoredName, normalizeName } from './names.js';
import { parseTtl } from './parse-integer.js';
import { MAX_TXT_OCTETS, type ValueOptions } from './rdata-readers.js';
import { findSetProblem } from './record-set.js';
import { parseType, type RecordOption, recordKind, type WireKind } from './record-types.js';
import {
  DEFAULT_TTL,
  type DnsRecord,
  FILE_VERSION,
  MAX_TTL,
  makeRecord,
  RECORD_TYPES,
  type RecordData,
  type RecordFile,
  type RecordType,
  type ZoneSettings,
} from './types.js';
import { usableZone } from './zones.js';

export type FileCheck = { ok: true; file: RecordFile } | { ok: false; problem: string };

class FileProblem extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function problem(path: string, message: string, value?: unknown): never {
  throw new FileProblem(`${path}: ${message}${value === undefined ? '' : `, found ${JSON.stringify(value)}`}`);
}

function expect<T>(ok: boolean, path: string, message: string, value?: T): asserts ok {
  if (!ok) problem(path, message, value);
}

/** The first field of `object` not in `allowed`, in the order the file gives them. */
function unknownKey(object: Record<string, unknown>, allowed: ReadonlySet<string>): string | undefined {
  // `for...in` allocates nothing; it may also see inherited keys, which Object.keys then sorts out.
  for (const key in object) {
    if (!allowed.has(key)) return Object.keys(object).find((own) => !allowed.has(own));
  }
  return undefined;
}

function onlyKeys(object: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): void {
  const key = unknownKey(object, allowed);
  if (key !== undefined) problem(path, `unknown field "${key}" (expected ${[...allowed].join(', ')})`);
}

/** A user-input validator's error as a problem at a file field's path; any other error as it is. */
function problemAt(path: string, error: unknown): never {
  if (error instanceof InputError) throw new FileProblem(`${path}: ${error.detail}`);
  if (error instanceof DevdnsError) throw new FileProblem(`${path}: ${error.message}`);
  throw error;
}

/** Runs a user-input validator on a file field, reporting its message against the field's path. */
function field<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    return problemAt(path, error);
  }
}

function integer(value: unknown, path: string): number {
  expect(typeof value === 'number' && Number.isInteger(value), path, 'must be a whole number', value);
  return value;
}

function text(value: unknown, path: string): string {
  expect(typeof value === 'string', path, 'must be a string', value);
  return value;
}

/** A record's path in messages; built only when there is something to report. */
const recordPath = (index: number) => `records[${index}]`;

/** A TTL as parseTtl reads it, without making text of the number when it is plainly in range. */
function readTtl(value: unknown, index: number): number {
  if (value === undefined) return DEFAULT_TTL;
  // -0 is read as 0, as its text "0" would be.
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TTL) return value === 0 ? 0 : value;
  const path = `${recordPath(index)}.ttl`;
  return field(path, () => parseTtl(integer(value, path)));
}

/** What the checker needs of each type, worked out once: the fields a record of it may have. */
const ALLOWED_FIELDS = new Map<RecordType, ReadonlySet<string>>(
  RECORD_TYPES.map((type) => [type, new Set(['name', 'type', 'ttl', 'expires', ...recordKind(type).wire.map((f) => f.field)])]),
);

/** The types whose one field is read as it stands (an address or a name), with nothing to join or quote. */
const SINGLE_FIELD_KINDS: ReadonlySet<WireKind> = new Set(['ipv4', 'ipv6', 'name']);

function readType(value: unknown, index: number): RecordType {
  // The file holds types as the table spells them; any other text goes through parseType for its message.
  if (typeof value === 'string' && ALLOWED_FIELDS.has(value as RecordType)) return value as RecordType;
  const path = `${recordPath(index)}.type`;
  return field(path, () => parseType(text(value, path)));
}

/**
 * The data of a record from its file fields, read by the same parser as user input: the fields
 * `add` takes as options go as options, the rest as value text (strings quoted, so that any
 * text survives). A problem is reported at the field when the type has one, else at the record.
 */
function readData(type: RecordType, raw: Record<string, unknown>, index: number): RecordData {
  const kind = recordKind(type);
  const only = kind.wire.length === 1 ? kind.wire[0] : undefined;
  if (only !== undefined && SINGLE_FIELD_KINDS.has(only.kind)) {
    // The value text is the field itself: no options, nothing joined.
    const value = raw[only.field];
    if (typeof value !== 'string') problem(`${recordPath(index)}.${only.field}`, 'must be a string', value);
    try {
      return kind.read(value, {}, []);
    } catch (error) {
      return problemAt(`${recordPath(index)}.${only.field}`, error);
    }
  }
  const plain = readPlainData(type, raw);
  if (plain !== undefined) return plain;
  const path = recordPath(index);
  const options: ValueOptions = {};
  const value: string[] = [];
  for (const { field, kind: wireKind } of kind.wire) {
    const at = `${path}.${field}`;
    if (wireKind === 'u8' || wireKind === 'u16' || wireKind === 'u32') {
      const number = integer(raw[field], at);
      if ((kind.options as readonly string[]).includes(field)) options[field as RecordOption] = number;
      else value.push(String(number));
    } else if (wireKind === 'strings') {
      const strings = raw[field];
      expect(Array.isArray(strings) && strings.length > 0, at, 'must be a non-empty array of strings', strings);
      value.push(strings.map((s, i) => quoteCharacterString(text(s, `${at}[${i}]`))).join(' '));
    } else {
      const fieldText = text(raw[field], at);
      value.push(wireKind === 'octets' ? quoteCharacterString(fieldText) : fieldText);
    }
  }
  const where = only !== undefined ? `${path}.${only.field}` : path;
  return field(where, () => kind.read(value.join(' '), options, []));
}

/** True when every character of `text` is printable ASCII: such text is quoted and read back as it is. */
function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

/**
 * TXT and CAA data whose text is printable ASCII (and a CAA tag in lowercase), read without
 * quoting it to read it back: for such text the reader gives back the fields as they are. The
 * size rules of checkTxtSizes still apply. Anything else (or a problem) is undefined, for the full path.
 */
function readPlainData(type: RecordType, raw: Record<string, unknown>): RecordData | undefined {
  if (type === 'TXT') {
    const strings = raw.strings;
    if (!Array.isArray(strings) || strings.length === 0) return undefined;
    // In ASCII a character is an octet: the sizes checkTxtSizes bounds are the lengths.
    let total = 0;
    for (const text of strings) {
      if (typeof text !== 'string' || text.length > CHARACTER_STRING_OCTETS || !isPrintableAscii(text)) return undefined;
      total += text.length;
    }
    return total > MAX_TXT_OCTETS ? undefined : { type, strings: [...(strings as string[])] };
  }
  if (type === 'CAA') {
    const { flags, tag, value } = raw;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 255) return undefined;
    if (typeof tag !== 'string' || !CAA_TAG.test(tag) || typeof value !== 'string' || !isPrintableAscii(value)) return undefined;
    // -0 is read as 0, as its text "0" would be.
    return { type, flags: flags === 0 ? 0 : flags, tag, value };
  }
  return undefined;
}

/** A CAA tag as readCaa keeps it (RFC 8659 §4.1: 1-15 letters and digits, lowercased there). */
const CAA_TAG = /^[a-z0-9]{1,15}$/;

function readName(value: unknown, index: number): string {
  // A name in stored form is its own normal form; anything else goes the full way, for its message.
  if (typeof value === 'string' && isStoredName(value, true)) return value;
  const path = `${recordPath(index)}.name`;
  return field(path, () => normalizeName(text(value, path), 'name', { wildcard: true }));
}

function readRecord(raw: unknown, index: number): DnsRecord {
  const record = readRecordData(raw, index);
  const { expires } = raw as Record<string, unknown>;
  if (expires === undefined) return record;
  expect(isExpiryText(expires), `${recordPath(index)}.expires`, 'must be an ISO 8601 UTC time such as 2026-01-31T12:00:00.000Z', expires);
  record.expires = expires;
  return record;
}

function readRecordData(raw: unknown, index: number): DnsRecord {
  if (!isObject(raw)) problem(recordPath(index), 'must be an object', raw);
  const type = readType(raw.type, index);
  const allowed = ALLOWED_FIELDS.get(type) as ReadonlySet<string>;
  if (unknownKey(raw, allowed) !== undefined) onlyKeys(raw, allowed, recordPath(index));
  const name = readName(raw.name, index);
  const ttl = readTtl(raw.ttl, index);
  // An address or a target as readA and readTarget keep it: the record is made at once. A stored
  // name has no ":", so it is never an IPv6 address, and a dotted quad is not a target.
  if (type === 'A' && typeof raw.address === 'string' && isDottedQuad(raw.address)) return { name, type, ttl, address: raw.address };
  if (type === 'CNAME' || type === 'NS' || type === 'PTR') {
    const target = raw.target;
    if (typeof target === 'string' && isStoredName(target, false) && !isDottedQuad(target)) return { name, type, ttl, target };
  }
  const data = readData(type, raw, index);
  // The one-field types are made here in makeRecord's field order, without its copying.
  if (data.type === 'A' || data.type === 'AAAA') return { name, type: data.type, ttl, address: data.address };
  if (data.type === 'CNAME' || data.type === 'NS' || data.type === 'PTR') return { name, type: data.type, ttl, target: data.target };
  return makeRecord(name, ttl, data);
}

const ZONE_FIELDS: ReadonlySet<string> = new Set(['negativeTtl', 'override']);
const FILE_FIELDS: ReadonlySet<string> = new Set(['version', 'serial', 'zones', 'records']);

function readZones(raw: unknown): Record<string, ZoneSettings> {
  expect(isObject(raw), 'zones', 'must be an object of zone names', raw);
  const zones: Record<string, ZoneSettings> = {};
  for (const [zoneName, settings] of Object.entries(raw)) {
    const path = `zones["${zoneName}"]`;
    const zone = field(path, () => usableZone(normalizeName(zoneName, 'zone'), 'zone'));
    expect(isObject(settings), path, 'must be an object of settings', settings);
    onlyKeys(settings, ZONE_FIELDS, path);
    const read: ZoneSettings = {};
    if (settings.negativeTtl !== undefined)
      read.negativeTtl = field(`${path}.negativeTtl`, () => parseTtl(integer(settings.negativeTtl, `${path}.negativeTtl`)));
    if (settings.override !== undefined) {
      expect(settings.override === true, `${path}.override`, 'must be true when present', settings.override);
      read.override = true;
    }
    zones[zone] = read;
  }
  return zones;
}

/** Checks a value parsed from the records file; `problem` says where and what when it is not valid. */
export function checkRecordFile(raw: unknown): FileCheck {
  try {
    expect(isObject(raw), 'the file', 'must hold a JSON object');
    onlyKeys(raw, FILE_FIELDS, 'the file');
    expect(
      raw.version === FILE_VERSION,
      'version',
      raw.version === undefined ? 'is missing' : `devdns reads version ${FILE_VERSION}`,
      raw.version,
    );
    const serial = integer(raw.serial, 'serial');
    expect(serial >= 0 && serial <= 0xffffffff, 'serial', 'must be 0 to 4294967295', serial);
    const zones = readZones(raw.zones);
    expect(Array.isArray(raw.records), 'records', 'must be an array', raw.records);
    const records: DnsRecord[] = new Array(raw.records.length);
    for (let index = 0; index < records.length; index++) records[index] = readRecord(raw.records[index], index);
    const file: RecordFile = { version: FILE_VERSION, serial, zones, records };
    const problem = findSetProblem(file);
    return problem === undefined ? { ok: true, file } : { ok: false, problem };
  } catch (error) {
    if (error instanceof FileProblem) return { ok: false, problem: error.message };
    throw error;
  }
}
