// The forwarding section of `npm run bench` (--forward): devdns under `forward all`, its upstream
// unbound on a loopback ephemeral port serving a made-up bench.example (every name under it
// answered 192.0.2.1 with TTL 3600: a `redirect` local-zone), and dnsmasq forwarding to the same
// unbound with its own cache, both holding the run's records. With both caches warm with the same
// names, in one run: the daemon's CPU time per query (/proc/PID/stat) for cached forwarded names
// against its own records at one rate, the servers taking turns; the latency of cached forwarded
// answers at 5,000 queries/s, with its own records' beside it (the same minute, the same machine);
// devdns against dnsmasq on the cached names (CPU per query at that rate, and queries/s with a
// bounded number outstanding); then devdns's cache filled with 100,000 distinct names: the
// daemon's RSS before and after, and the cache's entries from `devdns status --json`, which prove
// it held them.
// devdns lets each client address ask upstream 200 questions a second (a burst of 400): the fill
// asks from many loopback addresses (127.0.1.1 and on), at most a burst's worth each, so it is
// bounded by how fast devdns forwards, not by that limit. Bounded in count and time; loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import type { BenchTools, Queries } from './tools.js';

export interface ForwardOptions {
  /** Queries per second in the CPU runs. */
  rate: number;
  /** Each CPU run. */
  seconds: number;
  /** An unmeasured run of each kind before the first, so that none pays for compiling; 0 for none. */
  warmUpSeconds: number;
  /** CPU runs of each kind, taking turns; the ratio is the median of the rounds'. */
  rounds: number;
  /** Distinct forwarded names kept in both caches for the CPU, latency and throughput runs. */
  cachedNames: number;
  /** Queries per second in the latency run. */
  latencyRate: number;
  /** Distinct names the cache is filled with. */
  fillNames: number;
  /** The longest the fill may take; the names answered by then count. */
  fillBudgetMs: number;
}

/** One server's CPU time per query at the CPU runs' rate: the median over the rounds. */
export interface CpuPerQuery {
  /** µs of CPU time (user + system) per query answered. */
  us: number;
  answered: number;
  sent: number;
}

export interface CacheFill {
  names: number;
  /** Answered NOERROR with an answer; the rest failed after retries or the time bound. */
  answered: number;
  failed: number;
  seconds: number;
  /** Source addresses the questions came from (the per-client upstream rate). */
  addresses: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssGrowthMiB: number;
  /** From `devdns status --json` after the fill. */
  cacheEntries: number;
  cacheBytes: number;
}

export interface Forward {
  tool: string;
  rate: number;
  seconds: number;
  rounds: number;
  cachedNames: number;
  cpu: {
    /** Cached forwarded answers, devdns. */
    forwarded: CpuPerQuery;
    /** Answers from devdns's own records (A questions for app0.test and on). */
    own: CpuPerQuery;
    /** Cached forwarded answers, dnsmasq; null when dnsmasq is not installed. */
    dnsmasq: CpuPerQuery | null;
    /** Median over the rounds of forwarded / own. */
    forwardedToOwn: number;
    /** Median over the rounds of devdns / dnsmasq on cached forwarded names; null without dnsmasq or its CPU time. */
    toDnsmasq: number | null;
  };
  /** Cached forwarded answers; beside them, in the same minute, devdns's own records and dnsmasq's cached forwarded answers. */
  latency: {
    rate: number;
    p50: number;
    p99: number;
    lost: number;
    ownP50: number;
    ownP99: number;
    dnsmasqP50: number | null;
    dnsmasqP99: number | null;
  };
  throughput: { devdnsQps: number; dnsmasqQps: number | null; toDnsmasq: number | null };
  fill: CacheFill;
}

const ZONE = 'bench.example';
const BENCH_ADDRESS = '192.0.2.1';
/**
 * Below devdns's upstream questions at once for one domain (an eighth of 256: every name here is
 * under bench.example), above which it answers SERVFAIL at once.
 */
