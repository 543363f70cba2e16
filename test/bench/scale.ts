// The scale section of `npm run bench` (--records N or --records N1,N2,...): devdns with many
// names, each count in a home of its own. For every N, a hosts file of N names
// (`127.0.0.1 hostI.test`) is imported: the import's wall time and peak memory, so growth with N
// shows. The rest runs at the largest N up to 100,000 (larger counts are import only): with the
// daemon stopped, `devdns add` and `devdns ls host1` (medians; ls matches a substring); then the
// daemon with those names: its memory after `up` and after --adds adds in a row, each add's time
// and its time from the command returning to the name being answered, `ls` through it (host1 and
// one name), and the answers' latency under a steady
// 2,000 A queries/s for those names while devdns adds run one after another (reloads).
// run.ts owns starting devdns, the homes and the cleanup; it hands them in (no import back).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SteadyLoadResult, startSteadyLoad } from './steady-load.js';
import type { BenchTools } from './tools.js';

/** The largest count the whole section runs at; above it, only the import is measured. */
export const SCALE_RUN_LIMIT = 100_000;

export interface ScaleImport {
  records: number;
  importMs: number;
  importPeakRssMiB: number;
  /** How the import's peak memory was read: `/usr/bin/time -f %M`, or /proc VmHWM while polling. */
  rssFrom: 'time' | 'proc';
  /** The import's exit code: 0, or what it failed with (an import-only count is reported, not fatal). */
  exitCode: number | null;
  /** The last line the import wrote to stderr when it failed; null when it succeeded. */
  error: string | null;
}

/** Answers under a steady load while `adds` devdns adds ran one after another (fewer when the time bound hit). */
export interface ReloadLatency extends SteadyLoadResult {
  adds: number;
}

export interface ScaleRun {
  records: number;
  cliRuns: number;
  /** With the daemon stopped (medians). */
  addMs: number;
  lsMs: number;
  /** Rows `devdns ls host1` printed: it must match something to time anything. */
  lsRows: number;
  /** With the daemon running (medians): each add of a new name, and `ls` matching many names and one. */
  runningAddMs: number;
  runningLsMs: number;
  runningLsOneMs: number;
  rssAfterUpMiB: number;
  /** Adds in a row, each waited for until answered (fewer than asked when the time bound hit). */
  adds: number;
  rssAfterAddsMiB: number;
  addToAnswerMs: number;
  reload: ReloadLatency;
}

export interface Scale {
  /** One a count, smallest first. */
  imports: ScaleImport[];
  /** At the largest count up to SCALE_RUN_LIMIT; null when every count is larger. */
  run: ScaleRun | null;
}

export interface ScaleOptions {
  records: readonly number[];
  cliRuns: number;
  adds: number;
  reloadAdds: number;
  /** Queries per second during the reload adds. */
  rate: number;
  /** The longest the run of adds may take; the adds done by then count. */
  addsBudgetMs: number;
}

const TIME = '/usr/bin/time';
const IMPORT_TIMEOUT_MS = 15 * 60_000;
const CLI_TIMEOUT_MS = 120_000;
/** The longest the steady load runs; the reload adds stop then too. */
const RELOAD_LOAD_MS = 300_000;

/** `devdns import FILE --format hosts`: wall time and peak RSS of the import process. */
async function timedImport(tools: BenchTools, dir: string, file: string, records: number): Promise<ScaleImport> {
  const env = { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' };
  const command = [process.execPath, tools.bin, 'import', file, '--format', 'hosts'];
  const figure = (ms: number, peakMiB: number, rssFrom: 'time' | 'proc', exitCode: number | null, stderr: string): ScaleImport => ({
    records,
    importMs: tools.roundTo(ms, 1),
    importPeakRssMiB: peakMiB,
    rssFrom,
    exitCode,
    error: exitCode === 0 ? null : (stderr.trim().split('\n').at(-1) ?? ''),
  });
  if (existsSync(TIME)) {
    const report = join(dir, 'import-time.txt');
    const started = process.hrtime.bigint();
    const result = spawnSync(TIME, ['-f', '%M', '-o', report, ...command], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: IMPORT_TIMEOUT_MS,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const kib = existsSync(report) ? Number(readFileSync(report, 'utf8').trim().split('\n').at(-1)) : 0;
    return figure(ms, Number.isFinite(kib) ? Math.round(kib / 102.4) / 10 : 0, 'time', result.status, result.stderr ?? '');
  }
  const started = process.hrtime.bigint();
  const child = spawn(command[0] ?? '', command.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: IMPORT_TIMEOUT_MS });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4096);
  });
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  let peakMiB = 0;
  while (exitCode === undefined) {
    peakMiB = Math.max(peakMiB, tools.peakRssMiB(child.pid ?? 0));
    await tools.pause(1);
  }
  return figure(Number(process.hrtime.bigint() - started) / 1e6, peakMiB, 'proc', exitCode, stderr);
}

