// Starts the built `devdns up --foreground` on an ephemeral port in a temporary home, and stops it.
import { type ChildProcess, spawn } from 'node:child_process';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { RecordStore } from '../../src/store/record-store.js';
import { BIN } from './devdns.js';

export interface RunningDevdns {
  child: ChildProcess;
  host: string;
  port: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until stdout or stderr matches, or throws after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after a deadline; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Writes records into a home through the store, as `devdns add` would. */
export async function addToHome(home: string, ...inputs: RecordInput[]): Promise<void> {
  const store = new RecordStore(home);
  for (const input of inputs) {
    await store.update((file) => ({ file: addRecords(file, { ...parseRecordInput(input), force: false }).file, result: undefined }));
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function startDevdns(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningDevdns> {
  const child = spawn(process.execPath, [BIN, 'up', '--foreground', '--port', '0', '--control-port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env, DEVDNS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: number | null | undefined;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep the tail only: the fuzz test makes tens of thousands of query lines.
    out = (out + chunk).slice(-200_000);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  const running: RunningDevdns = {
    child,
    host: '',
    port: 0,
    stdout: () => out,
    stderr: () => err,
    waitFor: (stream, pattern, timeoutMs = 10_000) =>
      eventually(
        () => {
          if (exited !== undefined) throw new Error(`devdns exited with ${exited}: ${err}`);
          return (stream === 'stdout' ? out : err).match(pattern) ?? undefined;
        },
        timeoutMs,
        `${pattern} on ${stream}`,
      ),
    stop: async () => {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    const match = await running.waitFor('stderr', /serving DNS on \[?([0-9a-f.:]+?)\]?:(\d+) /);
    running.host = match[1] ?? '';
    running.port = Number(match[2]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return running;
}