const FILL_WINDOW = 24;
/** Names asked from each source address: within devdns's burst of 400 a client. */
const NAMES_PER_ADDRESS = 400;
const FILL_ATTEMPTS = 3;
const FILL_TIMEOUT_MS = 1000;
const USEC_PER_TICK = 1e6 / 100;

/** A UDP port free on 127.0.0.1 a moment ago. */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function unboundConfig(dir: string, port: number): string {
  return [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  do-ip6: no',
    '  access-control: 127.0.0.0/8 allow',
    '  module-config: "iterator"',
    `  local-zone: "${ZONE}." redirect`,
    `  local-data: "${ZONE}. 3600 IN A ${BENCH_ADDRESS}"`,
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

/** A server started for the section and answering: its port and process. */
interface Started {
  port: number;
  pid: number;
  child: ChildProcess;
}

async function startServer(tools: BenchTools, command: string, argv: string[], port: number, probe: string): Promise<Started> {
  const child = tools.keep(spawn(command, argv, { stdio: 'ignore' }));
  if (!(await tools.untilAnswered(port, probe, tools.answers, 10_000))) throw new Error(`${command} did not answer on port ${port}`);
  return { port, pid: child.pid ?? 0, child };
}

async function startUnbound(tools: BenchTools, dir: string): Promise<Started> {
  const port = await freePort();
  const config = join(dir, 'unbound.conf');
  writeFileSync(config, unboundConfig(dir, port));
  return startServer(tools, 'unbound', ['-d', '-c', config], port, `probe.${ZONE}`);
}

/** dnsmasq with devdns's records (`devdns export --format dnsmasq`), forwarding the rest to unbound. */
async function startForwardingDnsmasq(tools: BenchTools, dir: string, upstream: number, cachedNames: number): Promise<Started> {
  const port = await freePort();
  const conf = join(dir, 'dnsmasq-forward.conf');
  const records = tools.cli(dir, 'export', '--format', 'dnsmasq').stdout;
  writeFileSync(
    conf,
    `port=${port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nuser=root\nlocal=/test/\nserver=127.0.0.1#${upstream}\n${records}`,
  );
  return startServer(
    tools,
    'dnsmasq',
    ['--keep-in-foreground', `--conf-file=${conf}`, `--cache-size=${Math.max(10_000, cachedNames * 2)}`],
    port,
    `probe.${ZONE}`,
  );
}

async function bound(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  return socket;
}

/**
 * Asks each of `names` (A) once until answered, FILL_WINDOW at a time, each name from the source
 * address of its block of NAMES_PER_ADDRESS; a name refused, failed or unanswered within
 * FILL_TIMEOUT_MS is asked again, FILL_ATTEMPTS times at most. Stops at `budgetMs`.
 */
async function askEach(
  port: number,
  names: readonly string[],
  budgetMs: number,
): Promise<{ answered: number; failed: number; ms: number; addresses: number }> {
  const addresses = Math.ceil(names.length / NAMES_PER_ADDRESS);
  const sockets = await Promise.all(
    Array.from({ length: addresses }, (_, k) => bound(`127.0.${1 + Math.floor(k / 250)}.${1 + (k % 250)}`)),
  );
  const queue = names.map((_, i) => i).reverse();
  const attempts = new Uint8Array(names.length);
  const pending = new Map<number, { index: number; at: number }>();
  let nextId = 0;
  let answered = 0;
  let failed = 0;
  const started = Date.now();
  const deadline = started + budgetMs;
  await new Promise<void>((resolve) => {
    const retryOrFail = (index: number) => {
      if ((attempts[index] ?? 0) < FILL_ATTEMPTS) queue.push(index);
      else failed++;
    };
    const finishedOrOut = () => answered + failed >= names.length || Date.now() >= deadline;
    const pump = () => {
      while (pending.size < FILL_WINDOW && queue.length > 0 && Date.now() < deadline) {
        const index = queue.pop() as number;
        while (pending.has(nextId)) nextId = (nextId + 1) % 65536;
        const id = nextId;
        nextId = (nextId + 1) % 65536;
        attempts[index] = (attempts[index] ?? 0) + 1;
        pending.set(id, { index, at: Date.now() });
        const query = packet.encode({
          type: 'query',
          id,
          flags: packet.RECURSION_DESIRED,
          questions: [{ name: names[index] ?? '', type: 'A', class: 'IN' }],
        });
        sockets[Math.floor(index / NAMES_PER_ADDRESS)]?.send(query, port, '127.0.0.1');
      }
    };
    const done = () => {
      clearInterval(sweep);
      resolve();
    };
    for (const socket of sockets) {
      socket.on('message', (message: Buffer) => {
        if (message.length < 12) return;
        const asked = pending.get(message.readUInt16BE(0));
        if (asked === undefined) return;
        pending.delete(message.readUInt16BE(0));
        // NOERROR with an answer is kept; REFUSED (over the rate) or SERVFAIL is asked again.
        if ((message[3] ?? 0) % 16 === 0 && message.readUInt16BE(6) > 0) answered++;
        else retryOrFail(asked.index);
        if (finishedOrOut()) done();
        else pump();
      });
    }
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [id, asked] of pending) {
        if (now - asked.at < FILL_TIMEOUT_MS) continue;
        pending.delete(id);
        retryOrFail(asked.index);
      }
      if (finishedOrOut()) done();
      else pump();
    }, 50);
    pump();
  });
  failed += names.length - answered - failed;
  for (const socket of sockets) socket.close();
  return { answered, failed, ms: Date.now() - started, addresses };
}