/** A hosts file of `records` names in a new home, imported. */
async function importInNewHome(tools: BenchTools, records: number): Promise<{ dir: string; imported: ScaleImport }> {
  const dir = tools.newHome();
  const file = join(dir, 'scale.hosts');
  writeFileSync(file, `${Array.from({ length: records }, (_, i) => `127.0.0.1 host${i}.test`).join('\n')}\n`);
  return { dir, imported: await timedImport(tools, dir, file, records) };
}

/** `devdns add` without blocking the event loop (the steady load shares it). */
function addAsync(bin: string, dir: string, name: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'add', name, '10.2.0.1'], {
      env: { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' },
      stdio: 'ignore',
      timeout: CLI_TIMEOUT_MS,
    });
    child.on('error', () => resolve(null));
    child.on('exit', (code) => resolve(code));
  });
}

/** Answers' latency at a steady rate while `adds` devdns adds run one after another. */
async function reloadLatency(tools: BenchTools, dir: string, port: number, records: number, options: ScaleOptions): Promise<ReloadLatency> {
  const names = Array.from(
    { length: Math.min(records, 2000) },
    (_, i) => `host${Math.floor((i * records) / Math.min(records, 2000))}.test`,
  );
  const load = await startSteadyLoad(port, names, options.rate, RELOAD_LOAD_MS);
  const until = Date.now() + RELOAD_LOAD_MS;
  let done = 0;
  let failed: number | null | undefined;
  for (; done < options.reloadAdds && Date.now() < until && failed === undefined; done++) {
    const code = await addAsync(tools.bin, dir, `reload${done}.test`);
    if (code !== 0) failed = code;
  }
  // The last add's reload may land after the command returns: the load lasts until it has.
  if (done > 0 && failed === undefined) await tools.untilAnswered(port, `reload${done - 1}.test`, tools.answers, 10_000);
  const result = await load.stop();
  if (failed !== undefined) throw new Error(`devdns add failed under load (exit code ${failed})`);
  return { ...result, adds: done };
}

