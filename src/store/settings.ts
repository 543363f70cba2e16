// Persistent settings, kept beside the records in settings.json: the DNS address, the control
// port, the default TTL, extra zones to serve, and the query-log size. Each value is checked with
// the same care as a record; a flag overrides a setting for one run; and every effective value
// knows where it came from (default, setting, flag).
import { join } from 'node:path';
import { DevdnsError, InputError, StoreError } from '../errors.js';
import { parseListenAddress } from '../records/listen-address.js';
import { normalizeName } from '../records/names.js';
import { parseInteger, parseTtl } from '../records/record-input.js';
import { parseStrictJson } from '../records/strict-json.js';
import { DEFAULT_TTL } from '../records/types.js';
import { describeRiskyZones, riskyZones } from '../records/zones.js';
import { ensurePrivateHome, readHomeFile } from './home.js';
import { KIB, writeFileAtomically } from './safe-file.js';

/** Settings are a few lines; a larger file was not written by devdns. */
const MAX_SETTINGS_BYTES = 64 * KIB;

export const SETTINGS_FILE_NAME = 'settings.json';

type Value = string | number | string[];

interface ParseOptions {
  /** A dns.host that is not a loopback address. */
  allowLan: boolean;
  /** A zone under a public TLD or .local (the same consent as add --force). */
  force: boolean;
}

interface SettingSpec {
  description: string;
  defaultValue: Value;
  /** Checks user text (or a stored value) and returns the typed value. */
  parse: (text: string, options: ParseOptions) => Value;
}

const units: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

export const SETTINGS: Record<string, SettingSpec> = {
  'dns.host': {
    description: 'the address the DNS server listens on (a loopback address unless --allow-lan)',
    defaultValue: '127.0.0.1',
    parse: (text, { allowLan }) => parseListenAddress(text, 0, { allowLan, field: 'dns.host' }).host,
  },
  'dns.port': { description: 'the DNS port, UDP and TCP', defaultValue: 9090, parse: (text) => parseInteger(text, 'dns.port', 1, 65535) },
  'control.port': {
    description: 'the control API port on 127.0.0.1',
    defaultValue: 9091,
    parse: (text) => parseInteger(text, 'control.port', 1, 65535),
  },
  ttl: { description: 'the TTL of new records, in seconds', defaultValue: DEFAULT_TTL, parse: (text) => parseTtl(text, 'ttl') },
  zones: {
    description: 'zones to serve even without records (comma-separated), besides those of your records',
    defaultValue: [],
    parse: (text, { force }) => {
      const zones = text
        .split(',')
        .map((zone) => zone.trim().replace(/^\./, ''))
        .filter(Boolean)
        .map((zone) => normalizeName(zone, 'zones'));
      const risky = riskyZones(zones);
      if (risky.length > 0 && !force)
        throw new InputError(
          'zones',
          `would serve names outside devdns's reserved zones: ${describeRiskyZones(risky)}`,
          'use zones under .test, or add --force if you mean it',
        );
      return zones;
    },
  },
  'log.size': {
    description: 'the size at which the query log file is rotated (bytes, or 512k, 4m)',
    defaultValue: 1024 * 1024,
    parse: (text) => {
      const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
      const factor = units[(match?.[2] ?? 'x').toLowerCase()];
      if (!match || factor === undefined)
        throw new InputError('log.size', `"${text}" is not a size`, 'write bytes, or a number with k or m: 512k, 4m');
      return parseInteger(Number(match[1]) * factor, 'log.size', 4096, 1024 ** 3);
    },
  },
};

export type SettingKey = keyof typeof SETTINGS;
export type Source = 'default' | 'setting' | 'flag';

export interface Effective<T> {
  value: T;
  source: Source;
}

function settingsPath(home: string): string {
  return join(home, SETTINGS_FILE_NAME);
}

function checkKey(key: string): SettingSpec {
  const spec = SETTINGS[key];
  if (!spec) throw new InputError('key', `"${key}" is not a setting`, `settings: ${Object.keys(SETTINGS).join(', ')}`);
  return spec;
}

/** The stored settings, checked; a file that does not parse is reported and never rewritten. */
export function readSettings(home: string): Record<string, Value> {
  const path = settingsPath(home);
  const text = readHomeFile(home, path, MAX_SETTINGS_BYTES);
  if (text === undefined) return {};
  try {
    const raw = parseStrictJson(text);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('it must hold a JSON object');
    const settings: Record<string, Value> = {};
    for (const [key, value] of Object.entries(raw)) {
      const spec = checkKey(key);
      settings[key] = spec.parse(Array.isArray(value) ? value.join(',') : String(value), { allowLan: true, force: true });
    }
    return settings;
  } catch (error) {
    throw new StoreError(
      'settings-invalid',
      path,
      `is not valid: ${(error as Error).message}`,
      'fix it by hand, or devdns config unset the key',
    );
  }
}

function writeSettings(home: string, settings: Record<string, Value>): void {
  const path = settingsPath(home);
  try {
    ensurePrivateHome(home);
    writeFileAtomically(path, `${JSON.stringify(settings, null, 2)}\n`);
  } catch (error) {
    if (error instanceof DevdnsError) throw error;
    throw new StoreError(
      'settings-unwritable',
      path,
      `could not be written (${(error as NodeJS.ErrnoException).code})`,
      'check the directory',
    );
  }
}

export function getSetting(home: string, key: string): Effective<Value> {
  const spec = checkKey(key);
  const stored = readSettings(home)[key];
  return stored === undefined ? { value: spec.defaultValue, source: 'default' } : { value: stored, source: 'setting' };
}

/** Stores a checked value; returns the old and new values. A non-loopback host needs allowLan. */
export function setSetting(
  home: string,
  key: string,
  text: string,
  options: { allowLan?: boolean; force?: boolean } = {},
): { from: Value; to: Value } {
  const spec = checkKey(key);
  const value = spec.parse(text, { allowLan: options.allowLan === true, force: options.force === true });
  const settings = readSettings(home);
  const from = settings[key] ?? spec.defaultValue;
  writeSettings(home, { ...settings, [key]: value });
  return { from, to: value };
}

export function unsetSetting(home: string, key: string): { from: Value; to: Value } {
  const spec = checkKey(key);
  const settings = readSettings(home);
  const from = settings[key] ?? spec.defaultValue;
  const { [key]: _removed, ...rest } = settings;
  writeSettings(home, rest);
  return { from, to: spec.defaultValue };
}

/** A flag's value wins, then the setting, then the default. */
export function effective<T extends Value>(home: string, key: string, flag: T | undefined): Effective<T> {
  if (flag !== undefined) return { value: flag, source: 'flag' };
  return getSetting(home, key) as Effective<T>;
}

export function formatValue(value: Value): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
