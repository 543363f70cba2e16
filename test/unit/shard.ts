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

/**
 * Seconds each slow file takes alone on a 2-core machine, less the process start-up, to spread
 * them over the shards; any other file counts as SMALL. A wrong figure only costs time.
 */
const WEIGHTS: Record<string, number> = {
  'control/server.test.ts': 7,
  'dns/fast-path.test.ts': 3.5,
  'dns/encoder.test.ts': 3,
  'cli/command-table.test.ts': 3,
  'daemon/launcher.test.ts': 2.4,
  'dns/server.test.ts': 2.3,
  'daemon/daemon.test.ts': 2.1,
  'dns/labels.test.ts': 1.8,
  'daemon/dns-service.test.ts': 1.4,
  'daemon/api-handlers.test.ts': 1.4,
  'dns/amplification.test.ts': 1.1,
  'doctor/doctor.test.ts': 1,
  'cli/main.test.ts': 0.9,
  'daemon/daemon-log.test.ts': 0.9,
  'control/server-checks.test.ts': 0.9,
};
const SMALL = 0.4;

/** Imports shard `index` (from 0) of `count`: the heaviest files first, each to the lightest shard so far. */
export async function runShard(index: number, count: number): Promise<void> {
  const loads = Array.from({ length: count }, () => ({ seconds: 0, files: [] as string[] }));
  const weighed = unitTestFiles().map((file) => ({ file, seconds: WEIGHTS[file] ?? SMALL }));
  for (const { file, seconds } of weighed.sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))) {
    const lightest = loads.reduce((least, load) => (load.seconds < least.seconds ? load : least));
    lightest.seconds += seconds;
    lightest.files.push(file);
  }
  for (const file of loads[index]?.files ?? []) await import(pathToFileURL(`${TEST_ROOT}${file}`).href);
}
