// Team project files: a `devdns.json` committed to a repository (the format `devdns export
// --format json` writes), linked into devdns and served beside the user's own records. The user's
// records win a name, then the most recently linked project; every such conflict is reported.
// devdns never writes a project file: it only reads them.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DevdnsError, NotFoundError } from '../errors.js';
import { liveRecords } from '../records/expiry.js';
import { type ListedRecord, listRecords } from '../records/listing.js';
import { checkRecordFile } from '../records/record-file.js';
import { USER_SOURCE } from '../records/sources.js';
import { parseStrictJson } from '../records/strict-json.js';
import type { DnsRecord, RecordFile } from '../records/types.js';
import { answeredInFull, describeRiskyZones, type RiskyZone, riskyZones, zoneOf } from '../records/zones.js';
import { homeReadLimits } from './home.js';
import { JsonContentError, readJson, writeJsonAtomic } from './json-file.js';
import { homePath } from './paths.js';
import { fileStamp, MAX_RECORDS_BYTES, RecordStore } from './record-store.js';
import { MIB, readTextSafely, UnsafeFileError } from './safe-file.js';
import { loadSettings, type Settings } from './settings.js';

export const PROJECT_FILE_NAME = 'devdns.json';
/** A link is a path and a date: a million of them would still fit. */
const MAX_LINKS_BYTES = 16 * MIB;

export interface Link {
  /** The absolute path of the project's devdns.json. */
  path: string;
  linkedAt: string;
  /**
   * Zones outside the reserved ones (public names, `.local`) that the user agreed to serve from
   * this file when linking it (`devdns link --force`). A zone the file claims later (a git pull)
   * is not among them, so it is not served until the user links the file again.
   */
  allowedZones?: string[];
}

export interface Conflict {
  name: string;
  /** The source whose records are served: "user" or a project file path. */
  winner: string;
  loser: string;
}

export interface ServedRecords {
  file: RecordFile;
  /** Where each served record comes from, by index into file.records. */
  sources: string[];
  conflicts: Conflict[];
  /** Linked project files that cannot be read (their records are left out). */
  problems: Array<{ path: string; message: string }>;
}

export { USER_SOURCE };
export const CONFLICT_RULE = 'your own records win, then the most recently linked project';

function linksPath(home: string): string {
  return homePath(home, 'links');
}

/** The links a links.json holds; entries without a path or date are dropped. */
function checkLinks(raw: unknown): Link[] {
  const parsed = raw as { version: number; links: Link[] };
  if (parsed.version !== 1 || !Array.isArray(parsed.links)) throw new Error('unknown layout');
  return parsed.links
    .filter((link) => typeof link.path === 'string' && typeof link.linkedAt === 'string')
    .map((link) => ({
      path: link.path,
      linkedAt: link.linkedAt,
      ...(Array.isArray(link.allowedZones) ? { allowedZones: link.allowedZones.filter((zone) => typeof zone === 'string') } : {}),
    }));
}

export function readLinks(home: string): Link[] {
  const path = linksPath(home);
  const limits = homeReadLimits(home, MAX_LINKS_BYTES);
  try {
    return readJson(path, checkLinks, limits) ?? [];
  } catch (error) {
    if (!(error instanceof JsonContentError)) throw error;
    throw new DevdnsError('links-invalid', `${path} cannot be read (${error.detail})`, 'fix it, or delete it and link your projects again');
  }
}

function writeLinks(home: string, links: readonly Link[]): void {
  writeJsonAtomic(linksPath(home), { version: 1, links });
}

