// Reading and writing files that devdns did not just write itself, as hostile input: only regular
// files, never blocking in open() (a FIFO), never more than a stated size (a link to /dev/zero),
// and, inside the devdns home, never through a symbolic link and never a file another user owns
// or can write. Writes in the home go to a fresh temp file and are renamed over the old one, so a
// link planted at the name is replaced, never written through.

import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { DevdnsError } from '../errors.js';
import { crypto } from '../platform/builtins.js';

export const KIB = 1024;
export const MIB = 1024 * KIB;

/** Why a file was refused before (or instead of) reading it. */
export type UnsafeReason = 'not-regular' | 'symlink' | 'too-large' | 'foreign-owner' | 'shared-writable';

/** A file devdns refuses to read: the path, the reason as a field, and what to do. */
export class UnsafeFileError extends DevdnsError {
  override readonly name = 'UnsafeFileError';
  constructor(
    readonly path: string,
    readonly reason: UnsafeReason,
    /** What is wrong with the file, without its path. */
    readonly detail: string,
    hint: string,
  ) {
    super('file-unsafe', `${path}: ${detail}`, hint);
  }
}

export interface ReadLimits {
  /** The largest file read, in bytes; a larger one is refused before any of it is read. */
  maxBytes: number;
  /** False inside the devdns home: a symbolic link there is refused (O_NOFOLLOW). */
  followLinks: boolean;
  /**
   * When set, the file must belong to this uid and not be writable by group or others (files in
   * the home; see homeOwner in home.ts). Unchecked on Windows, which has no such bits.
   */
  owner?: number;
}

// Flags that exist on POSIX only; 0 elsewhere leaves open() as it was.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_NOCTTY = constants.O_NOCTTY ?? 0;

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${Math.round((bytes / MIB) * 10) / 10} MiB`;
  if (bytes >= KIB) return `${Math.round(bytes / KIB)} KiB`;
  return `${bytes} bytes`;
}

/** Checks an open file's kind, size and owner; throws UnsafeFileError. */
function checkOpened(path: string, stat: Stats, limits: ReadLimits): void {
  if (!stat.isFile()) {
    throw new UnsafeFileError(path, 'not-regular', `is ${kindOf(stat)}, not a regular file`, 'replace it with a regular file');
  }
  if (stat.size > limits.maxBytes) {
    throw new UnsafeFileError(
      path,
      'too-large',
      `is ${formatBytes(stat.size)}, more than the ${formatBytes(limits.maxBytes)} devdns reads`,
      'check that it is the file you meant',
    );
  }
  if (limits.owner === undefined || process.platform === 'win32') return;
  if (stat.uid !== limits.owner) {
    throw new UnsafeFileError(
      path,
      'foreign-owner',
      `belongs to another user (uid ${stat.uid})`,
      'remove it; devdns trusts only files of the user whose home it is',
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new UnsafeFileError(
      path,
      'shared-writable',
      `can be written by other users (mode ${(stat.mode & 0o777).toString(8)})`,
      `make it private: chmod 600 ${path}`,
    );
  }
}

/**
 * The file's bytes, or undefined when it does not exist. Refuses anything but a regular file
 * (checked on the open descriptor, so a file swapped after a check is caught too), a file over
 * the limit, and with followLinks false a symbolic link. Other errors (EACCES, EIO) are thrown
 * as they are, for the caller to name.
 */
export function readFileSafely(path: string, limits: ReadLimits): Buffer | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer; it is refused below instead.
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | O_NOCTTY | (limits.followLinks ? 0 : O_NOFOLLOW));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // Linux says ELOOP for O_NOFOLLOW on a link; the BSDs and macOS say EMLINK or EFTYPE.
    if (!limits.followLinks && (code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE')) {
      throw new UnsafeFileError(
        path,
        'symlink',
        'is a symbolic link; devdns does not follow links in its home',
        'replace the link with the file itself',
      );
    }
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    checkOpened(path, stat, limits);
    // Read to the limit and one byte past it: the file may grow after fstat.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, limits.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (buffer.length > limits.maxBytes) {
          throw new UnsafeFileError(
            path,
            'too-large',
            `grew past the ${formatBytes(limits.maxBytes)} devdns reads`,
            'check that it is the file you meant',
          );
        }
        break;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readFileSafely as UTF-8 text. */
export function readTextSafely(path: string, limits: ReadLimits): string | undefined {
  return readFileSafely(path, limits)?.toString('utf8');
}

/**
 * Replaces `path` atomically: a new temp file beside it (created exclusively, so nothing planted
 * at that name is written through), synced, then renamed over the old file or link.
 */
export function writeFileAtomically(path: string, data: string | Uint8Array, mode = 0o600): void {
  const temp = `${path}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Flags for appending to a log in the home: never through a link, never waiting on a FIFO. */
export const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/**
 * Opens a log file in the home for appending: created 0600 when missing; a link, a FIFO (ENXIO
 * with no reader), a device or a directory in its place is refused with UnsafeFileError.
 */
export function openForAppend(path: string, mode = 0o600): number {
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, mode);
  } catch (error) {
    throw appendError(path, error);
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new UnsafeFileError(path, 'not-regular', `is ${kindOf(stat)}, not a regular file`, 'remove it; devdns makes a new one');
  }
  return fd;
}

/** What a failed open with APPEND_FLAGS means: a link or a non-file in the log's place, or the error itself. */
export function appendError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE')
    return new UnsafeFileError(
      path,
      'symlink',
      'is a symbolic link; devdns does not follow links in its home',
      'replace the link with the file itself',
    );
  if (code === 'ENXIO' || code === 'EISDIR')
    return new UnsafeFileError(path, 'not-regular', 'is not a regular file', 'remove it; devdns makes a new one');
  return error as Error;
}

/** Whether something is at `path`, a link included (not followed). */
export function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