/** The cache's figures from `devdns status --json`. */
function cacheStatus(tools: BenchTools, dir: string): { entries: number; bytes: number } {
  const status = JSON.parse(tools.cli(dir, 'status', '--json').stdout) as { forwarding?: { cache: { entries: number; bytes: number } } };
  if (!status.forwarding) throw new Error('devdns status --json has no forwarding figures');
  return { entries: status.forwarding.cache.entries, bytes: status.forwarding.cache.bytes };
}

interface CpuRun {
  ticks: number;
  sent: number;
  answered: number;
}

async function cpuRun(tools: BenchTools, pid: number, port: number, queries: Queries, options: ForwardOptions): Promise<CpuRun> {
  const before = tools.cpuTicks(pid);
  const { sent, answered } = await tools.load.paced(port, queries, options.rate, options.seconds);
  return { ticks: tools.cpuTicks(pid) - before, sent, answered };
}

function perQuery(tools: BenchTools, runs: readonly CpuRun[]): CpuPerQuery {
  const ticks = runs.reduce((sum, run) => sum + run.ticks, 0);
  const answered = runs.reduce((sum, run) => sum + run.answered, 0);
  return {
    us: answered > 0 ? tools.roundTo((ticks * USEC_PER_TICK) / answered, 1) : 0,
    answered,
    sent: runs.reduce((sum, run) => sum + run.sent, 0),
  };
}

/** The median over the rounds of each round's CPU per query of `a` over `b`; null where `b` took no measurable time. */
function pairedCpuRatio(tools: BenchTools, a: readonly CpuRun[], b: readonly CpuRun[]): number | null {
  const ratios = a.flatMap((run, i) => {
    const other = b[i];
    if (!other || other.ticks === 0 || other.answered === 0 || run.answered === 0) return [];
    return [run.ticks / run.answered / (other.ticks / other.answered)];
  });
  return ratios.length === 0 ? null : tools.roundTo(middle(ratios), 2);
}

