// The scale section of `npm run bench` (--records N): devdns with N names, in a home of its own.
// A hosts file of N names (`127.0.0.1 hostI.test`) is imported; the import's wall time and peak
// memory; then, the daemon stopped, `devdns add` and `devdns ls 'host1*'` (medians); then the
// daemon with those names: its memory after `up` and after a run of adds, and each add's time
// from the command returning to the name being answered.
// run.ts owns starting devdns, the homes and the cleanup; it hands them in (no import back).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ScaleTools {
  bin: string;
  /** A temporary home that run.ts stops and removes at the end, even on failure. */
  newHome(): string;
  cli(dir: string, ...argv: string[]): { code: number | null; stdout: string };
  medianMs(commands: string[][], runs: number, dir: string): number[];
  startDaemon(dir: string): Promise<{ state: { pid: number; dns: { port: number } }; upExited: Promise<unknown> }>;
  untilAnswered(port: number, name: string, expect: (reply: Buffer) => boolean, deadlineMs: number): Promise<boolean>;
  answers(reply: Buffer): boolean;
  rssMiB(pid: number): number;
  peakRssMiB(pid: number): number;
  median(list: readonly number[]): number;
  pause(ms: number): Promise<unknown>;
}

export interface Scale {
  records: number;
  importMs: number;
  importPeakRssMiB: number;
  /** How the import's peak memory was read: `/usr/bin/time -f %M`, or /proc VmHWM while polling. */
  rssFrom: 'time' | 'proc';
  cliRuns: number;
  addMs: number;
  lsMs: number;
  rssAfterUpMiB: number;
  adds: number;
  rssAfterAddsMiB: number;
  addToAnswerMs: number;
}

const TIME = '/usr/bin/time';

/** `devdns import FILE --format hosts`: wall time and peak RSS of the import process. */
async function timedImport(tools: ScaleTools, dir: string, file: string): Promise<{ ms: number; peakMiB: number; from: 'time' | 'proc' }> {
  const env = { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' };
  const command = [process.execPath, tools.bin, 'import', file, '--format', 'hosts'];
  if (existsSync(TIME)) {
    const report = join(dir, 'import-time.txt');
    const started = process.hrtime.bigint();
    const result = spawnSync(TIME, ['-f', '%M', '-o', report, ...command], { env, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`the scale import failed (exit code ${result.status})`);
    const kib = Number(readFileSync(report, 'utf8').trim().split('\n').at(-1));
    return { ms, peakMiB: Math.round(kib / 102.4) / 10, from: 'time' };
  }
  const started = process.hrtime.bigint();
  const child = spawn(command[0] ?? '', command.slice(1), { env, stdio: 'ignore' });
  let exitCode: number | null | undefined;
  child.on('exit', (code) => {
    exitCode = code;
  });
  let peakMiB = 0;
  while (exitCode === undefined) {
    peakMiB = Math.max(peakMiB, tools.peakRssMiB(child.pid ?? 0));
    await tools.pause(1);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (exitCode !== 0) throw new Error(`the scale import failed (exit code ${exitCode})`);
  return { ms, peakMiB, from: 'proc' };
}

export async function measureScale(records: number, cliRuns: number, adds: number, tools: ScaleTools): Promise<Scale> {
  const dir = tools.newHome();
  const file = join(dir, 'scale.hosts');
  writeFileSync(file, `${Array.from({ length: records }, (_, i) => `127.0.0.1 host${i}.test`).join('\n')}\n`);
  const imported = await timedImport(tools, dir, file);

  // The daemon stopped: each add is a new name, so every run writes the file.
  const addTimes: number[] = [];
  for (let i = 0; i < cliRuns; i++) {
    const [ms = 0] = tools.medianMs([[process.execPath, tools.bin, 'add', `name${i}.test`, '127.0.0.2']], 1, dir);
    addTimes.push(ms);
  }
  const [lsMs = 0] = tools.medianMs([[process.execPath, tools.bin, 'ls', 'host1*']], cliRuns, dir);
  if (!tools.cli(dir, 'ls', `host${records - 1}.test`).stdout.includes(`host${records - 1}.test`)) {
    throw new Error('the scale records were not imported');
  }

  const { state, upExited } = await tools.startDaemon(dir);
  try {
    if (!(await tools.untilAnswered(state.dns.port, `host${records - 1}.test`, tools.answers, 10_000))) {
      throw new Error('the scale daemon did not answer');
    }
    await upExited;
    const rssAfterUpMiB = tools.rssMiB(state.pid);
    const answerTimes: number[] = [];
    for (let i = 0; i < adds; i++) {
      if (tools.cli(dir, 'add', `fresh${i}.test`, '10.1.1.1').code !== 0) throw new Error('devdns add failed at scale');
      const returned = process.hrtime.bigint();
      if (!(await tools.untilAnswered(state.dns.port, `fresh${i}.test`, tools.answers, 10_000))) {
        throw new Error(`fresh${i}.test was not answered after devdns add`);
      }
      answerTimes.push(Number(process.hrtime.bigint() - returned) / 1e6);
    }
    return {
      records,
      importMs: Math.round(imported.ms * 10) / 10,
      importPeakRssMiB: imported.peakMiB,
      rssFrom: imported.from,
      cliRuns,
      addMs: tools.median(addTimes),
      lsMs,
      rssAfterUpMiB,
      adds,
      rssAfterAddsMiB: tools.rssMiB(state.pid),
      addToAnswerMs: tools.median(answerTimes),
    };
  } finally {
    tools.cli(dir, 'down');
  }
}
