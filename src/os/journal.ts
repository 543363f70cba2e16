// The setup journal: every change `devdns setup` makes, recorded before it is made (the file's
// previous bytes, or that it did not exist; the directories created; the commands run), so that
// `devdns teardown` restores each file byte for byte, even after a setup that stopped half-way.
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { findProcesses, waitForExit } from './processes.js';
import type { ResolverKind, SetupPlan } from './resolvers.js';
import type { SystemAccess } from './system.js';

export const JOURNAL_NAME = 'setup-journal.json';

export interface JournalFile {
  path: string;
  /** The previous content, base64; null when the file did not exist. */
  before: string | null;
  /** The previous permission bits, restored with the content. */
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
  files: JournalFile[];
  reload: string[][];
}

export function journalPath(home: string): string {
  return join(home, JOURNAL_NAME);
}

export function readJournal(home: string): Journal | undefined {
  let text: string;
  try {
    text = readFileSync(journalPath(home), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const journal = JSON.parse(text) as Journal;
    if (journal.version !== 1 || !Array.isArray(journal.files)) throw new Error('unknown layout');
    return journal;
  } catch (error) {
    throw new StoreError(
      'journal-invalid',
      journalPath(home),
      `cannot be read (${(error as Error).message})`,
      'restore the files it lists by hand, then delete it',
    );
  }
}

function saveJournal(home: string, journal: Journal): void {
  const path = journalPath(home);
  writeFileSync(path, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
  // Run through sudo, the journal still belongs to the user whose home it is in.
  const uid = Number(process.env.SUDO_UID);
  const gid = Number(process.env.SUDO_GID);
  if (Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) {
    try {
      chownSync(path, uid, gid);
    } catch {
      // leave it root's
    }
  }
}

export interface RunReport {
  command: string[];
  ok: boolean;
  detail: string;
}

/**
 * Restarts a dnsmasq that is not a systemd service: the processes reading `dir` are stopped and
 * started again with the same arguments (dnsmasq reads its conf-dir only at start). Under systemd,
 * `systemctl restart dnsmasq`.
 */
async function restartDnsmasq(system: SystemAccess, dir: string): Promise<RunReport> {
  const command = ['devdns:restart-dnsmasq', dir];
  const real = system.path(dir);
  const running = findProcesses((argv) => /(^|\/)dnsmasq$/.test(argv[0] ?? '') && argv.some((arg) => arg.includes(real)));
  if (running.length === 0) {
    const result = await system.run(['systemctl', 'restart', 'dnsmasq']);
    return {
      command: ['systemctl', 'restart', 'dnsmasq'],
      ok: result.exitCode === 0,
      detail: result.exitCode === 0 ? 'restarted' : `restart dnsmasq yourself (${result.stderr.split('\n')[0]})`,
    };
  }
  const { execa } = await import('execa');
  for (const { pid, argv } of running) {
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 5_000))) return { command, ok: false, detail: `dnsmasq (pid ${pid}) did not stop` };
    const [file = 'dnsmasq', ...args] = argv;
    const started = await execa(file, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
    if (started.exitCode !== 0)
      return { command, ok: false, detail: `dnsmasq did not start again: ${String(started.stderr).split('\n')[0]}` };
  }
  return { command, ok: true, detail: `restarted dnsmasq (${running.map((p) => `pid ${p.pid}`).join(', ')})` };
}

export async function runReload(system: SystemAccess, commands: readonly string[][]): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const command of commands) {
    // A --root tree is a copy of system files: the running system's services are not ours to restart.
    if (system.root !== '/') {
      reports.push({ command, ok: true, detail: `skipped (files under ${system.root}, not the running system)` });
      continue;
    }
    if (command[0] === 'devdns:restart-dnsmasq') {
      reports.push(await restartDnsmasq(system, command[1] ?? ''));
      continue;
    }
    const result = await system.run(command);
    reports.push({
      command,
      ok: result.exitCode === 0,
      detail: result.exitCode === 0 ? 'done' : ((result.stderr || result.stdout).split('\n')[0] ?? ''),
    });
  }
  return reports;
}

export interface ApplyInput {
  home: string;
  system: SystemAccess;
  plan: SetupPlan;
  tlds: string[];
  host: string;
  port: number;
}

/** Makes the plan's changes, journalling each before it is made; then runs its reload commands. */
export async function applyPlan({ home, system, plan, tlds, host, port }: ApplyInput): Promise<RunReport[]> {
  const journal: Journal = {
    version: 1,
    createdAt: new Date().toISOString(),
    resolver: plan.resolver,
    tlds,
    host,
    port,
    root: system.root,
    files: [],
    reload: plan.reload,
  };
  for (const change of plan.files) {
    const before = system.readBytes(change.path);
    const mode = system.mode(change.path);
    const entry: JournalFile = {
      path: change.path,
      before: before === undefined ? null : before.toString('base64'),
      after: Buffer.from(change.content).toString('base64'),
      createdDirs: [],
      ...(mode === undefined ? {} : { mode }),
    };
    journal.files.push(entry);
    saveJournal(home, journal);
    entry.createdDirs = system.makeParents(change.path);
    saveJournal(home, journal);
    system.writeFile(change.path, change.content);
  }
  saveJournal(home, journal);
  return runReload(system, plan.reload);
}

/** Restores every file the journal names, newest first, removes the directories setup made, reloads. */
export async function undoJournal(
  home: string,
  system: SystemAccess,
  journal: Journal,
): Promise<{ restored: Array<{ path: string; removed: boolean }>; reports: RunReport[] }> {
  const restored: Array<{ path: string; removed: boolean }> = [];
  for (const entry of [...journal.files].reverse()) {
    if (entry.before === null) system.removeFile(entry.path);
    else system.writeFile(entry.path, Buffer.from(entry.before, 'base64'), entry.mode);
    restored.push({ path: entry.path, removed: entry.before === null });
    for (const dir of [...entry.createdDirs].reverse()) system.removeEmptyDir(dir);
  }
  const reports = await runReload(system, journal.reload);
  rmSync(journalPath(home), { force: true });
  return { restored, reports };
}