/** The median, unrounded. */
function middle(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function measureForward(options: ForwardOptions, tools: BenchTools): Promise<Forward | null> {
  if (!tools.have('unbound')) return null;
  const dir = tools.newHome();
  const unbound = await startUnbound(tools, dir);
  tools.seedRecords(dir);
  for (const argv of [
    ['config', 'set', 'upstream', `127.0.0.1:${unbound.port}`],
    ['config', 'set', 'forward', 'all'],
  ]) {
    if (tools.cli(dir, ...argv).code !== 0) throw new Error(`devdns ${argv.join(' ')} failed`);
  }
  const { state, upExited } = await tools.startDaemon(dir);
  try {
    await upExited;
    const own = tools.names[0] ?? 'app0.test';
    if (!(await tools.untilAnswered(state.dns.port, own, tools.answers, 10_000))) throw new Error('the forwarding daemon did not answer');
    const dnsmasq = tools.have('dnsmasq') ? await startForwardingDnsmasq(tools, dir, unbound.port, options.cachedNames) : null;

    const cached: Queries = Array.from({ length: options.cachedNames }, (_, i) => [`c${i}.${ZONE}`, 'A'] as const);
    const ownQueries: Queries = tools.names.map((name) => [name, 'A'] as const);
    const warmed = await askEach(
      state.dns.port,
      cached.map(([name]) => name),
      30_000,
    );
    if (warmed.failed > 0) throw new Error(`devdns did not forward ${warmed.failed} of ${cached.length} names while warming its cache`);
    if (dnsmasq) {
      const dnsmasqWarmed = await askEach(
        dnsmasq.port,
        cached.map(([name]) => name),
        30_000,
      );
      if (dnsmasqWarmed.failed > 0) throw new Error(`dnsmasq did not forward ${dnsmasqWarmed.failed} names while warming its cache`);
    }

    if (options.warmUpSeconds > 0) {
      await tools.load.paced(state.dns.port, cached, options.rate, options.warmUpSeconds);
      await tools.load.paced(state.dns.port, ownQueries, options.rate, options.warmUpSeconds);
    }
    // The servers take turns, each round starting with another, as the main runs do.
    const kinds: Array<{ name: 'forwarded' | 'own' | 'dnsmasq'; port: number; pid: number; queries: Queries }> = [
      { name: 'forwarded', port: state.dns.port, pid: state.pid, queries: cached },
      { name: 'own', port: state.dns.port, pid: state.pid, queries: ownQueries },
      ...(dnsmasq ? [{ name: 'dnsmasq' as const, port: dnsmasq.port, pid: dnsmasq.pid, queries: cached }] : []),
    ];
    const runs = { forwarded: [] as CpuRun[], own: [] as CpuRun[], dnsmasq: [] as CpuRun[] };
    for (let round = 0; round < options.rounds; round++) {
      for (let turn = 0; turn < kinds.length; turn++) {
        const kind = kinds[(round + turn) % kinds.length];
        if (kind) runs[kind.name].push(await cpuRun(tools, kind.pid, kind.port, kind.queries, options));
      }
    }
    const forwardedToOwn = pairedCpuRatio(tools, runs.forwarded, runs.own);
    if (forwardedToOwn === null) throw new Error('devdns took no measurable CPU time answering its own records');

    const latency = await tools.load.latency(state.dns.port, options.latencyRate, cached);
    const ownLatency = await tools.load.latency(state.dns.port, options.latencyRate, ownQueries);
    const dnsmasqLatency = dnsmasq ? await tools.load.latency(dnsmasq.port, options.latencyRate, cached) : null;

    const devdnsQps: number[] = [];
    const dnsmasqQps: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 || !dnsmasq ? ['devdns', 'dnsmasq'] : ['dnsmasq', 'devdns'];
      for (const server of order) {
        if (server === 'devdns') devdnsQps.push((await tools.load.throughput(state.dns.port, cached)).qps);
        else if (dnsmasq) dnsmasqQps.push((await tools.load.throughput(dnsmasq.port, cached)).qps);
      }
    }
    const throughputRatio = dnsmasqQps.length > 0 ? tools.roundTo(middle(devdnsQps.map((qps, i) => qps / (dnsmasqQps[i] || 1))), 2) : null;

    // The fill: names never asked before, so each one is a miss that goes upstream and is kept.
    const rssBeforeMiB = tools.rssMiB(state.pid);
    const fillNames = Array.from({ length: options.fillNames }, (_, i) => `f${i}.${ZONE}`);
    const filled = await askEach(state.dns.port, fillNames, options.fillBudgetMs);
    const rssAfterMiB = tools.rssMiB(state.pid);
    const cache = cacheStatus(tools, dir);

    return {
      tool: tools.load.tool,
      rate: options.rate,
      seconds: options.seconds,
      rounds: options.rounds,
      cachedNames: options.cachedNames,
      cpu: {
        forwarded: perQuery(tools, runs.forwarded),
        own: perQuery(tools, runs.own),
        dnsmasq: dnsmasq ? perQuery(tools, runs.dnsmasq) : null,
        forwardedToOwn,
        toDnsmasq: dnsmasq ? pairedCpuRatio(tools, runs.forwarded, runs.dnsmasq) : null,
      },
      latency: {
        rate: options.latencyRate,
        p50: latency.p50,
        p99: latency.p99,
        lost: latency.lost,
        ownP50: ownLatency.p50,
        ownP99: ownLatency.p99,
        dnsmasqP50: dnsmasqLatency?.p50 ?? null,
        dnsmasqP99: dnsmasqLatency?.p99 ?? null,
      },
      throughput: {
        devdnsQps: Math.round(middle(devdnsQps)),
        dnsmasqQps: dnsmasqQps.length > 0 ? Math.round(middle(dnsmasqQps)) : null,
        toDnsmasq: throughputRatio,
      },
      fill: {
        names: options.fillNames,
        answered: filled.answered,
        failed: filled.failed,
        seconds: tools.roundTo(filled.ms / 1000, 1),
        addresses: filled.addresses,
        rssBeforeMiB,
        rssAfterMiB,
        rssGrowthMiB: tools.roundTo(rssAfterMiB - rssBeforeMiB, 1),
        cacheEntries: cache.entries,
        cacheBytes: cache.bytes,
      },
    };
  } finally {
    tools.cli(dir, 'down');
  }
}

