// The setup journal: every change `devdns setup` makes, recorded before it is made (the file's
// previous bytes, or that it did not exist; the directories created), so that `devdns teardown`
// restores each file byte for byte, even after a setup that stopped half-way.
//
// A journal is input, not instructions. Teardown checks it against what setup itself would manage
// for the journal's resolver, TLDs, address, root and `all` (setup --all: every name routed;
// resolvers.ts plans both), restores modes no wider than 0644, and derives the reload commands
// from the resolver kind; an older journal's `reload` list is ignored. The copy in the user's home is the user's to change, so when setup
// runs as root it also keeps a copy where only root can write (<root>/var/lib/devdns/, named for
// the home), and a teardown or setup running as root trusts that copy alone.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DevdnsError, StoreError } from '../errors.js';
import { rootOnlyProblem } from '../platform/root-only.js';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { reachesThisMachine } from '../records/listen-address.js';
import { removeHomeFile } from '../store/home.js';
import { JsonContentError, readJson, saveHomeJson, writeJsonAtomic } from '../store/json-file.js';
import { homePath } from '../store/paths.js';
import { UnsafeFileError } from '../store/safe-file.js';
import { setHostsBlock } from './hosts-file.js';
import { type RunReport, runReload } from './reload.js';
import { ALL_RESOLVERS, planInputProblem, planSetup, type ResolverKind, type SetupPlan } from './resolvers.js';
import { isNormalPath, SystemAccess } from './system.js';

/** Where root keeps its own copy of a journal, under the journal's root. */
export const TRUSTED_DIR = '/var/lib/devdns';
/** A journal holds a few small resolver files: anything larger was not written by setup. */
const MAX_JOURNAL_BYTES = 1024 * 1024;
const MAX_BEFORE_BYTES = 256 * 1024;
/** The widest mode teardown restores: no exec, setuid, setgid or sticky bits, no writers but the owner. */
const RESTORE_MODE_MASK = 0o644;

export interface JournalFile {
  path: string;
  /** The previous content, base64; null when the file did not exist. */
  before: string | null;
  /** The previous permission bits, restored (no wider than 0644) with the content. */
  mode?: number;
  /** What setup wrote, base64: doctor checks the file still holds it. */
  after: string;
  /** Parent directories setup created for it, outermost first. */
  createdDirs: string[];
}

export interface Journal {
  version: 1;
  createdAt: string;
  resolver: ResolverKind;
  tlds: string[];
  host: string;
  port: number;
  root: string;
  /** dnsmasq's configuration directory, for the dnsmasq resolvers. */
  dnsmasqDir?: string;
  /** setup --all: every name is routed to devdns, not only `tlds`. Absent in every other journal. */
  all?: true;
  /**
   * The servers `upstream auto` found before this setup changed the system (a setup of `/` only):
   * auto falls back to them where what setup wrote hides them (systemd-resolved's `~.`).
   */
  upstreams?: string[];
  /** systemd-resolved: the negative trust anchors written beside the routed domains (PlanInput.anchors). */
  anchors?: string[];
  files: JournalFile[];
  /** Directories made for root's own copy (under TRUSTED_DIR), outermost first. */
  stateDirs?: string[];
  /**
   * Set by teardown before it removes the hosts-file route's block: the daemon then stops keeping
   * the block, and a daemon's write that raced the removal is taken back (daemon/hosts-route.ts).
   */
  undoing?: true;
}

export function journalPath(home: string): string {
  return homePath(home, 'journal');
}

const invalid = (path: string, reason: string) =>
  new StoreError(
    'journal-invalid',
    path,
    `is not a journal devdns setup wrote (${reason}); nothing was changed`,
    'restore the files it lists by hand, then delete it',
  );

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The plan a journal's own fields give: the only files it may name and the only commands teardown runs. */
export function journalPlan(journal: Pick<Journal, 'resolver' | 'tlds' | 'host' | 'port' | 'dnsmasqDir' | 'all' | 'anchors'>): SetupPlan {
  return planSetup({ ...journal, dnsmasqDir: journal.dnsmasqDir, all: journal.all === true, anchors: journal.anchors });
}

