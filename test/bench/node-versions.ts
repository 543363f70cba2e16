// Which Node binaries the start-up section runs on: the oldest Node 20 found and the newest Node
// found, from the bench's own Node, every `node` in PATH's directories and any --node-dir DIR.
// devdns supports Node >= 20, so start-up is measured where it is slowest to load and where the
// loader is newest; the same binary runs `node -e 0`, the CLI and the daemon.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface NodeBinary {
  path: string;
  /** As `node --version` prints it: v20.20.2. */
  version: string;
  parts: [number, number, number];
}

/** `dir/node`, or `dir` itself when it is the binary. */
function nodeIn(dir: string): string | undefined {
  const inside = join(dir, 'node');
  if (existsSync(inside)) return inside;
  try {
    return statSync(dir).isFile() ? dir : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(path: string): NodeBinary | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /^v(\d+)\.(\d+)\.(\d+)/.exec(result.stdout?.trim() ?? '');
  if (result.status !== 0 || !match) return undefined;
  return { path, version: match[0], parts: [Number(match[1]), Number(match[2]), Number(match[3])] };
}

const compare = (a: NodeBinary, b: NodeBinary): number => a.parts[0] - b.parts[0] || a.parts[1] - b.parts[1] || a.parts[2] - b.parts[2];

/** The Node running the bench. */
export function currentNode(): NodeBinary {
  const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);
  return { path: process.execPath, version: process.version, parts: [major, minor, patch] };
}

/** Every distinct Node binary found (by real path, then by version), with its version. */
export function findNodes(extraDirs: readonly string[]): NodeBinary[] {
  const candidates = [
    process.execPath,
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map(nodeIn),
    ...extraDirs.map(nodeIn),
  ].filter((path): path is string => path !== undefined);
  const seenPaths = new Set<string>();
  const byVersion = new Map<string, NodeBinary>();
  for (const path of candidates) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    if (seenPaths.has(real)) continue;
    seenPaths.add(real);
    const found = versionOf(path);
    if (found && !byVersion.has(found.version)) byVersion.set(found.version, found);
  }
  return [...byVersion.values()].sort(compare);
}

/**
 * The oldest v20.x and the newest version found, and a line saying what is missing when that is
 * not two binaries.
 */
export function chooseNodes(found: readonly NodeBinary[]): { chosen: NodeBinary[]; note: string | null } {
  const sorted = [...found].sort(compare);
  const node20 = sorted.find((node) => node.parts[0] === 20);
  const newest = sorted.at(-1);
  if (!newest) return { chosen: [], note: 'no Node binary found' };
  if (!node20)
    return { chosen: [newest], note: `no Node 20 found (only ${sorted.map((n) => n.version).join(', ')}); --node-dir DIR adds one` };
  if (node20.version === newest.version) {
    return { chosen: [node20], note: `only Node ${node20.version} found; --node-dir DIR adds a newer one` };
  }
  return { chosen: [node20, newest], note: null };
}