async function measureRun(tools: BenchTools, dir: string, records: number, options: ScaleOptions): Promise<ScaleRun> {
  const { cliRuns } = options;
  if (!tools.cli(dir, 'ls', `host${records - 1}.test`).stdout.includes(`host${records - 1}.test`)) {
    throw new Error('the scale records were not imported');
  }
  // The daemon stopped: each add is a new name, so every run writes the file.
  const addTimes: number[] = [];
  for (let i = 0; i < cliRuns; i++) {
    const [ms = 0] = tools.medianMs([[process.execPath, tools.bin, 'add', `name${i}.test`, '127.0.0.2']], 1, dir);
    addTimes.push(ms);
  }
  const lsRows = tools
    .cli(dir, 'ls', 'host1')
    .stdout.split('\n')
    .filter((line) => line.includes('host1')).length;
  if (lsRows === 0) throw new Error('devdns ls host1 listed nothing');
  const [lsMs = 0] = tools.medianMs([[process.execPath, tools.bin, 'ls', 'host1']], cliRuns, dir);

  const { state, upExited } = await tools.startDaemon(dir);
  try {
    if (!(await tools.untilAnswered(state.dns.port, `host${records - 1}.test`, tools.answers, 10_000))) {
      throw new Error('the scale daemon did not answer');
    }
    await upExited;
    const rssAfterUpMiB = tools.rssMiB(state.pid);
    const answerTimes: number[] = [];
    const runningAddTimes: number[] = [];
    const addsUntil = Date.now() + options.addsBudgetMs;
    for (let i = 0; i < options.adds && Date.now() < addsUntil; i++) {
      const started = process.hrtime.bigint();
      if (tools.cli(dir, 'add', `fresh${i}.test`, '10.1.1.1').code !== 0) throw new Error('devdns add failed at scale');
      const returned = process.hrtime.bigint();
      runningAddTimes.push(Number(returned - started) / 1e6);
      if (!(await tools.untilAnswered(state.dns.port, `fresh${i}.test`, tools.answers, 10_000))) {
        throw new Error(`fresh${i}.test was not answered after devdns add`);
      }
      answerTimes.push(Number(process.hrtime.bigint() - returned) / 1e6);
    }
    const rssAfterAddsMiB = tools.rssMiB(state.pid);
    const [runningLsMs = 0] = tools.medianMs([[process.execPath, tools.bin, 'ls', 'host1']], cliRuns, dir);
    const [runningLsOneMs = 0] = tools.medianMs([[process.execPath, tools.bin, 'ls', `host${records - 1}.test`]], cliRuns, dir);
    const reload = await reloadLatency(tools, dir, state.dns.port, records, options);
    return {
      records,
      cliRuns,
      addMs: tools.median(addTimes),
      lsMs,
      lsRows,
      runningAddMs: tools.median(runningAddTimes),
      runningLsMs,
      runningLsOneMs,
      rssAfterUpMiB,
      adds: answerTimes.length,
      rssAfterAddsMiB,
      addToAnswerMs: tools.median(answerTimes),
      reload,
    };
  } finally {
    tools.cli(dir, 'down');
  }
}

export async function measureScale(options: ScaleOptions, tools: BenchTools): Promise<Scale> {
  const counts = [...new Set(options.records)].sort((a, b) => a - b);
  const runAt = counts.filter((n) => n <= SCALE_RUN_LIMIT).at(-1);
  const imports: ScaleImport[] = [];
  let runDir: string | undefined;
  for (const records of counts) {
    const { dir, imported } = await importInNewHome(tools, records);
    imports.push(imported);
    if (records === runAt) {
      if (imported.exitCode !== 0)
        throw new Error(`the scale import of ${records} names failed (exit code ${imported.exitCode}): ${imported.error}`);
      runDir = dir;
    }
  }
  const run = runAt !== undefined && runDir !== undefined ? await measureRun(tools, runDir, runAt, options) : null;
  return { imports, run };
}

/** One line a figure group. */
export function scaleLines(scale: Scale): string[] {
  const imports = scale.imports
    .map(
      (i) =>
        `${i.records} names ${i.importMs} ms, ${i.importPeakRssMiB} MiB${i.exitCode === 0 ? '' : ` (failed, exit code ${i.exitCode}: ${i.error})`}`,
    )
    .join('; ');
  const lines = [`scale, import (hosts file; time, peak memory by ${scale.imports[0]?.rssFrom ?? 'time'}): ${imports}`];
  const run = scale.run;
  if (!run) {
    lines.push(`scale: every count is over ${SCALE_RUN_LIMIT} names, so import only`);
    return lines;
  }
  const r = run.reload;
  lines.push(
    `scale, ${run.records} names, daemon stopped: devdns add ${run.addMs} ms, devdns ls host1 ${run.lsMs} ms (${run.lsRows} rows) (median of ${run.cliRuns})`,
    `scale, ${run.records} names, daemon running: devdns add ${run.runningAddMs} ms (median of ${run.adds}), devdns ls host1 ${run.runningLsMs} ms, devdns ls of one name ${run.runningLsOneMs} ms (median of ${run.cliRuns})`,
    `scale, daemon with ${run.records} names: ${run.rssAfterUpMiB} MiB after up, ${run.rssAfterAddsMiB} MiB after ${run.adds} adds; devdns add to answered (median): ${run.addToAnswerMs} ms`,
    `scale, ${r.rate} queries/s during ${r.adds} devdns adds (${run.records} names, ${r.seconds} s): p50 ${r.p50} us, p99 ${r.p99} us, max ${r.max} us; lost ${r.lost} of ${r.sent}`,
  );
  return lines;
}
