// Processes by pid: whether one runs, what it runs, and stopping one with a deadline.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { rootOnlyProblem } from './root-only.js';

/** On Linux, an exited process its parent has not reaped yet: it holds no ports and does nothing. */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether a process with this pid runs (another user's counts; an exited, unreaped one does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** The process's start time (Linux: clock ticks since boot, field 22 of /proc/PID/stat): with the pid, it names one process. */
export function processStart(pid: number): string | null {
  try {
    // Counted after the command name, which may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The real uid a process runs as (Linux), or undefined. */
export function processUid(pid: number): number | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}

/** The argument vector of a process (Linux), or undefined. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Running processes whose argument vector passes `match` (Linux; empty elsewhere). */
export function findProcesses(match: (argv: string[]) => boolean): Array<{ pid: number; argv: string[] }> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = commandLine(Number(entry));
    if (argv && argv.length > 0 && match(argv) && processAlive(Number(entry))) found.push({ pid: Number(entry), argv });
  }
  return found;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the process is gone; false if it still runs at the deadline. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await pause(10);
  }
  return !processAlive(pid);
}

/**
 * The executable of a process that root runs (every uid in /proc/PID/status is 0) from a file
 * that no one but root can change (it and every directory above it); undefined for any other process (Linux).
 */
export function rootsExecutable(pid: number): string | undefined {
  try {
    const uids =
      /^Uid:\s+(.*)$/m
        .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    if (uids.length === 0 || uids.some((uid) => uid !== '0')) return undefined;
    const exe = readlinkSync(`/proc/${pid}/exe`);
    return statSync(exe).isFile() && rootOnlyProblem(exe) === undefined ? exe : undefined;
  } catch {
    return undefined;
  }
}
