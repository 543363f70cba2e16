// The import graph of src/: layers point one way (DESIGN's dependency rule), no module imports
// itself through others, and third-party packages each have one home.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Each layer may import only layers listed before it (and itself). A module's layer is its
 * directory under src/, or its own name for a file at the top.
 */
const LAYERS = [
  'errors',
  'verbose',
  'records',
  'dns',
  'interop',
  'platform',
  'forward',
  'store',
  'os',
  'control',
  'daemon',
  'doctor',
  'cli',
];

/** The one module (or directory) that may import each third-party package. */
const PACKAGE_HOMES: Record<string, string> = {
  dns2: 'dns/dns2-packet.ts',
  conf: 'store/records-writer.ts',
  commander: 'cli/',
  chalk: 'cli/output.ts',
  ora: 'cli/output.ts',
  execa: 'platform/run-program.ts',
  'node:child_process': 'platform/run-program.ts',
};

interface Module {
  path: string;
  imports: string[];
  packages: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Static, dynamic and side-effect imports, and require (dns2 is loaded with createRequire). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire(?:\.resolve)?\(\s*)'([^']+)'/gm;

function readModules(): Module[] {
  return sourceFiles(SRC).map((file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(SPECIFIER)].map((match) => match[1] ?? '');
    return {
      path: relative(SRC, file),
      imports: specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts')))),
      packages: specifiers.filter((s) => !s.startsWith('.')).map((s) => (s.startsWith('node:') ? s : (s.split('/')[0] ?? s))),
    };
  });
}

const layerOf = (path: string): string => (path.includes('/') ? (path.split('/')[0] ?? path) : path.replace(/\.ts$/, ''));

test('every module belongs to a known layer', () => {
  const unknown = readModules()
    .map((module) => module.path)
    .filter((path) => !LAYERS.includes(layerOf(path)));
  assert.deepEqual(unknown, []);
});

test('no module imports a layer above its own', () => {
  const upward = readModules().flatMap((module) =>
    module.imports
      .filter((target) => LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf(layerOf(module.path)))
      .map((target) => `${module.path} -> ${target}`),
  );
  assert.deepEqual(upward, []);
});

/** Every cycle met in a depth-first walk of the graph, as "a -> b -> a". */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (path: string, trail: string[]): void => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(path)), path].join(' -> '));
      return;
    }
    state.set(path, 'open');
    for (const next of graph.get(path) ?? []) visit(next, [...trail, path]);
    state.set(path, 'done');
  };
  for (const path of graph.keys()) visit(path, []);
  return cycles;
}

test('no module imports itself through others', () => {
  assert.deepEqual(findCycles(new Map(readModules().map((module) => [module.path, module.imports]))), []);
});

test('a cycle is found', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(findCycles(graph), ['a -> b -> c -> a']);
});

test('each third-party package is imported from its one home', () => {
  const strays = readModules().flatMap((module) =>
    module.packages
      .filter((name) => name in PACKAGE_HOMES && !module.path.startsWith(PACKAGE_HOMES[name] ?? ''))
      .map((name) => `${module.path} imports ${name}`),
  );
  assert.deepEqual(strays, []);
});

test('the checks see the graph', () => {
  // A guard against a specifier pattern that matches nothing, which would make every test above pass.
  const modules = readModules();
  assert.ok(modules.length > 50);
  assert.ok(modules.some((module) => module.path === 'cli/main.ts' && module.imports.length > 3));
  assert.ok(modules.some((module) => module.packages.includes('dns2')));
});
