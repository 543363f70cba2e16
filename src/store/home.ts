// Whether the devdns home can be trusted, checked the same way by every command and the daemon:
// a directory of the user's own (a link to one is fine), that no other user can write, in a parent
// that no other user can rename it out of. Files in it are read through readHomeFile, which holds
// them to the same owner and refuses links, FIFOs, devices and oversized files (HOSTILE-INPUTS 1.2.9).
import { mkdirSync, readdirSync, rmdirSync, rmSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DevdnsError } from '../errors.js';
import { runProgramSync } from '../platform/run-program.js';
import { HOME_FILES, OWN_FILES } from './paths.js';
import { existsNoFollow, type ReadLimits, readTextSafely, writeFileAtomically } from './safe-file.js';

const POSIX = process.platform !== 'win32';

function unsafe(message: string, hint: string): DevdnsError {
  return new DevdnsError('home-unsafe', message, hint);
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The uid the home and every file in it must belong to: the current user's; for root run through
 * sudo, the user who ran sudo (SUDO_UID), whose home it is. Root never takes a home of anyone
 * else: a home swapped for a link to /etc/docker while sudo asked for a password would otherwise
 * have root remove and write files there. Undefined on Windows.
 */
function expectedOwner(): number | undefined {
  const uid = process.geteuid?.();
  if (uid === undefined || !POSIX) return undefined;
  return actingFor()?.uid ?? uid;
}

/**
 * Checks the home when it exists (a missing one is made private by ensurePrivateHome on the first
 * write) and returns the uid its files must belong to. Throws `home-unsafe` with the fix.
 */
export function checkHome(home: string): number | undefined {
  const stat = statOrUndefined(home);
  if (stat === undefined) return expectedOwner();
  if (!stat.isDirectory()) throw unsafe(`${home} is not a directory`, 'set DEVDNS_HOME to a directory');
  const owner = expectedOwner();
  if (owner === undefined) return undefined;
  if (stat.uid !== owner) {
    throw unsafe(`${home} belongs to another user (uid ${stat.uid})`, 'use a directory of your own (DEVDNS_HOME)');
  }
  if ((stat.mode & 0o022) !== 0) {
    throw unsafe(`${home} can be written by other users (mode ${(stat.mode & 0o777).toString(8)})`, `make it private: chmod 700 ${home}`);
  }
  // A parent others can write without the sticky bit lets them rename the home away and put their own in its place.
  const parent = statOrUndefined(dirname(home));
  if (parent && (parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0) {
    throw unsafe(
      `${dirname(home)}, the directory holding ${home}, can be written by other users`,
      'keep the devdns home in a directory of your own (DEVDNS_HOME)',
    );
  }
  return owner;
}

/** Creates the home private (0700) when missing, then checks it as checkHome does. */
export function ensurePrivateHome(home: string): number | undefined {
  // Root acting for a user never makes their home: it would have to hand it over by path, and the
  // user could swap a link in before the chown. The user's own commands make it.
  if (actingFor() !== undefined && statOrUndefined(home) === undefined) {
    throw new DevdnsError('home-missing', `${home} does not exist`, 'run a devdns command without sudo first (devdns ls), then this again');
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return checkHome(home);
}

/** The user root works for when run through sudo (SUDO_UID), or undefined. */
export function actingFor(): { uid: number; gid: number } | undefined {
  if (!POSIX || process.geteuid?.() !== 0) return undefined;
  const uid = Number(process.env.SUDO_UID);
  if (!Number.isInteger(uid) || uid <= 0) return undefined;
  const gid = Number(process.env.SUDO_GID);
  return { uid, gid: Number.isInteger(gid) && gid >= 0 ? gid : uid };
}

/**
 * Runs a small file operation in the home as the home's user when root acts for them: a child
 * process with their uid and gid, so that a link they swap into the home (or the home itself
 * swapped for a link) leads the write or removal only where they could go anyway.
 */
function asHomeUser(script: string, args: string[], input?: string): void {
  const user = actingFor();
  if (user === undefined) throw new Error('not acting for a user');
  const guarded = `try { ${script} } catch (e) { process.stderr.write(String(e && e.message)); process.exit(1); }`;
  const result = runProgramSync(process.execPath, ['-e', guarded, ...args], {
    uid: user.uid,
    gid: user.gid,
    input: input ?? '',
    timeoutMs: 10_000,
  });
  if (result.exitCode !== 0) throw new Error(`${args[0]}: ${(result.stderr || result.failure || 'failed').trim()} (as uid ${user.uid})`);
}

const WRITE_SCRIPT = `const fs = require('node:fs'); const [path] = process.argv.slice(1);
const temp = path + '.' + process.pid + '.tmp';
const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
fs.writeFileSync(fd, fs.readFileSync(0)); fs.fsyncSync(fd); fs.closeSync(fd);
fs.renameSync(temp, path);`;
const REMOVE_SCRIPT = `require('node:fs').rmSync(process.argv[1], { force: true });`;

/** Replaces a file in the home (temp file, synced, then renamed), as its user when root acts for one. */
export function writeHomeFile(path: string, text: string): void {
  if (actingFor() !== undefined) asHomeUser(WRITE_SCRIPT, [path], text);
  else writeFileAtomically(path, text);
}

/** Removes a file in the home (a link itself, never what it points to), as its user when root acts for one. */
export function removeHomeFile(path: string): void {
  if (actingFor() !== undefined) asHomeUser(REMOVE_SCRIPT, [path]);
  else rmSync(path, { force: true });
}

/**
 * Removes devdns's own files from the home (and the records too with `purge`), then the home
 * itself when that leaves it empty. Root acting for a user leaves the empty home to them:
 * removing it by path is theirs to race. Returns the names it removed, and whether the home went.
 */
export function removeOwnFiles(home: string, { purge }: { purge: boolean }): { removed: string[]; homeRemoved: boolean } {
  const removed: string[] = [];
  for (const name of [...OWN_FILES, ...(purge ? [HOME_FILES.records] : [])]) {
    const path = join(home, name);
    if (!existsNoFollow(path)) continue;
    removeHomeFile(path);
    removed.push(name);
  }
  return { removed, homeRemoved: removeEmptyHome(home) };
}

function removeEmptyHome(home: string): boolean {
  try {
    if (actingFor() === undefined && readdirSync(home).length === 0) {
      rmdirSync(home);
      return true;
    }
  } catch {
    // gone already
  }
  return false;
}

/**
 * A file in the home as text, or undefined when there is none: a regular file, not a link, of
 * the home's owner and not writable by others, at most `maxBytes`.
 */
export function readHomeFile(home: string, path: string, maxBytes: number): string | undefined {
  return readTextSafely(path, homeReadLimits(home, maxBytes));
}

/** The limits for reading a file in the home (see readHomeFile); checks the home first. */
export function homeReadLimits(home: string, maxBytes: number): ReadLimits {
  const owner = checkHome(home);
  return { maxBytes, followLinks: false, ...(owner === undefined ? {} : { owner }) };
}
