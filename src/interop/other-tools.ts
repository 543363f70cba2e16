// `devdns import --from valet|puma-dev`: the names another local-DNS tool serves, read from the
// files that tool keeps in the user's home, as the same ParsedImport every import format makes.
//   Valet: the dnsmasq line it writes (`address=/.test/127.0.0.1`) in
//     ~/.config/valet/dnsmasq.d/tld-<tld>.conf (older Valet: ~/.valet/dnsmasq.d/, ~/.valet/dnsmasq.conf),
//     the TLD from its config.json ("tld", older "domain").
//   puma-dev: one entry per app in ~/.puma-dev: a link to the app's directory, or a file holding a
//     port or host:port it proxies to; it answers NAME.<tld> and every name below it.
import { type Dirent, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DevdnsError, InputError } from '../errors.js';
import { ipFamily, parseIPv4, parseIPv6 } from '../records/ip.js';
import { normalizeName } from '../records/names.js';
import type { RecordData } from '../records/types.js';
import { parseDnsmasq } from './import-formats.js';
import { emptyImport, onLine, type ParsedImport } from './imported.js';

export const IMPORT_SOURCES = ['valet', 'puma-dev'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** puma-dev's TLD unless it was started with -d. */
export const PUMA_DEV_TLD = 'test';

/** Configuration and app entries are a few bytes; past this a file is not one of them. */
const MAX_TOOL_FILE_BYTES = 64 * 1024;

export interface Discovered {
  /** The records found, each skip and problem naming its file. */
  parsed: ParsedImport;
  /** The files or directory read. */
  read: string[];
  /** What the user should know about how the names were carried over. */
  notes: string[];
}

/** Nothing to import from the tool: says every place devdns looked. */
export class NothingFoundError extends DevdnsError {
  constructor(tool: string, looked: readonly string[], hint: string) {
    super('import-not-found', `found no ${tool} configuration (looked in ${looked.join(', ')})`, hint);
  }
}

/** A regular file's text (links followed), or undefined when there is none or it is not a small regular file. */
function readSmallFile(path: string): string | undefined {
  try {
    const stats = statSync(path);
    if (!stats.isFile() || stats.size > MAX_TOOL_FILE_BYTES) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function listDir(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

/** Valet's TLD from its config.json ("tld"; Valet before 2.x called it "domain"). */
function valetTld(configs: readonly string[]): string | undefined {
  for (const path of configs) {
    const text = readSmallFile(path);
    if (text === undefined) continue;
    try {
      const config = JSON.parse(text) as { tld?: unknown; domain?: unknown };
      const tld = typeof config.tld === 'string' ? config.tld : typeof config.domain === 'string' ? config.domain : undefined;
      if (tld !== undefined && /^[A-Za-z0-9-]+$/.test(tld)) return tld.toLowerCase();
    } catch {
      // Not JSON: the dnsmasq files still say what Valet serves.
    }
  }
  return undefined;
}

/** Merges files' parses into one, each skip, problem and record naming its file. */
function merge(parts: ReadonlyArray<[file: string, parsed: ParsedImport]>): ParsedImport {
  const merged = emptyImport();
  for (const [file, parsed] of parts) {
    merged.records.push(...parsed.records.map((record) => ({ ...record, file })));
    merged.skipped.push(...parsed.skipped.map((skip) => ({ ...skip, file })));
    merged.problems.push(...parsed.problems.map((problem) => ({ ...problem, file })));
  }
  return merged;
}

export function discoverValet(home: string, tld?: string): Discovered {
  const config = join(home, '.config', 'valet');
  const legacy = join(home, '.valet');
  const configs = [join(config, 'config.json'), join(legacy, 'config.json')];
  const chosen = tld ?? valetTld(configs);
  const dirs = [join(config, 'dnsmasq.d'), join(legacy, 'dnsmasq.d')];
  const legacyFile = join(legacy, 'dnsmasq.conf');
  // The TLD's own file when the TLD is known; else every file Valet wrote, one per TLD it served.
  const wanted = chosen !== undefined ? dirs.map((dir) => join(dir, `tld-${chosen}.conf`)) : [];
  let files = wanted.filter((path) => readSmallFile(path) !== undefined);
  if (files.length === 0 && chosen === undefined) {
    files = dirs.flatMap((dir) =>
      listDir(dir)
        .filter((entry) => /^tld-.+\.conf$/.test(entry.name))
        .map((entry) => join(dir, entry.name)),
    );
  }
  if (files.length === 0 && readSmallFile(legacyFile) !== undefined) files = [legacyFile];
  if (files.length === 0) {
    const looked = [...(chosen !== undefined ? wanted : dirs.map((dir) => join(dir, 'tld-*.conf'))), legacyFile];
    throw new NothingFoundError('Valet', looked, 'is Valet installed for this user? Import its file yourself: devdns import FILE');
  }
  const notes = chosen === undefined ? [] : [`Valet's TLD: ${chosen}`];
  return { parsed: merge(files.map((file) => [file, parseDnsmasq(readSmallFile(file) ?? '')])), read: files, notes };
}

/** An IP address as an A or AAAA record. */
function addressData(text: string): RecordData | undefined {
  const family = ipFamily(text);
  if (family === undefined) return undefined;
  const parsed = family === 6 ? parseIPv6(text) : parseIPv4(text);
  if (!parsed.ok) return undefined;
  return family === 6 ? { type: 'AAAA', address: parsed.address } : { type: 'A', address: parsed.address };
}

const LOOPBACK: RecordData = { type: 'A', address: '127.0.0.1' };

/**
 * What a puma-dev proxy file points the name at: a port alone is this machine; host:port (a URL
 * too) is that host when it is an IP address, else this machine, with a note.
 */
function proxyTarget(app: string, content: string, notes: string[]): RecordData {
  const text = (content.split(/\r?\n/)[0] ?? '')
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  if (/^\d{1,5}$/.test(text)) return LOOPBACK;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined)
    throw new InputError(app, `"${text}" is not a port or host:port`, 'puma-dev proxy files hold a port (3000) or host:port');
  const data = addressData(host);
  if (data !== undefined) return data;
  notes.push(`${app} proxies to ${text}: ${host} is a name, not an address, so ${app} points at 127.0.0.1 (run puma-dev or a proxy there)`);
  return LOOPBACK;
}

export function discoverPumaDev(home: string, tld: string = PUMA_DEV_TLD): Discovered {
  const dir = join(home, '.puma-dev');
  let entries: Dirent[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    entries = listDir(dir);
  } catch {
    throw new NothingFoundError('puma-dev', [dir], 'is puma-dev installed for this user? Its apps are links in ~/.puma-dev');
  }
  const parsed = emptyImport();
  const notes: string[] = [];
  const ports: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) continue; // .DS_Store and the like
    const skip = (reason: string) => parsed.skipped.push({ line: 0, file: path, what: entry.name, reason });
    const name = `${entry.name.toLowerCase()}.${tld}`;
    onLine(parsed, 0, () => {
      let data: RecordData = LOOPBACK;
      let target: ReturnType<typeof statSync>;
      try {
        target = statSync(path);
      } catch {
        skip(lstatSync(path).isSymbolicLink() ? 'a link to nothing (the app was moved or removed)' : 'cannot be read');
        return;
      }
      if (target.isFile()) {
        const content = readSmallFile(path);
        if (content === undefined) {
          skip('not a small file holding a port or host:port');
          return;
        }
        data = proxyTarget(name, content, notes);
        ports.push(`${name} -> ${content.trim()}`);
      } else if (!target.isDirectory()) {
        skip('neither a link to an app nor a proxy file');
        return;
      }
      const owner = normalizeName(name, 'name');
      // puma-dev answers the app's subdomains too (a.myapp.test runs myapp).
      for (const each of [owner, `*.${owner}`]) parsed.records.push({ line: 0, file: path, name: each, ttl: undefined, data });
    });
    const problem = parsed.problems.at(-1);
    if (problem !== undefined && problem.file === undefined) problem.file = path;
  }
  if (tld === PUMA_DEV_TLD) notes.push(`puma-dev's TLD taken as .${tld} (its default); if you start it with -d, add --tld`);
  if (ports.length > 0)
    notes.push(`DNS gives addresses, not ports: keep puma-dev running to proxy ${ports.join(', ')}, or open each at its port`);
  return { parsed, read: [dir], notes };
}

export function discover(source: ImportSource, home: string, tld?: string): Discovered {
  return source === 'valet' ? discoverValet(home, tld) : discoverPumaDev(home, tld);
}