/** One line a figure group, as the rest of the report. */
export function forwardLines(forward: Forward | null): string[] {
  if (!forward) return ['forward: unbound not installed, so no forwarding section (apt-get install unbound)'];
  const { cpu, latency, throughput, fill } = forward;
  const dnsmasqCpu = cpu.dnsmasq
    ? `, dnsmasq forwarding ${cpu.dnsmasq.us} us; devdns / dnsmasq: ${cpu.toDnsmasq ?? 'n/a'}`
    : ' (dnsmasq not installed)';
  return [
    `forward (devdns forward all, unbound upstream, ${forward.cachedNames} cached names; load: ${forward.tool}): CPU per query at ${forward.rate} queries/s (${forward.rounds} run(s) of ${forward.seconds} s each): cached forwarded ${cpu.forwarded.us} us, own records ${cpu.own.us} us; forwarded / own: ${cpu.forwardedToOwn} (target at most 1.3)${dnsmasqCpu}`,
    `forward, cached forwarded answers at ${latency.rate} queries/s: p50 ${latency.p50} us, p99 ${latency.p99} us (target under 500 us); lost ${latency.lost}; own records p50 ${latency.ownP50} us, p99 ${latency.ownP99} us${latency.dnsmasqP99 === null ? '' : `; dnsmasq p50 ${latency.dnsmasqP50} us, p99 ${latency.dnsmasqP99} us`}`,
    `forward, cached forwarded answers, queries/s: devdns ${throughput.devdnsQps}${throughput.dnsmasqQps === null ? ' (dnsmasq not installed)' : `, dnsmasq ${throughput.dnsmasqQps}; devdns / dnsmasq: ${throughput.toDnsmasq}`}`,
    `forward, cache filled with ${fill.names} names in ${fill.seconds} s (${fill.answered} answered, ${fill.failed} failed; from ${fill.addresses} loopback addresses): RSS ${fill.rssBeforeMiB} -> ${fill.rssAfterMiB} MiB, +${fill.rssGrowthMiB} MiB (target under 64); cache ${fill.cacheEntries} entries, ${Math.round(fill.cacheBytes / 1024 / 102.4) / 10} MiB`,
  ];
}
