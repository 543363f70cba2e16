// The writers' lock on the records file: a lock naming its holder (pid, process start time, host), so that a lock left by a killed writer is taken over at once instead of after a timeout,
// and a live holder is never robbed however long it takes. proper-lockfile, used before, keeps no
// holder and can only tell a dead holder by the lock's age.
import { lstatSync, mkdirSync, readlinkSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive, processStart } from '../platform/processes.js';
import { readTextSafely } from './safe-file.js';

interface Holder {
  pid: number;
  /** The process's start time (Linux, clock ticks since boot): a reused pid is not the holder. */
  start: string | null;
  host: string;
}

export type LockFailure = { kind: 'timeout'; holder: Holder | undefined } | { kind: 'error'; error: NodeJS.ErrnoException };

/** Thrown when the lock cannot be had; the store turns it into a StoreError naming the file. */
export class LockError extends Error {
  constructor(readonly failure: LockFailure) {
    super(failure.kind === 'timeout' ? 'the lock is held' : failure.error.message);
  }
}

export interface LockOptions {
  /** How long to wait for a live holder. */
  waitMs: number;
  /** A holder on another host (a shared home) whose lock is older than this is taken as dead. */
  staleMs: number;
}

/** A lock file nobody finished writing (a writer killed between create and write) is dead after this. */
const UNFINISHED_MS = 2_000;

function ownHolder(): Holder {
  return { pid: process.pid, start: processStart(process.pid), host: hostname() };
}

/** The holder as the lock link's target: `pid:start:host` (Emacs keeps its lock files the same way). */
function formatHolder(holder: Holder): string {
  return `${holder.pid}:${holder.start ?? '-'}:${holder.host}`;
}

function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readlinkSync(path);
  } catch {
    // No lock, or not a link: a file left by the fallback below, holding the same text.
    // Read as any untrusted file: a FIFO there must not hang the writer, nor a huge file fill memory.
    try {
      text = readTextSafely(path, { maxBytes: 1024, followLinks: false })?.trim() ?? '';
    } catch {
      return undefined;
    }
  }
  const match = /^(\d+):([^:]+):(.*)$/.exec(text);
  if (!match) return undefined;
  return { pid: Number(match[1]), start: match[2] === '-' ? null : (match[2] as string), host: match[3] as string };
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether the lock at `path` was left by a process that no longer runs. */
function isDead(path: string, holder: Holder | undefined, staleMs: number): boolean {
  const age = ageMs(path);
  if (age === undefined) return false;
  if (holder === undefined) return age > UNFINISHED_MS;
  if (holder.host !== hostname()) return age > staleMs;
  if (!processAlive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

/**
 * Removes a dead holder's lock. Two waiters may both see it dead: the one that takes the
 * breaker's lock (a directory, made atomically) looks again before removing, so a lock that a
 * third process took meanwhile is never removed.
 */
function breakDeadLock(path: string, dead: Holder | undefined, staleMs: number): void {
  const breaker = `${path}.break`;
  try {
    mkdirSync(breaker, { mode: 0o700 });
  } catch {
    // Another waiter is breaking it; or a breaker died holding it, which is cleared after a while.
    if ((ageMs(breaker) ?? 0) > UNFINISHED_MS) rmSync(breaker, { recursive: true, force: true });
    return;
  }
  try {
    const now = readHolder(path);
    const same = JSON.stringify(now) === JSON.stringify(dead);
    if (same && isDead(path, now, staleMs)) rmSync(path, { recursive: true, force: true });
  } finally {
    rmdirSync(breaker);
  }
}

/**
 * Creates the lock with its holder already in it: a symbolic link whose target is the holder,
 * made in one step (it needs no data block, so it works on a full disk too). Where links cannot
 * be made, a file created exclusively, which leaves a moment with no holder written.
 */
function tryCreate(path: string, holder: Holder): boolean {
  const text = formatHolder(holder);
  try {
    symlinkSync(text, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the lock at `path`, waiting for a live holder up to waitMs; returns its release. */
export async function acquireLock(path: string, options: LockOptions): Promise<() => void> {
  const holder = ownHolder();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      if (tryCreate(path, holder)) {
        return () => {
          if (JSON.stringify(readHolder(path)) === JSON.stringify(holder)) unlinkSync(path);
        };
      }
    } catch (error) {
      throw new LockError({ kind: 'error', error: error as NodeJS.ErrnoException });
    }
    // A directory is the lock of an older devdns (proper-lockfile): dead once it is stale.
    const legacy = lstatSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    const current = legacy ? undefined : readHolder(path);
    if (legacy ? (ageMs(path) ?? 0) > options.staleMs : isDead(path, current, options.staleMs)) {
      breakDeadLock(path, current, options.staleMs);
      continue;
    }
    if (Date.now() > deadline) throw new LockError({ kind: 'timeout', holder: current });
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
}
