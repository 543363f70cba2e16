// Persistent settings, kept beside the records in settings.json: the DNS address, the control
// port, the default TTL, extra zones to serve, and the query-log size. Loaded as one typed object;
// each value is checked with the same care as a record; a flag overrides a setting for one run;
// and every effective value knows where it came from (default, setting, flag).
import { InputError, StoreError } from '../errors.js';
import { formatUpstream, parseUpstreams } from '../forward/upstream-spec.js';
import { parseListenAddress } from '../records/listen-address.js';
import { normalizeName } from '../records/names.js';
import { parseInteger, parseTtl } from '../records/record-input.js';
import { DEFAULT_TTL } from '../records/types.js';
import { describeRiskyZones, riskyZones, usableZone } from '../records/zones.js';
import { homeReadLimits } from './home.js';
import { JsonContentError, readJson, saveHomeJson } from './json-file.js';
import { homePath } from './paths.js';
import { KIB } from './safe-file.js';

/** Settings are a few lines; a larger file was not written by devdns. */
const MAX_SETTINGS_BYTES = 64 * KIB;

/** Every setting's value, typed. */
export interface SettingValues {
  dnsHost: string;
  dnsPort: number;
  controlPort: number;
  ttl: number;
  zones: string[];
  logSize: number;
  /** Where forwarded questions go, as `config set upstream` takes them (parseUpstreams reads each). */
  upstream: string[];
  forward: ForwardMode;
  /** Seconds a forwarded question may take, every upstream tried, before SERVFAIL. */
  forwardTimeout: number;
  /** Seconds a forwarded answer is fresh at most, whatever its TTL says (and what clients are told); stale serving aside. */
  cacheMaxTtl: number;
  logQueries: QueryLogging;
}

/** `overrides`: forward what an override leaves to the real servers; `all`: every name outside devdns's zones. */
export type ForwardMode = 'overrides' | 'all';

/**
 * Which queries the log names (`log.queries`): `own`, every query devdns answers from its records
 * and overrides, while forwarded ones are only counted (others' names are their business); `all`,
 * forwarded ones too, with where the answer came from; `errors`, only failed answers, any name;
 * `off`, none (still counted).
 */
export type QueryLogging = 'off' | 'errors' | 'own' | 'all';
export const QUERY_LOGGING: readonly QueryLogging[] = ['off', 'errors', 'own', 'all'];

export type SettingField = keyof SettingValues;
export type SettingValue = SettingValues[SettingField];
export type Source = 'default' | 'setting' | 'flag';

/** The settings in effect: each value, and whether it is the default or from settings.json. */
export interface Settings extends SettingValues {
  readonly sources: Readonly<Record<SettingField, Exclude<Source, 'flag'>>>;
}

export interface Effective<T> {
  value: T;
  source: Source;
}

interface ParseOptions {
  /** A dns.host that is not a loopback address. */
  allowLan: boolean;
  /** A zone under a public TLD or .local (the same consent as add --force). */
  force: boolean;
}

interface SettingSpec<T> {
  /** The name in settings.json and in `devdns config`. */
  key: string;
  description: string;
  defaultValue: T;
  /** Checks user text (or a stored value) and returns the typed value. */
  parse: (text: string, options: ParseOptions) => T;
}

/** A setting that is a whole number from `min` to `max`. */
const wholeNumber = (key: string, description: string, defaultValue: number, min: number, max: number): SettingSpec<number> => ({
  key,
  description,
  defaultValue,
  parse: (text) => parseInteger(text, key, min, max),
});

const units: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

