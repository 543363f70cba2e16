// The fast tier runs in a few processes instead of one per file: each process pays the loader's
// start-up once and imports its share of the test files, whose tests then run one after another as
// they would alone. Failures keep their own file and name in the report.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The slow end-to-end and benchmark folders are not part of the fast tier. */
const EXCLUDED = new Set(['e2e', 'bench', 'unit']);

/** Every fast-tier test file, as a path relative to test/, in a fixed order. */
export function unitTestFiles(): string[] {
  const files: string[] = [];
  for (const folder of readdirSync(TEST_ROOT, { withFileTypes: true })) {
    if (!folder.isDirectory() || EXCLUDED.has(folder.name)) continue;
    for (const file of readdirSync(`${TEST_ROOT}${folder.name}`)) {
      if (file.endsWith('.test.ts')) files.push(`${folder.name}/${file}`);
    }
  }
  return files.sort();
}

/** Imports shard `index` (from 0) of `count`: every count-th file, so each shard gets a mix of folders. */
export async function runShard(index: number, count: number): Promise<void> {
  const files = unitTestFiles().filter((_, position) => position % count === index);
  for (const file of files) await import(pathToFileURL(`${TEST_ROOT}${file}`).href);
}
