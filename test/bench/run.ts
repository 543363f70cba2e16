// npm run bench: devdns against the ceiling, under the same load in the same run.
// Servers: the built devdns daemon (ephemeral ports, temporary home), a bare Node UDP echo server
// (the most one Node process can answer), and dnsmasq serving the same records when installed.
// Load: dnsperf when installed (apt-get install dnsperf), else a Node load generator of our own.
// Query mix: 85% existing names across A/AAAA/MX/TXT, 15% missing names.
// Reports queries/s (bounded outstanding queries: no loss), p50/p99 latency at 5k queries/s
// (dnsperf's own per-query latencies when installed),
// lost queries and peak RSS; `up` to first answer, `add` to answered, idle CPU; then the start-up
// section of startup.ts (the CLI against `node -e 0`, daemon stopped and running, on the oldest
// Node 20 and the newest Node found: node-versions.ts) and, when asked for, the scale section of
// scale.ts and the forwarding section of forward.ts.
// Throughput is measured in rounds, the servers taking turns; each server's median is reported,
// and each ratio is the median over the rounds of that round's ratio: the machine's speed drifts,
// and runs side by side see the same machine.
// Flags: --json FILE (write the figures), --smoke (tiny counts, for the test suite), --seconds N
// (each throughput run), --rounds N (throughput runs per server, default 5), --node-load (the Node
// load generator even where dnsperf is installed), --load-only (no start-up or scale section),
// --node-dir DIR (another directory holding a `node` for the start-up section; repeatable; the
// smoke run times only its own Node),
// --no-hyperfine (time start-up with our own loop even where hyperfine is installed),
// --records N or N1,N2,... (the scale section: each count of names imported; the rest at the
// largest count up to 100,000; off unless given; the smoke run uses 200), --adds N (adds in a row
// in the scale section, default 100), --forward (the forwarding section of forward.ts: devdns
// forwarding to unbound, against its own records and against dnsmasq, and its cache filled with
// 100,000 names; off unless given, with --load-only too; the smoke run has it at tiny counts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as packet from 'dns-packet';
import { type Forward, forwardLines, measureForward } from './forward.js';
import { chooseNodes, currentNode, findNodes } from './node-versions.js';
import { measureScale, type Scale, scaleLines } from './scale.js';
import { measureStartup, type Startup, startupLines } from './startup.js';
import { startSteadyLoad } from './steady-load.js';
import type { BenchLoad, BenchTools, DaemonState, Latency, Queries, Throughput } from './tools.js';

const BIN = fileURLToPath(new URL('../../bin/devdns.js', import.meta.url));
const args = process.argv.slice(2);
/** Every value given for `--name VALUE`, in order. */
function flagValues(name: string): string[] {
  return args.flatMap((arg, i) => (arg === name && args[i + 1] !== undefined ? [args[i + 1] ?? ''] : []));
}
/** `--name N` as a positive number, or `fallback` when not given. */
function numberFlag(name: string, fallback: number): number {
  const given = flagValues(name).at(-1);
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!(value > 0)) throw new Error(`${name} takes a positive number, not ${given}`);
  return value;
}
const smoke = args.includes('--smoke');
const jsonPath = flagValues('--json').at(-1);
const seconds = smoke ? 0.5 : numberFlag('--seconds', 5);
/** Throughput is measured this many times for each server, in turns; the median counts. */
const rounds = smoke ? 1 : numberFlag('--rounds', 5);
const latencySeconds = smoke ? 0.5 : 3;
/** Seconds dnsperf waits for a closed-loop query's answer (and, at the end, for the last ones). */
const closedLoopTimeout = smoke ? 0.5 : 2;
/** The Node load generator even where dnsperf is installed (its own test runs this way). */
const nodeLoad = args.includes('--node-load');
/** Throughput and latency only: no start-up section and no scale section. */
const loadOnly = args.includes('--load-only');
/** The scale section's counts of names: none (no scale section) unless --records is given. */
const scaleRecords = loadOnly
  ? []
  : smoke
    ? [200]
    : flagValues('--records')
        .flatMap((list) => list.split(','))
        .map((count) => {
          const value = Number(count.trim().replaceAll('_', ''));
          if (!Number.isInteger(value) || value < 1) throw new Error(`--records takes whole numbers of names, not ${count}`);
          return value;
        });
