// The daemon's state file: how the CLI finds a running daemon (pid, ports, control socket, token).
// Written only once both servers are bound, with mode 0600 in a 0700 directory, and removed on
// exit. A state file whose process is gone (killed with -9) is stale: detected, removed, never trusted.
import { lstatSync } from 'node:fs';
import type { DaemonIdentity, DaemonSources } from '../control/protocol.js';
import { DevdnsError } from '../errors.js';
import { crypto } from '../platform/builtins.js';
import { commandLine, processAlive, processStart, processUid } from '../platform/processes.js';
import { checkHome, ensurePrivateHome, homeReadLimits, removeHomeFile } from '../store/home.js';
import { readJson, writeJsonAtomic } from '../store/json-file.js';
import { homePath } from '../store/paths.js';
import { KIB } from '../store/safe-file.js';

export { ensurePrivateHome, processAlive };

/** The logs' names as store/paths.ts lists them, for the daemon's modules that name them. */
/** A state file is a few hundred bytes; anything much larger was not written by devdns. */
const STATE_MAX_BYTES = 64 * KIB;

export type { DaemonSources };

/** The state file: what GET /status says of the daemon, and what only its user may know. */
export interface DaemonState extends DaemonIdentity {
  /** The daemon process's start time (Linux), so that a reused pid is not taken for it. */
  pidStart?: string;
  /** The control API's Unix domain socket, which the CLI uses when there is one. */
  controlSocket?: string;
  token: string;
  home: string;
}

export function statePath(home: string): string {
  return homePath(home, 'state');
}

/** A fresh bearer token for the control API: 32 random bytes, rotated on every start. */
export function newToken(): string {
  return crypto().randomBytes(32).toString('hex');
}

/** Writes the state atomically (temp file, rename), readable by the user only. */
export function writeState(home: string, state: DaemonState): void {
  writeJsonAtomic(statePath(home), state);
}

export function removeState(home: string, pid: number): void {
  // Only our own: a newer daemon may have replaced the file.
  const state = readStateFile(home);
  if (state === undefined || state.pid === pid) removeHomeFile(statePath(home));
}

/** The parsed state file, when it has the fields the CLI relies on; undefined (stale) otherwise. */
function checkState(raw: unknown): DaemonState | undefined {
  const parsed = (raw ?? {}) as Partial<DaemonState>;
  const valid =
    typeof parsed.pid === 'number' &&
    typeof parsed.token === 'string' &&
    typeof parsed.dns?.port === 'number' &&
    typeof parsed.control?.port === 'number' &&
    (parsed.controlSocket === undefined || typeof parsed.controlSocket === 'string') &&
    (parsed.pidStart === undefined || typeof parsed.pidStart === 'string');
  return valid ? (parsed as DaemonState) : undefined;
}

function readStateFile(home: string): DaemonState | undefined {
  try {
    return readJson(statePath(home), checkState, homeReadLimits(home, STATE_MAX_BYTES));
  } catch (error) {
    // A file refused before reading (a link, a FIFO, another user's, a home not ours) is not
    // ours to remove: the refusal goes to the user. Only a file of ours that does not parse is stale.
    if (error instanceof DevdnsError) throw error;
    return undefined;
  }
}

/**
 * On Linux, whether the state's pid is still its daemon: a devdns command line, run by the home's
 * owner, started when the state says (a pid reused after a kill -9 is not; nor is a process of
 * another user's that a planted state file names, which `down` would otherwise kill). Elsewhere, assumed.
 */
function isOurDaemon(home: string, state: DaemonState): boolean {
  if (process.platform !== 'linux') return true;
  if (!(commandLine(state.pid)?.join(' ').includes('devdns') ?? false)) return false;
  const owner = checkHome(home);
  if (owner !== undefined && processUid(state.pid) !== owner) return false;
  return state.pidStart === undefined || processStart(state.pid) === state.pidStart;
}

export type StateLookup = { kind: 'running'; state: DaemonState } | { kind: 'stopped' } | { kind: 'stale'; state: DaemonState | undefined };

/**
 * Finds the daemon of this home. A state file naming a dead process, or one that cannot be read,
 * is stale: it is removed and reported, so that `up` works again.
 */
export function lookupDaemon(home: string): StateLookup {
  const path = statePath(home);
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (!exists) return { kind: 'stopped' };
  const state = readStateFile(home);
  if (state && processAlive(state.pid) && isOurDaemon(home, state)) return { kind: 'running', state };
  removeHomeFile(path);
  return { kind: 'stale', state };
}
