// Whether a path is out of every other user's reach: what root may trust (its own journal copy,
// a system file it rewrites, a program it restarts) must be something no other user can change.
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why a path is not out of other users' reach, or undefined: it and every directory above it
 * (after resolving links) owned by root and writable by no one else; sticky directories such as
 * /tmp may be world-writable, since others cannot replace what root owns in them.
 */
export function rootOnlyProblem(path: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return `${path} does not exist`;
  }
  for (let dir = real, first = true; ; dir = dirname(dir), first = false) {
    const stat = statSync(dir);
    const othersWrite = (stat.mode & 0o022) !== 0;
    if (stat.uid !== 0) return `${dir} is not owned by root`;
    if (othersWrite && (first || (stat.mode & 0o1000) === 0)) return `${dir} is writable by others`;
    if (dir === dirname(dir)) return undefined;
  }
}
