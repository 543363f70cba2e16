// The start-up section of `npm run bench`: the CLI's wall time as a ratio to `node -e 0` of the
// same Node, measured in the same run, on each Node chosen by node-versions.ts. In a home of 5
// records: `devdns --version`, then `devdns ls`, `devdns add NAME 127.0.0.1` and `devdns rm NAME`
// with the daemon stopped and again with it running. add and rm alternate, so every run of each
// changes the records file. Medians, by hyperfine when installed (no shell; 2 untimed runs first,
// none in the smoke run, which only shows each figure is measured), else by taking turns in a
// loop of our own.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeBinary } from './node-versions.js';
import type { BenchTools } from './tools.js';

export interface StartupState {
  lsMs: number;
  addMs: number;
  rmMs: number;
  lsRatio: number;
  addRatio: number;
  rmRatio: number;
}

export interface StartupNode {
  /** As `node --version` prints it. */
  node: string;
  path: string;
  nodeMs: number;
  versionMs: number;
  versionRatio: number;
  stopped: StartupState;
  running: StartupState;
}

export interface Startup {
  tool: 'hyperfine' | 'loop';
  /** Timed runs of each command, after `warmup` untimed ones. */
  runs: number;
  warmup: number;
  records: number;
  nodes: StartupNode[];
  /** What is missing when the section ran on fewer than two Node versions; null otherwise. */
  note: string | null;
}

const RECORDS = 5;
const NAME = 'startup-probe.test';

export interface Timing {
  /** hyperfine, else our own loop. */
  hyperfine: boolean;
  runs: number;
  warmup: number;
}

interface Command {
  argv: string[];
  /** Run before each timed run and not timed (hyperfine's --prepare). */
  prepare?: string[];
}

/** hyperfine's command-line words: each argument single-quoted. */
const words = (argv: readonly string[]): string => argv.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');

/** The median of each command in ms, by hyperfine; it fails when a command exits non-zero. */
function withHyperfine(commands: readonly Command[], timing: Timing, dir: string): number[] {
  const report = join(dir, 'hyperfine.json');
  const result = spawnSync(
    'hyperfine',
    [
      '--shell=none',
      '--style',
      'none',
      '--warmup',
      String(timing.warmup),
      '--runs',
      String(timing.runs),
      '--export-json',
      report,
      ...commands.flatMap((command) => ['--prepare', words(command.prepare ?? ['true'])]),
      ...commands.map((command) => words(command.argv)),
    ],
    { env: { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' }, encoding: 'utf8', timeout: 600_000 },
  );
  if (result.status !== 0) throw new Error(`hyperfine failed (exit code ${result.status}): ${result.stderr}`);
  const { results } = JSON.parse(readFileSync(report, 'utf8')) as { results: Array<{ median: number }> };
  return results.map((entry) => Math.round(entry.median * 1e4) / 10);
}

/**
 * Each state's ls, add and rm. With hyperfine, add's runs each follow an untimed rm and rm's an
 * untimed add; in the loop, add and rm take turns and time each other's set-up.
 */
function timeState(tools: BenchTools, node: string, dir: string, timing: Timing, baseline: string[][]): number[] {
  const devdns = (...argv: string[]) => [node, tools.bin, ...argv];
  const add = devdns('add', NAME, '127.0.0.1');
  const rm = devdns('rm', NAME);
  if (timing.hyperfine) {
    // rm exits non-zero for a missing name, so the name is there before add's first prepare;
    // add of a name already there changes nothing and exits 0, so rm's first prepare is fine.
    if (tools.cliWith(node, dir, 'add', NAME, '127.0.0.1').code !== 0) throw new Error('devdns add failed in the start-up home');
    return withHyperfine(
      [...baseline.map((argv) => ({ argv })), { argv: devdns('ls') }, { argv: add, prepare: rm }, { argv: rm, prepare: add }],
      timing,
      dir,
    );
  }
  const commands = [...baseline, devdns('ls'), add, rm];
  if (timing.warmup > 0) tools.medianMs(commands, timing.warmup, dir);
  const times = tools.medianMs(commands, timing.runs, dir);
  if (tools.cliWith(node, dir, 'ls', NAME).stdout.includes(NAME)) throw new Error('devdns add and rm did not take turns');
  return times;
}

async function measureNode(tools: BenchTools, binary: NodeBinary, timing: Timing): Promise<StartupNode> {
  const dir = tools.newHome();
  const hosts = join(dir, 'startup.hosts');
  writeFileSync(hosts, `${Array.from({ length: RECORDS }, (_, i) => `127.0.0.1 start${i}.test`).join('\n')}\n`);
  if (tools.cliWith(binary.path, dir, 'import', hosts, '--format', 'hosts').code !== 0) throw new Error('could not seed the start-up home');
  const baseline = [
    [binary.path, '-e', '0'],
    [binary.path, tools.bin, '--version'],
  ];
  const [nodeMs = 0, versionMs = 0, ...stoppedTimes] = timeState(tools, binary.path, dir, timing, baseline);
  const { state, upExited } = await tools.startDaemon(dir, binary.path);
  let runningTimes: number[];
  try {
    await upExited;
    if (!(await tools.untilAnswered(state.dns.port, 'start0.test', tools.answers, 10_000)))
      throw new Error('the start-up daemon did not answer');
    runningTimes = timeState(tools, binary.path, dir, timing, []);
  } finally {
    tools.cliWith(binary.path, dir, 'down');
  }
  const ratio = (ms: number) => tools.roundTo(ms / (nodeMs || 1), 2);
  const stateOf = ([lsMs = 0, addMs = 0, rmMs = 0]: number[]): StartupState => ({
    lsMs,
    addMs,
    rmMs,
    lsRatio: ratio(lsMs),
    addRatio: ratio(addMs),
    rmRatio: ratio(rmMs),
  });
  return {
    node: binary.version,
    path: binary.path,
    nodeMs,
    versionMs,
    versionRatio: ratio(versionMs),
    stopped: stateOf(stoppedTimes),
    running: stateOf(runningTimes),
  };
}

export async function measureStartup(
  nodes: readonly NodeBinary[],
  note: string | null,
  timing: Timing,
  tools: BenchTools,
): Promise<Startup> {
  const measured: StartupNode[] = [];
  for (const binary of nodes) measured.push(await measureNode(tools, binary, timing));
  return {
    tool: timing.hyperfine ? 'hyperfine' : 'loop',
    runs: timing.runs,
    warmup: timing.warmup,
    records: RECORDS,
    nodes: measured,
    note,
  };
}

/** One line a Node version, as the brief report prints it. */
export function startupLines(startup: Startup): string[] {
  const lines = startup.nodes.map((n) => {
    const state = (s: StartupState) => `ls ${s.lsRatio}, add ${s.addRatio}, rm ${s.rmRatio}`;
    return `start-up (Node ${n.node}, ${startup.records} records), x node -e 0 (${n.nodeMs} ms): --version ${n.versionRatio}; daemon running: ${state(n.running)}; daemon stopped: ${state(n.stopped)}`;
  });
  lines.push(
    `start-up: medians of ${startup.runs} runs after ${startup.warmup} untimed, by ${startup.tool}${startup.note ? `; ${startup.note}` : ''}`,
  );
  return lines;
}
