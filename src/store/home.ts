// Whether the devdns home can be trusted, checked the same way by every command and the daemon:
// a directory of the user's own (a link to one is fine), that no other user can write, in a parent
// that no other user can rename it out of. Files in it are read through readHomeFile, which holds
// them to the same owner and refuses links, FIFOs, devices and oversized files (HOSTILE-INPUTS 1.2.9).
import { chownSync, mkdirSync, type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DevdnsError } from '../errors.js';
import { readTextSafely } from './safe-file.js';

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
  if (uid !== 0) return uid;
  const sudoUid = Number(process.env.SUDO_UID);
  return Number.isInteger(sudoUid) && sudoUid > 0 ? sudoUid : 0;
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
  const created = mkdirSync(home, { recursive: true, mode: 0o700 });
  // Made by root for the user who ran sudo: theirs, as it would be had they made it.
  const owner = expectedOwner();
  if (created !== undefined && owner !== undefined && owner !== process.geteuid?.()) {
    for (let dir = home; ; dir = dirname(dir)) {
      chownSync(dir, owner, Number(process.env.SUDO_GID) || owner);
      if (dir === created || dirname(dir) === dir) break;
    }
  }
  return checkHome(home);
}

/**
 * A file in the home as text, or undefined when there is none: a regular file, not a link, of
 * the home's owner and not writable by others, at most `maxBytes`.
 */
export function readHomeFile(home: string, path: string, maxBytes: number): string | undefined {
  const owner = checkHome(home);
  return readTextSafely(path, { maxBytes, followLinks: false, ...(owner === undefined ? {} : { owner }) });
}
