// Checks a parsed records file against the model, field by field, with the same rules as user input.
// Pure: the store reads the bytes, this says whether they hold a valid RecordFile and where not.
import { DevdnsError, InputError } from '../errors.js';
import { quoteCharacterString } from './character-strings.js';
import { normalizeName } from './names.js';
import { parseTtl } from './parse-integer.js';
import type { ValueOptions } from './rdata-readers.js';
import { findSetProblem } from './record-set.js';
import { parseType, type RecordOption, recordKind } from './record-types.js';
import {
  DEFAULT_TTL,
  type DnsRecord,
  FILE_VERSION,
  makeRecord,
  type RecordData,
  type RecordFile,
  type RecordType,
  type ZoneSettings,
} from './types.js';

export type FileCheck = { ok: true; file: RecordFile } | { ok: false; problem: string };

class FileProblem extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function expect<T>(ok: boolean, path: string, message: string, value?: T): asserts ok {
  if (!ok) throw new FileProblem(`${path}: ${message}${value === undefined ? '' : `, found ${JSON.stringify(value)}`}`);
}

function onlyKeys(object: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(object)) {
    expect(allowed.includes(key), path, `unknown field "${key}" (expected ${allowed.join(', ')})`);
  }
}

/** Runs a user-input validator on a file field, reporting its message against the field's path. */
function field<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InputError) throw new FileProblem(`${path}: ${error.detail}`);
    if (error instanceof DevdnsError) throw new FileProblem(`${path}: ${error.message}`);
    throw error;
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

/**
 * The data of a record from its file fields, read by the same parser as user input: the fields
 * `add` takes as options go as options, the rest as value text (strings quoted, so that any
 * text survives). A problem is reported at the field when the type has one, else at the record.
 */
function readData(type: RecordType, raw: Record<string, unknown>, path: string): RecordData {
  const kind = recordKind(type);
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
  const where = kind.wire.length === 1 ? `${path}.${kind.wire[0]?.field}` : path;
  return field(where, () => kind.read(value.join(' '), options, []));
}

function readRecord(raw: unknown, path: string): DnsRecord {
  expect(isObject(raw), path, 'must be an object', raw);
  const type = field(`${path}.type`, () => parseType(text(raw.type, `${path}.type`)));
  onlyKeys(raw, ['name', 'type', 'ttl', ...recordKind(type).wire.map((f) => f.field)], path);
  const name = field(`${path}.name`, () => normalizeName(text(raw.name, `${path}.name`), 'name', { wildcard: true }));
  const ttl = raw.ttl === undefined ? DEFAULT_TTL : field(`${path}.ttl`, () => parseTtl(integer(raw.ttl, `${path}.ttl`)));
  return makeRecord(name, ttl, readData(type, raw, path));
}

function readZones(raw: unknown): Record<string, ZoneSettings> {
  expect(isObject(raw), 'zones', 'must be an object of zone names', raw);
  const zones: Record<string, ZoneSettings> = {};
  for (const [zoneName, settings] of Object.entries(raw)) {
    const path = `zones["${zoneName}"]`;
    const zone = field(path, () => normalizeName(zoneName, 'zone'));
    expect(isObject(settings), path, 'must be an object of settings', settings);
    onlyKeys(settings, ['negativeTtl'], path);
    zones[zone] =
      settings.negativeTtl === undefined
        ? {}
        : { negativeTtl: field(`${path}.negativeTtl`, () => parseTtl(integer(settings.negativeTtl, `${path}.negativeTtl`))) };
  }
  return zones;
}

/** Checks a value parsed from the records file; `problem` says where and what when it is not valid. */
export function checkRecordFile(raw: unknown): FileCheck {
  try {
    expect(isObject(raw), 'the file', 'must hold a JSON object');
    onlyKeys(raw, ['version', 'serial', 'zones', 'records'], 'the file');
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
    const records = raw.records.map((record, index) => readRecord(record, `records[${index}]`));
    const file: RecordFile = { version: FILE_VERSION, serial, zones, records };
    const problem = findSetProblem(file);
    return problem === undefined ? { ok: true, file } : { ok: false, problem };
  } catch (error) {
    if (error instanceof FileProblem) return { ok: false, problem: error.message };
    throw error;
  }
}