/** Why a parsed journal is not one setup could have written, or undefined when it is. */
export function journalProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'it is not a JSON object';
  if (raw.version !== 1) return `version ${JSON.stringify(raw.version)} is unknown`;
  const { resolver, tlds, host, port, root, dnsmasqDir, all, files, stateDirs, undoing, upstreams, anchors } = raw;
  if (undoing !== undefined && undoing !== true) return `undoing ${JSON.stringify(undoing)} is not true`;
  if (
    upstreams !== undefined &&
    (!Array.isArray(upstreams) ||
      upstreams.length > MAX_RECORDED_UPSTREAMS ||
      upstreams.some((address) => typeof address !== 'string' || !isUpstreamAddress(address)))
  )
    return `its upstreams are not a list of at most ${MAX_RECORDED_UPSTREAMS} server addresses`;
  // Only true or absent: `false` is never written, and anything else is not setup's.
  if (all !== undefined && all !== true) return `all ${JSON.stringify(all)} is not true`;
  if (all === true && !ALL_RESOLVERS.includes(resolver as ResolverKind))
    return `resolver ${JSON.stringify(resolver)} cannot route every name to devdns`;
  if (typeof root !== 'string' || !isNormalPath(root)) return `root ${JSON.stringify(root)} is not an absolute path in normal form`;
  // Journals before dnsmasqDir was recorded: the directory of the one file, which must then be devdns.conf.
  const firstPath = Array.isArray(files) && isObject(files[0]) ? files[0].path : undefined;
  const legacyDir =
    dnsmasqDir === undefined && String(resolver).endsWith('dnsmasq') && typeof firstPath === 'string' ? dirname(firstPath) : undefined;
  const input = {
    resolver,
    tlds,
    host,
    port,
    dnsmasqDir: dnsmasqDir ?? legacyDir,
    ...(all === true ? { all } : {}),
    ...(anchors === undefined ? {} : { anchors }),
  } as Journal;
  const planProblem = planInputProblem(input);
  if (planProblem) return planProblem;
  const plan = journalPlan(input);
  if (plan.files.length === 0 && plan.hostsFile === undefined) return `resolver ${String(resolver)} has no files to restore`;
  if (!Array.isArray(files) || files.length > plan.files.length) return 'its file list is not the one setup writes';
  const seen = new Set<string>();
  for (const entry of files) {
    if (!isObject(entry) || typeof entry.path !== 'string') return 'a file entry has no path';
    const planned = plan.files.find((file) => file.path === entry.path);
    if (!planned || seen.has(entry.path)) return `${JSON.stringify(entry.path)} is not a file devdns setup manages for ${String(resolver)}`;
    seen.add(entry.path);
    if (entry.before !== null && (typeof entry.before !== 'string' || !BASE64.test(entry.before)))
      return `the previous content of ${entry.path} is not base64`;
    if (typeof entry.before === 'string' && (entry.before.length / 4) * 3 > MAX_BEFORE_BYTES)
      return `the previous content of ${entry.path} is over ${MAX_BEFORE_BYTES} bytes`;
    if (entry.mode !== undefined && (!Number.isInteger(entry.mode) || (entry.mode as number) < 0 || (entry.mode as number) > 0o777))
      return `mode ${typeof entry.mode === 'number' ? `0${entry.mode.toString(8)}` : JSON.stringify(entry.mode)} of ${entry.path} has setuid, setgid or sticky bits, or is not a mode`;
    if (entry.after !== Buffer.from(planned.content).toString('base64')) return `${entry.path} is not what setup writes there`;
    const ancestors = parentsOf(entry.path);
    if (!Array.isArray(entry.createdDirs) || entry.createdDirs.some((dir) => !ancestors.includes(dir as string)))
      return `the directories listed for ${entry.path} are not its parents`;
  }
  const stateParents = [...parentsOf(join(TRUSTED_DIR, 'x')), TRUSTED_DIR];
  if (stateDirs !== undefined && (!Array.isArray(stateDirs) || stateDirs.some((dir) => !stateParents.includes(dir as string))))
    return `its state directories are not ${TRUSTED_DIR} and its parents`;
  return undefined;
}