/** Reads a project file strictly; a team file may leave out "serial". */
export function readProjectFile(path: string): RecordFile {
  let raw: unknown;
  try {
    // A link is followed (monorepos link their devdns.json), but only to a regular file of bounded size.
    const text = readTextSafely(path, { maxBytes: MAX_RECORDS_BYTES, followLinks: true });
    if (text === undefined) throw Object.assign(new Error('does not exist'), { code: 'ENOENT' });
    raw = parseStrictJson(text);
  } catch (error) {
    if (error instanceof UnsafeFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DevdnsError(
      'project-invalid',
      `${path}: ${code === 'ENOENT' ? 'does not exist' : (error as Error).message}`,
      code === 'ENOENT' ? 'devdns unlink it, or restore the file' : 'fix the file',
    );
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('serial' in raw)) (raw as Record<string, unknown>).serial = 0;
  const checked = checkRecordFile(raw);
  if (!checked.ok)
    throw new DevdnsError('project-invalid', `${path}: ${checked.problem}`, 'fix the file (devdns export --format json shows the format)');
  // A team's file is not devdns's to write: records that have ended are only left out.
  return liveRecords(checked.file, Date.now());
}

/** The project file a path names: the path itself when it is a file, else the devdns.json in it. */
export function projectFileAt(path: string): string {
  const full = resolve(path);
  return existsSync(full) && statSync(full).isFile() ? full : join(full, PROJECT_FILE_NAME);
}

/** The devdns.json a directory means: the one in it, else the nearest above it up to the git root. */
export function findProjectFile(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, PROJECT_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

/** A project file that claims public or mDNS names the user has not agreed to serve. */
export class RiskyProjectError extends DevdnsError {
  override readonly name = 'RiskyProjectError';
  constructor(
    readonly path: string,
    readonly zones: RiskyZone[],
  ) {
    super(
      'project-risky',
      `${path} claims names outside devdns's reserved zones: ${describeRiskyZones(zones)}`,
      'serve it only if you trust this file: devdns link --force (asked again if it claims more later)',
    );
  }
}

export interface LinkRequest {
  /** Serve the risky zones the file claims now (the user said yes, for this file). */
  force?: boolean;
}

export function linkProject(
  home: string,
  path: string,
  request: LinkRequest = {},
  now = new Date(),
): { file: RecordFile; relinked: boolean; allowedZones: string[] } {
  const file = readProjectFile(path);
  const risky = riskyZones(Object.keys(file.zones), { localhost: true });
  if (risky.length > 0 && request.force !== true) throw new RiskyProjectError(path, risky);
  new RecordStore(home).ensureHome();
  const links = readLinks(home);
  const relinked = links.some((link) => link.path === path);
  const allowedZones = risky.map((r) => r.zone);
  const link: Link = { path, linkedAt: now.toISOString(), ...(allowedZones.length > 0 ? { allowedZones } : {}) };
  writeLinks(home, [...links.filter((other) => other.path !== path), link]);
  return { file, relinked, allowedZones };
}

/** The risky zones a linked file claims that the user did not agree to when linking it. */
export function refusedZones(link: Link, project: RecordFile): RiskyZone[] {
  const allowed = new Set(link.allowedZones ?? []);
  return riskyZones(Object.keys(project.zones), { localhost: true }).filter((r) => !allowed.has(r.zone));
}

/**
 * The part of a project file the user agreed to serve: its records and zones minus the risky
 * zones not allowed for this link, which are named in `refused`.
 */
function consentedPart(link: Link, project: RecordFile): { file: RecordFile; refused: RiskyZone[] } {
  const refused = refusedZones(link, project);
  if (refused.length === 0) return { file: project, refused };
  const zones = Object.keys(project.zones).filter((zone) => !refused.some((r) => r.zone === zone));
  return {
    file: {
      ...project,
      zones: Object.fromEntries(zones.map((zone) => [zone, project.zones[zone] ?? {}])),
      // Every record lies in a listed zone; one whose longest zone is refused goes with it.
      records: project.records.filter((record) => {
        const zone = zoneOf(record.name, Object.keys(project.zones));
        return zone === undefined || !refused.some((r) => r.zone === zone);
      }),
    },
    refused,
  };
}

export function unlinkProject(home: string, path: string): void {
  const links = readLinks(home);
  if (!links.some((link) => link.path === path)) throw new NotFoundError(`${path} is not linked`, 'see devdns links');
  writeLinks(
    home,
    links.filter((link) => link.path !== path),
  );
}

/**
 * What the served records were read from, as one string: for each file loadServedRecords reads
 * (records, settings, links, each linked project file), its inode, size and change times. Equal
 * strings mean nothing was written in between (every devdns write is a rename to a new inode), so
 * a second reload for the same change can be skipped.
 */
export function servedSourcesStamp(home: string): string {
  let links: Link[] = [];
  try {
    links = readLinks(home);
  } catch {
    // An unreadable links file is stamped by its own entry below; loading reports it.
  }
  const paths = [homePath(home, 'records'), homePath(home, 'settings'), linksPath(home), ...links.map((link) => link.path)];
  return paths.map(fileStamp).join('|');
}

/** The part of a served-sources stamp that is the user's records file (the first). */
export function withRecordsStamp(stamp: string, recordsStamp: string): string {
  return [recordsStamp, ...stamp.split('|').slice(1)].join('|');
}

/** What the served records are made of, as read: the user's records, the zones setting, each linked project. */
export interface ServedSources {
  user: RecordFile;
  settingsZones: readonly string[];
  /** Most recent link first; a project that cannot be read has its problem instead of a file. */
  projects: Array<{ path: string; file: RecordFile; problem?: string } | { path: string; file?: undefined; problem: string }>;
}

/** Reads what loadServedRecords serves; the user's records through `store` when given (the daemon keeps its own). */
export function readServedSources(home: string, settings?: Pick<Settings, 'zones'>, store = new RecordStore(home)): ServedSources {
  const user = store.read();
  const settingsZones = (settings ?? loadSettings(home)).zones;
  const links = [...readLinks(home)].sort((a, b) => b.linkedAt.localeCompare(a.linkedAt));
  const projects = links.map((link): ServedSources['projects'][number] => {
    try {
      const consented = consentedPart(link, readProjectFile(link.path));
      if (consented.refused.length === 0) return { path: link.path, file: consented.file };
      const error = new RiskyProjectError(link.path, consented.refused);
      return { path: link.path, file: consented.file, problem: `${error.message}; those records are not served (${error.hint})` };
    } catch (error) {
      return { path: link.path, problem: (error as Error).message };
    }
  });
  return { user, settingsZones, projects };
}

/**
 * The records devdns serves: the user's, then each linked project's, most recent link first; a
 * name already defined by an earlier source is kept from that source only, and so is a zone's
 * kind (see mergeZones). Pure: no file is read.
 */
export function mergeServed(sources: ServedSources): ServedRecords {
  const { user } = sources;
  const zones = mergeZones(sources);
  const served: ServedRecords = {
    file: { ...user, zones: zones.zones, records: [...user.records] },
    sources: new Array<string>(user.records.length).fill(USER_SOURCE),
    conflicts: [],
    problems: [],
  };
  // Who serves each name; made only when a project has records (at 100,000 names it takes 30 ms).
  const owner = new Map<string, string>();
  if (sources.projects.some((project) => project.file !== undefined && project.file.records.length > 0)) {
    for (const record of user.records) owner.set(record.name, USER_SOURCE);
  }
  for (const [place, project] of sources.projects.entries()) {
    if (project.problem !== undefined) served.problems.push({ path: project.path, message: project.problem });
    if (project.file === undefined) continue;
    const { lost, conflicts } = zones.lost[place] ?? { lost: new Set<string>(), conflicts: [] };
    served.conflicts.push(...conflicts);
    const projectZones = Object.keys(project.file.zones);
    const added = new Set<string>();
    for (const record of project.file.records) {
      const zone = lost.size === 0 ? undefined : zoneOf(record.name, projectZones);
      if (zone !== undefined && lost.has(zone)) continue;
      const current = owner.get(record.name);
      if (current !== undefined && current !== project.path) {
        if (!served.conflicts.some((c) => c.name === record.name && c.loser === project.path))
          served.conflicts.push({ name: record.name, winner: current, loser: project.path });
        continue;
      }
      added.add(record.name);
      served.file.records.push(record as DnsRecord);
      served.sources.push(project.path);
    }
    for (const name of added) owner.set(name, project.path);
  }
  return served;
}

/** The zones served, as mergeZones makes them, and what each project loses of its own. */
export interface MergedZones {
  zones: RecordFile['zones'];
  /**
   * By place in ServedSources.projects: that project's zones that lose to an earlier source, each
   * one a conflict. Their records are not served.
   */
  lost: Array<{ lost: ReadonlySet<string>; conflicts: Conflict[] }>;
  /** Whether any project lost a zone. */
  anyLost: boolean;
}

/**
 * The zones devdns serves: the user's and the settings' (served even without records), then each
 * project's, most recent link first. Only zones are looked at, never records, so an edit of the
 * user's records changes this only when it changes the user's zones.
 *
 * Whoever makes a zone first decides what it is, an override of real names or devdns's own, for
 * the names in it: a project's zone loses (a conflict, its records left out) when the served zone
 * that holds it, itself or one above it, is of the other kind. That is an override inside a zone
 * devdns answers in full (it would hand names the user keeps to devdns to the real servers:
 * `devdns override` refuses it to the user, by the same rule) and an own zone in an override (it
 * would answer in full names the override leaves to the real servers: `devdns add` there adds to
 * the override). A project's zone around another source's of the other kind is served, as the
 * user's commands make it (an override around an own zone, an own zone around an override): the
 * closest zone answers a name, so the inner zone stays what it was.
 */
export function mergeZones(sources: ServedSources): MergedZones {
  const zones: RecordFile['zones'] = { ...sources.user.zones };
  for (const zone of sources.settingsZones) zones[zone] ??= {};
  // Who made each zone what it is, for the conflicts.
  const zoneOwner = new Map<string, string>(Object.keys(zones).map((zone) => [zone, USER_SOURCE]));
  let anyLost = false;
  const lost = sources.projects.map((project): MergedZones['lost'][number] => {
    const part = { lost: new Set<string>(), conflicts: [] as Conflict[] };
    if (project.file === undefined) return part;
    const earlier = Object.keys(zones);
    for (const [zone, settings] of Object.entries(project.file.zones)) {
      const holder = zoneOf(zone, earlier);
      // Lost when the holder is answered in full and this is an override, or the other way round.
      if (holder === undefined || answeredInFull(zones, holder) !== (settings.override === true)) continue;
      part.lost.add(zone);
      part.conflicts.push({ name: zone, winner: zoneOwner.get(holder) ?? USER_SOURCE, loser: project.path });
    }
    for (const [zone, settings] of Object.entries(project.file.zones)) {
      if (part.lost.has(zone) || zones[zone] !== undefined) continue;
      zones[zone] = settings;
      zoneOwner.set(zone, project.path);
    }
    anyLost ||= part.lost.size > 0;
    return part;
  });
  return { zones, lost, anyLost };
}

/** The records devdns serves (see mergeServed), read from the home's files. */
export function loadServedRecords(home: string, settings?: Pick<Settings, 'zones'>): ServedRecords {
  return mergeServed(readServedSources(home, settings));
}

/** What `devdns ls` shows (GET /served answers it): the records that match, and every conflict and unreadable linked project among all of them. */
export interface ServedListing {
  records: ListedRecord[];
  /** A name two sources define, the one served and the one left out (`user` or a project file's path), and a sentence saying so. */
  conflicts: Array<Conflict & { message: string }>;
  /** Linked project files that cannot be read: their records are left out. */
  problems: Array<{ path: string; message: string }>;
}

/** What `devdns ls` shows of `served`: the records matching `pattern`, every conflict and project left out. */
export function servedListing(served: ServedRecords, pattern: string | undefined): ServedListing {
  return {
    records: listRecords(served.file, pattern, served.sources),
    conflicts: served.conflicts.map((conflict) => ({ ...conflict, message: describeConflict(conflict) })),
    problems: served.problems,
  };
}

export function describeConflict(conflict: Conflict): string {
  const who = (source: string) => (source === USER_SOURCE ? 'your records' : source);
  return `${conflict.name} is defined by ${who(conflict.winner)} and by ${who(conflict.loser)}; ${who(conflict.winner)} ${conflict.winner === USER_SOURCE ? 'are' : 'is'} served (rule: ${CONFLICT_RULE})`;
}