const SPECS: { [F in SettingField]: SettingSpec<SettingValues[F]> } = {
  dnsHost: {
    key: 'dns.host',
    description: 'the address the DNS server listens on (a loopback address unless --allow-lan)',
    defaultValue: '127.0.0.1',
    parse: (text, { allowLan }) => parseListenAddress(text, 0, { allowLan, field: 'dns.host' }).host,
  },
  dnsPort: wholeNumber('dns.port', 'the DNS port, UDP and TCP', 9090, 1, 65535),
  controlPort: wholeNumber('control.port', 'the control API port on 127.0.0.1', 9091, 1, 65535),
  ttl: { key: 'ttl', description: 'the TTL of new records, in seconds', defaultValue: DEFAULT_TTL, parse: (text) => parseTtl(text, 'ttl') },
  zones: {
    key: 'zones',
    description: 'zones to serve even without records (comma-separated), besides those of your records',
    defaultValue: [],
    parse: (text, { force }) => {
      const zones = text
        .split(',')
        .map((zone) => zone.trim().replace(/^\./, ''))
        .filter(Boolean)
        .map((zone) => usableZone(normalizeName(zone, 'zones'), 'zones'));
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
  logSize: {
    key: 'log.size',
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
  upstream: {
    key: 'upstream',
    description:
      "where forwarded names are asked: auto (the system's servers), IP[:port], tls://IP#name, https://IP/path#name (comma-separated)",
    defaultValue: ['auto'],
    parse: (text) => parseUpstreams(text).map(formatUpstream),
  },
  forward: {
    key: 'forward',
    description: 'what is forwarded: overrides (what overridden names leave to the real servers) or all (every other name)',
    defaultValue: 'overrides',
    parse: (text) => {
      const mode = text.trim().toLowerCase();
      if (mode !== 'overrides' && mode !== 'all')
        throw new InputError('forward', `"${text}" is not overrides or all`, 'devdns config set forward overrides');
      return mode;
    },
  },
  forwardTimeout: wholeNumber(
    'forward.timeout',
    'seconds a forwarded question may take, every upstream tried, before devdns answers SERVFAIL',
    2,
    1,
    30,
  ),
  cacheMaxTtl: wholeNumber(
    'cache.max-ttl',
    'seconds a forwarded answer is fresh at most, and the longest TTL clients are told (0: answers are not kept); past it, only served stale when no upstream answers',
    86_400,
    0,
    604_800,
  ),
  logQueries: {
    key: 'log.queries',
    description: "which queries the log names: own (devdns's names; forwarded ones only counted), all, errors (failed answers only), off",
    defaultValue: 'own',
    parse: (text) => {
      const mode = text.trim().toLowerCase() as QueryLogging;
      if (!QUERY_LOGGING.includes(mode))
        throw new InputError('log.queries', `"${text}" is not ${QUERY_LOGGING.join(', ')}`, 'devdns config set log.queries own');
      return mode;
    },
  },
};

export type SettingEntry = SettingSpec<SettingValue> & { field: SettingField };

/** The settings by their config key (`dns.port`), in the order `devdns config list` shows them. */
export const SETTINGS: Readonly<Record<string, SettingEntry>> = Object.fromEntries(
  (Object.keys(SPECS) as SettingField[]).map((field) => [SPECS[field].key, { ...(SPECS[field] as SettingSpec<SettingValue>), field }]),
);

function settingsPath(home: string): string {
  return homePath(home, 'settings');
}

function checkKey(key: string): SettingEntry {
  const entry = SETTINGS[key];
  if (!entry) throw new InputError('key', `"${key}" is not a setting`, `settings: ${Object.keys(SETTINGS).join(', ')}`);
  return entry;
}

/** A settings.json's values by config key, each checked as `devdns config set` checks it. */
function checkStored(raw: unknown): Record<string, SettingValue> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('it must hold a JSON object');
  const stored: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    stored[key] = checkKey(key).parse(Array.isArray(value) ? value.join(',') : String(value), { allowLan: true, force: true });
  }
  return stored;
}

/** The stored settings by config key, checked; a file that does not parse is reported and never rewritten. */
function readStored(home: string): Record<string, SettingValue> {
  const path = settingsPath(home);
  const limits = { ...homeReadLimits(home, MAX_SETTINGS_BYTES), strict: true };
  try {
    return readJson(path, checkStored, limits) ?? {};
  } catch (error) {
    if (!(error instanceof JsonContentError)) throw error;
    throw new StoreError('settings-invalid', path, `is not valid: ${error.detail}`, 'fix it by hand, or devdns config unset the key');
  }
}

function writeStored(home: string, stored: Record<string, SettingValue>): void {
  saveHomeJson(home, settingsPath(home), stored, 'settings-unwritable');
}

/** The settings in effect: settings.json's values over the defaults. Read when asked, never at import. */
export function loadSettings(home: string): Settings {
  const stored = readStored(home);
  const values: Record<string, SettingValue> = {};
  const sources: Record<string, Exclude<Source, 'flag'>> = {};
  for (const { key, field, defaultValue } of Object.values(SETTINGS)) {
    const value = stored[key];
    values[field] = value ?? defaultValue;
    sources[field] = value === undefined ? 'default' : 'setting';
  }
  return { ...(values as unknown as SettingValues), sources: sources as Settings['sources'] };
}

/** One value of loaded settings, with where it came from. */
function effectiveOf<F extends SettingField>(settings: Settings, field: F): Effective<SettingValues[F]> {
  return { value: settings[field], source: settings.sources[field] };
}

/** One setting by its config key (`dns.port`), for `devdns config`: the key is checked before the file is read. */
export function getSetting(home: string, key: string): Effective<SettingValue> {
  const { field } = checkKey(key);
  return effectiveOf(loadSettings(home), field);
}

/** Every setting by config key, with its description, read once: `devdns config list`. */
export function listSettings(home: string): Array<{ key: string } & Effective<SettingValue> & { description: string }> {
  const settings = loadSettings(home);
  return Object.values(SETTINGS).map(({ key, field, description }) => ({ key, ...effectiveOf(settings, field), description }));
}

/** Stores a checked value; returns the old and new values. A non-loopback host needs allowLan. */
export function setSetting(
  home: string,
  key: string,
  text: string,
  options: { allowLan?: boolean; force?: boolean } = {},
): { from: SettingValue; to: SettingValue } {
  const spec = checkKey(key);
  const value = spec.parse(text, { allowLan: options.allowLan === true, force: options.force === true });
  const stored = readStored(home);
  const from = stored[key] ?? spec.defaultValue;
  writeStored(home, { ...stored, [key]: value });
  return { from, to: value };
}

export function unsetSetting(home: string, key: string): { from: SettingValue; to: SettingValue } {
  const spec = checkKey(key);
  const stored = readStored(home);
  const from = stored[key] ?? spec.defaultValue;
  const { [key]: _removed, ...rest } = stored;
  writeStored(home, rest);
  return { from, to: spec.defaultValue };
}

/** A flag's text wins (for its caller to parse), then the setting, then the default. */
export function effective<F extends SettingField>(
  settings: Settings,
  field: F,
  flag: string | undefined,
): Effective<SettingValues[F] | string> {
  return flag === undefined ? effectiveOf(settings, field) : { value: flag, source: 'flag' };
}

export function formatValue(value: SettingValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
