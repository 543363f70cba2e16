// Where the control API's Unix domain socket lives: `control.sock` in the private home when the
// path fits in a sockaddr_un (104 bytes on macOS, 108 on Linux, the NUL included), else in a
// private place of this user's: $XDG_RUNTIME_DIR when it is ours and 0700, else a fresh 0700
// directory in the temp dir named for the uid. None on Windows (TCP only there).
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, rmdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevdnsError } from '../errors.js';

export const SOCKET_NAME = 'control.sock';
/** The shorter of the platforms' limits, less the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface SocketPlace {
  path: string;
  /** A directory made for the socket alone, removed with it. */
  dir?: string;
}

export interface SocketPlaceOptions {
  platform?: NodeJS.Platform;
  runtimeDir?: string | undefined;
  tempDir?: string;
  uid?: number;
}

const fits = (path: string) => Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;

/** Whether `dir` is a real directory (not a symlink) of this user's that no one else may enter. */
function privateDirectory(dir: string, uid: number): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The socket's place for this home, or undefined where there is none (Windows, or no path fits). */
export function chooseSocketPlace(home: string, options: SocketPlaceOptions = {}): SocketPlace | undefined {
  const platform = options.platform ?? process.platform;
  const uid = options.uid ?? process.getuid?.();
  if (platform === 'win32' || uid === undefined) return undefined;
  const inHome = join(home, SOCKET_NAME);
  if (fits(inHome)) return { path: inHome };
  // Several homes may run a daemon each: the name says which.
  const tag = createHash('sha256').update(home).digest('hex').slice(0, 12);
  const runtimeDir = 'runtimeDir' in options ? options.runtimeDir : process.env.XDG_RUNTIME_DIR;
  if (runtimeDir && privateDirectory(runtimeDir, uid)) {
    const path = join(runtimeDir, `devdns-${tag}.sock`);
    if (fits(path)) return { path };
  }
  const temp = options.tempDir ?? tmpdir();
  // mkdtemp makes the directory 0700 under a new random name, so no one can have planted it.
  if (!fits(join(temp, `devdns-${uid}-XXXXXX`, SOCKET_NAME))) return undefined;
  const dir = mkdtempSync(join(temp, `devdns-${uid}-`));
  return { path: join(dir, SOCKET_NAME), dir };
}

/**
 * Clears the way for a new socket: a socket of ours left by a daemon that was killed is removed;
 * anything else there (a file, a symlink, another user's socket) is left alone and refused.
 */
export function clearStaleSocket(path: string, uid = process.getuid?.()): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isSocket() && stat.uid === uid) {
    unlinkSync(path);
    return;
  }
  throw new DevdnsError(
    'socket-path-taken',
    `${path} exists and is not a control socket of yours`,
    `remove it if it is not needed, or set DEVDNS_HOME to another directory`,
  );
}

/** Removes the socket (if it is still a socket) and the directory made for it. */
export function removeSocketPlace(place: SocketPlace): void {
  try {
    if (lstatSync(place.path).isSocket()) unlinkSync(place.path);
  } catch {
    // already gone
  }
  try {
    if (place.dir !== undefined) rmdirSync(place.dir);
  } catch {
    // gone, or holds something we did not put there
  }
}
