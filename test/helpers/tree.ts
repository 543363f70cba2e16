// Every file and directory under a tree, with contents and modes: a snapshot to compare before and after.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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