/** A path's parents, outermost first, without `/` itself. */
function parentsOf(path: string): string[] {
  const parents: string[] = [];
  for (let dir = dirname(path); dir !== '/' && dir !== '.'; dir = dirname(dir)) parents.unshift(dir);
  return parents;
}

/** A parsed journal that passes journalProblem, in its current form; throws the problem otherwise. */
function checkJournal(raw: unknown): Journal {
  const problem = journalProblem(raw);
  if (problem) throw new Error(problem);
  const journal = raw as Journal & { reload?: unknown };
  delete journal.reload; // older journals listed commands; teardown derives them from the resolver
  if (journal.dnsmasqDir === undefined && journal.resolver.endsWith('dnsmasq') && journal.files[0])
    journal.dnsmasqDir = dirname(journal.files[0].path);
  return journal;
}

/**
 * The journal at `path`, checked, or undefined when there is none: a regular file (not a link,
 * FIFO or device) of at most MAX_JOURNAL_BYTES. The one place a journal is read.
 */
function loadJournal(path: string): Journal | undefined {
  try {
    return readJson(path, checkJournal, { maxBytes: MAX_JOURNAL_BYTES, followLinks: false });
  } catch (error) {
    if (error instanceof JsonContentError && error.stage === 'syntax')
      throw new StoreError(
        'journal-invalid',
        path,
        `cannot be read (${error.detail})`,
        'restore the files it lists by hand, then delete it',
      );
    if (error instanceof JsonContentError || error instanceof UnsafeFileError) throw invalid(path, error.detail);
    throw invalid(path, `it cannot be opened: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The journal in the user's home, checked; undefined when there is none. For doctor and unprivileged runs. */
export function readJournal(home: string): Journal | undefined {
  return loadJournal(journalPath(home));
}

/** Where root's copy of the journal for this home lives, under `root`: named for the home's real path. */
/** The journal, or undefined when there is none or it cannot be read (doctor says why). */
export function readJournalOrNone(home: string): Journal | undefined {
  try {
    return readJournal(home);
  } catch {
    return undefined;
  }
}

export function trustedJournalPath(root: string, home: string): string {
  let real: string;
  try {
    real = realpathSync(home);
  } catch {
    real = resolve(home);
  }
  const name = `${createHash('sha256').update(real).digest('hex').slice(0, 32)}.json`;
  return join(new SystemAccess(root).path(TRUSTED_DIR), name);
}

/** Root's own copy of the journal for this home under `root`, checked; undefined when there is none that root alone could have written. */
export function readTrustedJournal(root: string, home: string): Journal | undefined {
  const path = trustedJournalPath(root, home);
  try {
    lstatSync(path);
  } catch {
    return undefined;
  }
  const problem = rootOnlyProblem(path);
  if (problem) throw invalid(path, `it is not out of other users' reach: ${problem}`);
  const journal = loadJournal(path);
  if (journal === undefined) return undefined;
  if (journal.root !== root) throw invalid(path, `it is for ${journal.root}, not ${root}`);
  return journal;
}

/**
 * The journal a teardown (or a setup replacing an earlier one) may act on. Unprivileged, the
 * user's own copy, checked. As root, only root's copy: a journal in the home alone could have been
 * written by anyone who can write there, and root refuses to act on it.
 */
export function journalToUndo(home: string, options: { privileged: boolean; root?: string | undefined }): Journal | undefined {
  const user = readJournal(home);
  if (!options.privileged) {
    if (user && options.root !== undefined && user.root !== options.root)
      throw invalid(journalPath(home), `it is for ${user.root}, not --root ${options.root}`);
    return user;
  }
  const root = options.root ?? user?.root ?? '/';
  const trusted = readTrustedJournal(root, home);
  if (trusted || !user) return trusted;
  throw new DevdnsError(
    'journal-untrusted',
    `${journalPath(home)}: not written by devdns setup as root (no copy in ${new SystemAccess(root).path(TRUSTED_DIR)}); as root devdns restores nothing from it`,
    user.root === '/'
      ? 'check the files it names and restore them by hand, then delete it'
      : `for a --root tree, run devdns teardown as the tree's owner, without sudo; or delete it`,
  );
}

/** Writes the user's copy in the home (a planted link is replaced, never followed), as the home's user. */
function saveUserJournal(home: string, journal: Journal): void {
  // Root acting for the user writes it as that user.
  saveHomeJson(home, journalPath(home), journal, 'journal-unwritable');
}

/** Makes root's directory for journal copies (0700, root's), checked to be out of others' reach; returns the directories made. */
function prepareTrustedDir(system: SystemAccess): string[] {
  const made: string[] = [];
  for (const dir of [...parentsOf(join(TRUSTED_DIR, 'x')), TRUSTED_DIR]) {
    const path = system.path(dir);
    try {
      lstatSync(path);
    } catch {
      mkdirSync(path, { mode: dir === TRUSTED_DIR ? 0o700 : 0o755 });
      made.push(dir);
    }
  }
  const problem = rootOnlyProblem(system.path(TRUSTED_DIR));
  if (problem) {
    for (const dir of [...made].reverse()) rmdirSync(system.path(dir));
    throw new DevdnsError(
      'root-unsafe',
      `as root, devdns keeps its journal where only root can write, but ${problem}; nothing was changed`,
      'give a --root tree owned by root, or run setup without sudo for a tree of your own',
    );
  }
  return made;
}

function saveJournal(home: string, system: SystemAccess, journal: Journal): void {
  if (system.privileged) writeJsonAtomic(trustedJournalPath(system.root, home), journal, { rootOwned: true });
  saveUserJournal(home, journal);
}

export interface ApplyInput {
  home: string;
  system: SystemAccess;
  plan: SetupPlan;
  tlds: string[];
  host: string;
  port: number;
  dnsmasqDir?: string | undefined;
  /** The hosts block's lines, when the plan routes through the hosts file (undefined: no names). */
  hostsLines?: readonly string[] | undefined;
  /** The servers `upstream auto` found before this setup (Journal.upstreams). */
  upstreams?: readonly string[] | undefined;
}

/** The most servers a journal records (setup keeps the first): resolv.conf's limit is 3; resolved lists every link's. */
export const MAX_RECORDED_UPSTREAMS = 16;

/** A server address as setup records it: an IPv4 or IPv6 address in its normal form, and not one that reaches this machine. */
const isUpstreamAddress = (text: string): boolean => {
  const v4 = parseIPv4(text);
  const v6 = parseIPv6(text);
  const normal = (v4.ok && v4.address === text) || (v6.ok && v6.address === text);
  return normal && !reachesThisMachine(text);
};

/** The servers a journal recorded for `upstream auto`: none for a setup of another tree, or none recorded. */
export function recordedUpstreams(journal: Journal | undefined): readonly string[] {
  return journal?.root === '/' && !journal.undoing ? (journal.upstreams ?? []) : [];
}

/** The hosts file a journal routes through, while it is the route (not being undone); undefined for every other route. */
export function journalHostsRoute(journal: Journal | undefined): string | undefined {
  return journal === undefined || journal.undoing ? undefined : journalPlan(journal).hostsFile;
}

/** The port a journalled route sends lookups to; undefined for the hosts file, which holds addresses and no port. */
export function routedPort(journal: Pick<Journal, 'resolver' | 'port'>): number | undefined {
  return journal.resolver === 'hosts' ? undefined : journal.port;
}

/** A hosts-file route needs a hosts file there (a regular file: system.ts refuses anything else); the same check for a dry run. */
export function checkHostsFile(system: SystemAccess, plan: SetupPlan): void {
  if (plan.hostsFile !== undefined && system.readBytes(plan.hostsFile) === undefined)
    throw new DevdnsError(
      'hosts-missing',
      `${system.path(plan.hostsFile)} does not exist; nothing was changed`,
      'create it (a line "127.0.0.1 localhost" is enough), then run devdns setup again',
    );
}

/** Makes the plan's changes, journalling each before it is made; then runs its reload commands. */
export async function applyPlan({
  home,
  system,
  plan,
  tlds,
  host,
  port,
  dnsmasqDir,
  hostsLines,
  upstreams,
}: ApplyInput): Promise<RunReport[]> {
  const journal: Journal = {
    version: 1,
    createdAt: new Date().toISOString(),
    resolver: plan.resolver,
    tlds,
    host,
    port,
    root: system.root,
    ...(plan.resolver.endsWith('dnsmasq') && plan.files[0] ? { dnsmasqDir: dnsmasqDir ?? dirname(plan.files[0].path) } : {}),
    ...(plan.all ? { all: true as const } : {}),
    ...(upstreams !== undefined && upstreams.length > 0 ? { upstreams: upstreams.slice(0, MAX_RECORDED_UPSTREAMS) } : {}),
    ...(plan.anchors ? { anchors: plan.anchors } : {}),
    files: [],
  };
  // What teardown will check the journal against, so that setup never writes one it would refuse.
  const problem = journalProblem(journal);
  if (problem) throw new DevdnsError('setup-invalid', `cannot journal this setup: ${problem}`, 'check --root and --dnsmasq-dir');
  checkHostsFile(system, plan);
  if (system.privileged) journal.stateDirs = prepareTrustedDir(system);
  for (const change of plan.files) {
    const before = system.readBytes(change.path);
    const mode = system.mode(change.path);
    const entry: JournalFile = {
      path: change.path,
      before: before === undefined ? null : before.toString('base64'),
      after: Buffer.from(change.content).toString('base64'),
      createdDirs: [],
      ...(mode === undefined ? {} : { mode: mode & 0o777 }),
    };
    journal.files.push(entry);
    saveJournal(home, system, journal);
    entry.createdDirs = system.makeParents(change.path);
    saveJournal(home, system, journal);
    system.writeFile(change.path, change.content, 0o644);
  }
  saveJournal(home, system, journal);
  // Journalled first, so that a teardown after a failure here still removes whatever block was written.
  if (plan.hostsFile !== undefined) setHostsBlock(plan.hostsFile, hostsLines, system, 'setup');
  return runReload(system, plan.reload);
}

/** What teardown did to one file: restored it, removed it, or removed only devdns's block from it (the hosts file). */
export interface Restored {
  path: string;
  removed: boolean;
  block?: true;
}

/** Restores every file the journal names, newest first, removes the directories setup made, reloads. */
export async function undoJournal(
  home: string,
  system: SystemAccess,
  journal: Journal,
): Promise<{ restored: Restored[]; reports: RunReport[] }> {
  const restored: Restored[] = [];
  const { hostsFile } = journalPlan(journal);
  if (hostsFile !== undefined) {
    // Marked first: from here the daemon leaves the block alone (see Journal.undoing).
    if (!journal.undoing) saveJournal(home, system, { ...journal, undoing: true });
    try {
      setHostsBlock(hostsFile, undefined, system);
    } catch (error) {
      // Gone already is undone; anything else (a damaged block, no write access) keeps the journal.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    restored.push({ path: hostsFile, removed: false, block: true });
  }
  for (const entry of [...journal.files].reverse()) {
    if (entry.before === null) system.removeFile(entry.path);
    else system.writeFile(entry.path, Buffer.from(entry.before, 'base64'), (entry.mode ?? 0o644) & RESTORE_MODE_MASK);
    restored.push({ path: entry.path, removed: entry.before === null });
    for (const dir of [...entry.createdDirs].reverse()) system.removeEmptyDir(dir);
  }
  const reports = await runReload(system, journalPlan(journal).reload);
  removeHomeFile(journalPath(home));
  if (system.privileged) {
    rmSync(trustedJournalPath(system.root, home), { force: true });
    for (const dir of [...(journal.stateDirs ?? [])].reverse()) system.removeEmptyDir(dir);
  }
  return { restored, reports };
}
