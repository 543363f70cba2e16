// Size-bounded log files, as the daemon log and the query log both keep them: a file about to
// grow past its limit becomes `<path>.1` (the one before is replaced) and a new one starts, so a
// log takes at most twice its limit on disk however long the daemon runs.
import { renameSync, statSync } from 'node:fs';
import { rotatedPath } from '../store/paths.js';

/** The file's size in bytes; 0 when it does not exist or cannot be read. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Rotates the file when `incoming` more bytes would take its `size` past `maxBytes`, and returns
 * its size afterwards (0 once rotated). An empty file is never rotated: a line longer than the
 * limit still goes in. A failed rename throws.
 */
export function makeRoom(path: string, size: number, incoming: number, maxBytes: number): number {
  if (size === 0 || size + incoming <= maxBytes) return size;
  renameSync(path, rotatedPath(path));
  return 0;
}
