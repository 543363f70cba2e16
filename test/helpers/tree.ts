// Every file and directory under a tree, with contents and modes: a snapshot to compare before and after.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { SystemAccess } from '../../src/os/system.js';
import { tempDir } from './devdns.js';

export function snapshot(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        entries[`${relative(root, path)}/`] = (stat.mode & 0o777).toString(8);
        walk(path);
      } else entries[relative(root, path)] = `${(stat.mode & 0o777).toString(8)} ${readFileSync(path, 'base64')}`;
    }
  };
  walk(root);
  return entries;
}

/** Runs `work` over a temporary tree holding `files` (system paths to their text), removed afterwards. */
export function withTree<T>(files: Record<string, string>, work: (system: SystemAccess) => T): T {
  const dir = tempDir();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir.path, path)), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    }
    return work(new SystemAccess(dir.path, { privileged: false }));
  } finally {
    dir.cleanup();
  }
}
