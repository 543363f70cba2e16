// What run.ts hands to the bench's sections (scale.ts, startup.ts, forward.ts): starting devdns,
// the homes, the load tools and the cleanup stay in run.ts, so a section never imports it back.
// Types only.
import type { ChildProcess } from 'node:child_process';

export interface DaemonState {
  pid: number;
  dns: { port: number };
}

/** Questions as [name, type] pairs, asked in turn. */
export type Queries = ReadonlyArray<readonly [string, string]>;

export interface Throughput {
  qps: number;
  lost: number;
  tool: string;
}

/** Latencies in µs. */
export interface Latency {
  p50: number;
  p99: number;
  lost: number;
}

/** The load of the run: dnsperf where installed, else the Node load generator. */
export interface BenchLoad {
  tool: 'dnsperf' | 'node';
  /** Closed loop, a bounded number of queries outstanding, for the run's --seconds. */
  throughput(port: number, queries: Queries): Promise<Throughput>;
  /** Open loop at `rate` queries/s for the run's latency time: each answer's latency. */
  latency(port: number, rate: number, queries: Queries): Promise<Latency>;
  /** Open loop at `rate` queries/s for `seconds` (the Node generator asks A only): sent and answered. */
  paced(port: number, queries: Queries, rate: number, seconds: number): Promise<{ sent: number; answered: number }>;
}

export interface BenchTools {
  /** bin/devdns.js, the built CLI. */
  bin: string;
  /** A temporary home that run.ts stops and removes at the end, even on failure. */
  newHome(): string;
  /** The built CLI run by `node` (default: the bench's own Node) with its home at `dir`. */
  cli(dir: string, ...argv: string[]): { code: number | null; stdout: string };
  cliWith(node: string, dir: string, ...argv: string[]): { code: number | null; stdout: string };
  /** The median wall time of each command, the commands taking turns, with DEVDNS_HOME=dir. */
  medianMs(commands: string[][], runs: number, dir: string): number[];
  /** `devdns up --port 0 --control-port 0` run by `node` in `dir`: the daemon's state once written. */
  startDaemon(dir: string, node?: string): Promise<{ state: DaemonState; upExited: Promise<unknown> }>;
  untilAnswered(port: number, name: string, expect: (reply: Buffer) => boolean, deadlineMs: number): Promise<boolean>;
  answers(reply: Buffer): boolean;
  rssMiB(pid: number): number;
  peakRssMiB(pid: number): number;
  /** CPU time of process `pid` (utime + stime from /proc/PID/stat), in clock ticks. */
  cpuTicks(pid: number): number;
  median(list: readonly number[]): number;
  roundTo(value: number, places: number): number;
  pause(ms: number): Promise<unknown>;
  /** Whether `program` is on the PATH. */
  have(program: string): boolean;
  /** A child process run.ts stops (SIGTERM) at the end, even on failure. */
  keep(child: ChildProcess): ChildProcess;
  /** The run's records (run.ts's NAMES across A/AAAA/MX/TXT) imported into the home at `dir`. */
  seedRecords(dir: string): void;
  /** The names those records are under, app0.test and on. */
  names: readonly string[];
  load: BenchLoad;
}
