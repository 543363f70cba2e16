// What run.ts hands to the bench's sections (scale.ts, startup.ts): starting devdns, the homes and
// the cleanup stay in run.ts, so a section never imports it back. Types only.

export interface DaemonState {
  pid: number;
  dns: { port: number };
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
  median(list: readonly number[]): number;
  roundTo(value: number, places: number): number;
  pause(ms: number): Promise<unknown>;
}