const scaleAdds = smoke ? 3 : numberFlag('--adds', 100);
/** The forwarding section: with --forward, and always in the smoke run (at tiny counts). */
const forwardOn = smoke || args.includes('--forward');
/** Every temporary home; each is stopped (`devdns down`) and removed at the end, even on failure. */
const homes: string[] = [];
function newHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'devdns-bench-'));
  homes.push(dir);
  return dir;
}
const home = newHome();
const children: ChildProcess[] = [];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The built CLI run by `node` with its home at `dir`. */
function cliWith(node: string, dir: string, ...argv: string[]): { code: number | null; stdout: string } {
  const result = spawnSync(node, [BIN, ...argv], {
    env: { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout };
}

/** The built CLI with its home at `dir`. */
function cli(dir: string, ...argv: string[]): { code: number | null; stdout: string } {
  return cliWith(process.execPath, dir, ...argv);
}

function devdns(...argv: string[]): { code: number | null; stdout: string } {
  return cli(home, ...argv);
}

function have(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

// ---- the records and the query mix -------------------------------------------------------------

const NAMES = Array.from({ length: 20 }, (_, i) => `app${i}.test`);
function seedRecords(dir = home): void {
  // One import instead of eighty `devdns add` runs.
  const zone = NAMES.flatMap((name, i) => [
    `${name}. 5 IN A 127.0.${i}.1`,
    `${name}. 5 IN AAAA fd00::${i + 1}`,
    `${name}. 5 IN MX 10 mail.${name}.`,
    `${name}. 5 IN TXT "v=spf1 ip4:127.0.${i}.1 -all"`,
  ]);
  const path = join(dir, 'seed.zone');
  writeFileSync(path, `${zone.join('\n')}\n`);
  if (cli(dir, 'import', path).code !== 0) throw new Error('could not seed the records');
}

/** [name, type] pairs: 85% existing names across A/AAAA/MX/TXT, 15% missing names. */
function queryMix(count: number): Array<[string, string]> {
  const types = ['A', 'AAAA', 'MX', 'TXT'];
  return Array.from({ length: count }, (_, i) =>
    i % 20 < 17 ? [NAMES[i % NAMES.length] ?? '', types[i % 4] ?? 'A'] : [`missing${i}.test`, 'A'],
  );
}

// ---- servers -----------------------------------------------------------------------------------

async function startEcho(): Promise<{ port: number; pid: number }> {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>{m[2]|=0x80;s.send(m,r.port,r.address)});s.bind(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  return { port, pid: child.pid ?? 0 };
}

async function startDnsmasq(port: number): Promise<{ port: number; pid: number } | undefined> {
  if (!have('dnsmasq')) return undefined;
  const conf = join(home, 'dnsmasq.conf');
  const records = devdns('export', '--format', 'dnsmasq').stdout;
  writeFileSync(conf, `port=${port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nuser=root\nlocal=/test/\n${records}`);
  const child = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${conf}`, '--cache-size=0'], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 200; i++) {
    if ((await ask(port, 'app0.test', 'A', 200).catch(() => undefined)) !== undefined) return { port, pid: child.pid ?? 0 };
    await pause(10);
  }
  return undefined;
}

function ask(port: number, name: string, type: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const started = process.hrtime.bigint();
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('timeout'));
    }, timeoutMs);
    socket.on('message', () => {
      clearTimeout(timer);
      socket.close();
      resolve(Number(process.hrtime.bigint() - started) / 1000);
    });
    socket.send(
      packet.encode({ type: 'query', id: 1, flags: packet.RECURSION_DESIRED, questions: [{ name, type: type as never, class: 'IN' }] }),
      port,
      '127.0.0.1',
    );
  });
}

// ---- load --------------------------------------------------------------------------------------

/** The mix that throughput and latency are measured with. */
const MIX: Queries = queryMix(2000);
/** dnsperf's data file for each list of questions, written once. */
const queryFiles = new Map<Queries, string>();
function queryFile(queries: Queries = MIX): string {
  let data = queryFiles.get(queries);
  if (data === undefined) {
    data = join(home, `queries-${queryFiles.size}.txt`);
    writeFileSync(data, `${queries.map(([n, t]) => `${n} ${t}`).join('\n')}\n`);
    queryFiles.set(queries, data);
  }
  return data;
}

function withDnsperf(port: number, queries: Queries = MIX): Throughput {
  const result = spawnSync(
    'dnsperf',
    [
      '-s',
      '127.0.0.1',
      '-p',
      String(port),
      '-d',
      queryFile(queries),
      '-l',
      String(seconds),
      '-c',
      '4',
      '-q',
      '200',
      '-t',
      String(closedLoopTimeout),
    ],
    { encoding: 'utf8' },
  );
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(result.stdout)?.[1] ?? 0);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  return { qps, lost, tool: 'dnsperf' };
}

/** dnsperf at a fixed rate, one client, reporting each answer's latency (-v). */
function latencyWithDnsperf(port: number, rate: number, queries: Queries = MIX): Latency {
  const result = spawnSync(
    'dnsperf',
    [
      '-s',
      '127.0.0.1',
      '-p',
      String(port),
      '-d',
      queryFile(queries),
      '-l',
      String(latencySeconds),
      '-Q',
      String(rate),
      '-c',
      '1',
      '-t',
      '2',
      '-v',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  // "> NOERROR app0.test A 0.000031": the last field is the latency in seconds.
  const latencies = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('> '))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)) * 1e6);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  return { ...percentiles(latencies), lost };
}

/** dnsperf at a fixed rate for `runSeconds`, one client: queries sent and answered. */
function pacedWithDnsperf(port: number, queries: Queries, rate: number, runSeconds: number): { sent: number; answered: number } {
  const result = spawnSync(
    'dnsperf',
    ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile(queries), '-l', String(runSeconds), '-Q', String(rate), '-c', '1', '-t', '2'],
    { encoding: 'utf8' },
  );
  const sent = Number(/Queries sent:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  const answered = Number(/Queries completed:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  return { sent, answered };
}

/** The steady load of steady-load.ts (A queries) for `runSeconds`: queries sent and answered. */
async function pacedWithNode(
  port: number,
  queries: Queries,
  rate: number,
  runSeconds: number,
): Promise<{ sent: number; answered: number }> {
  const load = await startSteadyLoad(
    port,
    queries.map(([name]) => name),
    rate,
    runSeconds * 1000,
  );
  await pause(runSeconds * 1000);
  const { sent, answered } = await load.stop();
  return { sent, answered };
}

/** Closed loop: a bounded number of queries outstanding per socket, for `seconds`. */
async function withNode(port: number, queries: Queries = MIX): Promise<Throughput> {
  const mix = queries.map(([name, type], i) =>
    packet.encode({ type: 'query', id: i, questions: [{ name, type: type as never, class: 'IN' }] }),
  );
  const sockets = 4;
  const window = 64;
  let answered = 0;
  let sent = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: sockets }, (_, s) => {
      return new Promise<void>((resolve) => {
        const socket = createSocket('udp4');
        let outstanding = 0;
        let next = s;
        const pump = () => {
          while (outstanding < window && Date.now() < deadline) {
            socket.send(mix[next % mix.length] ?? Buffer.alloc(0), port, '127.0.0.1');
            next += sockets;
            outstanding++;
            sent++;
          }
        };
        socket.on('message', () => {
          answered++;
          outstanding--;
          if (Date.now() < deadline) pump();
        });
        socket.bind(0, '127.0.0.1', () => {
          pump();
          setTimeout(
            () => {
              socket.close();
              resolve();
            },
            seconds * 1000 + 500,
          );
        });
      });
    }),
  );
  return { qps: answered / seconds, lost: sent - answered, tool: 'node' };
}

/** The element at quantile `q` (0 to 1) of a list sorted ascending; the median is 0.5. */
function quantile<T>(sorted: readonly T[], q: number): T | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const roundTo = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

function percentiles(latencies: number[]): { p50: number; p99: number } {
  latencies.sort((a, b) => a - b);
  return { p50: roundTo(quantile(latencies, 0.5) ?? 0, 1), p99: roundTo(quantile(latencies, 0.99) ?? 0, 1) };
}

/** Open loop at a fixed rate; the latency of each answer. Timers pace it to the millisecond only. */
async function latencyWithNode(port: number, rate: number, asked?: Queries): Promise<Latency> {
  const count = Math.max(50, Math.round(rate * latencySeconds));
  const mix = asked ?? queryMix(count);
  const queries = Array.from({ length: count }, (_, i) => mix[i % mix.length] ?? ['', 'A']).map(([name, type], i) =>
    packet.encode({ type: 'query', id: i % 65536, questions: [{ name, type: type as never, class: 'IN' }] }),
  );
  const socket = createSocket('udp4');
  const sentAt = new Map<number, bigint>();
  const latencies: number[] = [];
  socket.on('message', (message: Buffer) => {
    const id = message.readUInt16BE(0);
    const start = sentAt.get(id);
    if (start !== undefined) latencies.push(Number(process.hrtime.bigint() - start) / 1000);
    sentAt.delete(id);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await pause(due - Date.now());
    sentAt.set(i % 65536, process.hrtime.bigint());
    socket.send(queries[i] ?? Buffer.alloc(0), port, '127.0.0.1');
  }
  await pause(300);
  socket.close();
  return { ...percentiles(latencies), lost: count - latencies.length };
}

function peakRssMiB(pid: number): number {
  try {
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 102.4) / 10;
  } catch {
    return 0;
  }
}

/** Resident memory now (VmRSS), in MiB. */
function rssMiB(pid: number): number {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 102.4) / 10;
  } catch {
    return 0;
  }
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/**
 * devdns against another server: the median over the rounds of the two runs' ratio in each round.
 * Runs next to each other see the same machine, so a round's ratio is steadier than its figures.
 */
function pairedRatio(devdnsRuns: Throughput[] | undefined, otherRuns: Throughput[] | undefined): number | undefined {
  if (!devdnsRuns || !otherRuns || otherRuns.length === 0) return undefined;
  const ratios = devdnsRuns.map((run, round) => run.qps / (otherRuns[round]?.qps || 1)).sort((a, b) => a - b);
  return roundTo(quantile(ratios, 0.5) ?? 0, 2);
}

// ---- CLI timings -------------------------------------------------------------------------------

/** The median wall time of each command; the commands take turns, so drift touches all alike. */
function medianMs(commands: string[][], runs: number, dir = home): number[] {
  const times: number[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [index, command] of commands.entries()) {
      const started = process.hrtime.bigint();
      spawnSync(command[0] ?? '', command.slice(1), {
        env: { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' },
        stdio: 'ignore',
        timeout: 300_000,
      });
      times[index]?.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return times.map((list) =>
    roundTo(
      quantile(
        list.sort((a, b) => a - b),
        0.5,
      ) ?? 0,
      1,
    ),
  );
}

async function untilAnswered(port: number, name: string, expect: (reply: Buffer) => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  const query = packet.encode({ type: 'query', id: 9, questions: [{ name, type: 'A', class: 'IN' }] });
  while (Date.now() < deadline) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const socket = createSocket('udp4');
      const timer = setTimeout(() => {
        socket.close();
        resolve(undefined);
      }, 100);
      socket.on('message', (m) => {
        clearTimeout(timer);
        socket.close();
        resolve(m);
      });
      socket.on('error', () => resolve(undefined));
      socket.send(query, port, '127.0.0.1');
    });
    if (reply && expect(reply)) return true;
  }
  return false;
}

const answers = (reply: Buffer) => (packet.decode(reply).answers ?? []).length > 0;

/**
 * `devdns up` on ephemeral ports, run by `node`, with its home at `dir`: the daemon's state once
 * it has written it, and the `up` command's exit (it returns once the daemon runs).
 */
async function startDaemon(dir: string, node = process.execPath): Promise<{ state: DaemonState; upExited: Promise<unknown> }> {
  const started = Date.now();
  const up = spawn(node, [BIN, 'up', '--port', '0', '--control-port', '0'], {
    env: { ...process.env, DEVDNS_HOME: dir, NO_COLOR: '1' },
    stdio: 'ignore',
  });
  children.push(up);
  const upExited = new Promise((resolve) => up.on('exit', resolve));
  let state: DaemonState | undefined;
  while (!state && Date.now() - started < 10_000) {
    try {
      state = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8'));
    } catch {
      await pause(2);
    }
  }
  if (!state) throw new Error('devdns did not start');
  return { state, upExited };
}

// ---- run ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  seedRecords();

  // devdns up: from the command to the first answer.
  const upStarted = Date.now();
  const { state, upExited } = await startDaemon(home);
  await untilAnswered(state.dns.port, 'app0.test', answers, 5_000);
  const upToAnswerMs = Date.now() - upStarted;
  await upExited;

  // devdns add: from the command returning to the name being answered.
  const addTimes: number[] = [];
  for (let i = 0; i < (smoke ? 2 : 10); i++) {
    devdns('add', `fresh${i}.test`, '10.1.1.1');
    const returned = process.hrtime.bigint();
    await untilAnswered(state.dns.port, `fresh${i}.test`, answers, 5_000);
    addTimes.push(Number(process.hrtime.bigint() - returned) / 1e6);
  }
  const addToAnswerMs = roundTo(
    quantile(
      addTimes.sort((a, b) => a - b),
      0.5,
    ) ?? 0,
    1,
  );

  const echo = await startEcho();
  const dnsmasq = await startDnsmasq(state.dns.port + 1 === echo.port ? state.dns.port + 2 : state.dns.port + 1);
  const dnsperf = !nodeLoad && have('dnsperf');
  const benchLoad: BenchLoad = dnsperf
    ? {
        tool: 'dnsperf',
        throughput: async (port, queries) => withDnsperf(port, queries),
        latency: async (port, rate, queries) => latencyWithDnsperf(port, rate, queries),
        paced: async (port, queries, rate, runSeconds) => pacedWithDnsperf(port, queries, rate, runSeconds),
      }
    : { tool: 'node', throughput: withNode, latency: latencyWithNode, paced: pacedWithNode };
  const load = (port: number) => benchLoad.throughput(port, MIX);
  const latency = dnsperf ? async (port: number, rate: number) => latencyWithDnsperf(port, rate) : latencyWithNode;
  const servers: Array<{ name: string; port: number; pid: number }> = [
    { name: 'devdns', port: state.dns.port, pid: state.pid },
    { name: 'echo (ceiling)', port: echo.port, pid: echo.pid },
    ...(dnsmasq ? [{ name: 'dnsmasq', port: dnsmasq.port, pid: dnsmasq.pid }] : []),
  ];
  const measuredRuns = new Map<string, Throughput[]>(servers.map((server) => [server.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Each round starts with another server, so none is always first after a pause.
    for (const [turn] of servers.entries()) {
      const server = servers[(round + turn) % servers.length];
      if (server) measuredRuns.get(server.name)?.push(await load(server.port));
    }
  }
  const results: Record<
    string,
    { qps: number; qpsRuns: number[]; lost: number; p50: number; p99: number; latencyLost: number; peakRssMiB: number; tool: string }
  > = {};
  for (const server of servers) {
    const inOrder = measuredRuns.get(server.name) ?? [];
    const measured = [...inOrder].sort((a, b) => a.qps - b.qps);
    const median = quantile(measured, 0.5) ?? { qps: 0, lost: 0, tool: 'none' };
    const latencies = await latency(server.port, smoke ? 500 : 5000);
    results[server.name] = {
      qps: Math.round(median.qps),
      qpsRuns: inOrder.map((run) => Math.round(run.qps)),
      lost: median.lost,
      p50: latencies.p50,
      p99: latencies.p99,
      latencyLost: latencies.lost,
      peakRssMiB: peakRssMiB(server.pid),
      tool: median.tool,
    };
  }
  const idleStart = cpuTicks(state.pid);
  await pause(smoke ? 300 : 2000);
  const idleTicks = cpuTicks(state.pid) - idleStart;

  const tools: BenchTools = {
    bin: BIN,
    newHome,
    cli,
    cliWith,
    medianMs,
    startDaemon,
    untilAnswered,
    answers,
    rssMiB,
    peakRssMiB,
    cpuTicks,
    median: (list) =>
      roundTo(
        quantile(
          [...list].sort((a, b) => a - b),
          0.5,
        ) ?? 0,
        1,
      ),
    roundTo,
    pause,
    have,
    keep: (child) => {
      children.push(child);
      return child;
    },
    seedRecords,
    names: NAMES,
    load: benchLoad,
  };
  const forward: Forward | null = forwardOn
    ? await measureForward(
        smoke
          ? {
              rate: 3000,
              seconds: 0.5,
              warmUpSeconds: 0,
              rounds: 1,
              cachedNames: 50,
              latencyRate: 500,
              fillNames: 2000,
              fillBudgetMs: 20_000,
            }
          : {
              rate: 5000,
              seconds,
              warmUpSeconds: 1,
              rounds: Math.min(rounds, 3),
              cachedNames: 1000,
              latencyRate: 5000,
              fillNames: 100_000,
              fillBudgetMs: 120_000,
            },
        tools,
      )
    : null;
  let startup: Startup | null = null;
  if (!loadOnly) {
    // The smoke run times this Node only: the test suite runs once on each Node version anyway.
    const { chosen, note } = smoke
      ? { chosen: [currentNode()], note: 'the smoke run times only the Node running it' }
      : chooseNodes(findNodes(flagValues('--node-dir')));
    const hyperfine = !args.includes('--no-hyperfine') && have('hyperfine');
    startup = await measureStartup(chosen, note, { hyperfine, runs: smoke ? 2 : 10, warmup: smoke ? 0 : 2 }, tools);
  }
  const scale: Scale | null =
    scaleRecords.length > 0
      ? await measureScale(
          {
            records: scaleRecords,
            cliRuns: smoke ? 3 : 5,
            adds: scaleAdds,
            reloadAdds: smoke ? 3 : 20,
            rate: 2000,
            addsBudgetMs: smoke ? 30_000 : 300_000,
          },
          tools,
        )
      : null;

  const figures = {
    date: new Date().toISOString(),
    cores: (await import('node:os')).availableParallelism(),
    node: process.version,
    seconds,
    rounds,
    servers: results,
    ratios: {
      toEcho: pairedRatio(measuredRuns.get('devdns'), measuredRuns.get('echo (ceiling)')) ?? 0,
      toDnsmasq: pairedRatio(measuredRuns.get('devdns'), measuredRuns.get('dnsmasq')) ?? null,
    },
    upToAnswerMs,
    addToAnswerMs,
    idleCpuTicks: idleTicks,
    startup,
    scale,
    forward,
  };

  const row = (cells: Array<string | number>) => cells.map((c, i) => String(c).padEnd(i === 0 ? 16 : 12)).join('');
  console.log(row(['server', 'queries/s', 'lost', 'p50 us', 'p99 us', 'peak MiB']));
  for (const [name, r] of Object.entries(results)) console.log(row([name, r.qps, r.lost, r.p50, r.p99, r.peakRssMiB]));
  console.log(
    `load: ${results.devdns?.tool}, median of ${rounds} run(s) of ${seconds} s each; latency at ${smoke ? 500 : 5000} queries/s for ${latencySeconds} s; ${figures.cores} cores, Node ${process.version}`,
  );
  console.log(
    `devdns / echo ceiling: ${figures.ratios.toEcho}${figures.ratios.toDnsmasq === null ? ' (dnsmasq not installed)' : `; devdns / dnsmasq: ${figures.ratios.toDnsmasq}`}`,
  );
  console.log(
    `devdns up to first answer: ${upToAnswerMs} ms; devdns add to answered (median): ${addToAnswerMs} ms; idle CPU ticks in ${smoke ? 0.3 : 2} s: ${idleTicks}`,
  );
  for (const line of startup ? startupLines(startup) : []) console.log(line);
  for (const line of scale ? scaleLines(scale) : []) console.log(line);
  for (const line of forwardOn ? forwardLines(forward) : []) console.log(line);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(figures, null, 2)}\n`);
}

try {
  await main();
} finally {
  for (const dir of homes) cli(dir, 'down');
  for (const child of children) child.kill('SIGTERM');
  for (const dir of homes) if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
