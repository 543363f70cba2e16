// Every program devdns runs goes through here, the one module that imports execa: commands whose
// output we read (with a timeout, stdin closed), a command run in the user's terminal (sudo), the
// detached daemon, and a blocking run as another user. execa is loaded on first use, so start-up
// does not pay for it.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { verbose } from '../verbose.js';

/** node:child_process when first needed: most commands run no program, and it takes 5 ms to load. */
const childProcess = (): typeof import('node:child_process') => createRequire(import.meta.url)('node:child_process');

/** The devdns executable, for running devdns again (the daemon, sudo, a login service). */
export const DEVDNS_BIN = fileURLToPath(new URL('../../bin/devdns.js', import.meta.url));

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Why it failed, as execa says it ("Command failed with ENOENT: ..."); empty when it succeeded. */
  failure: string;
}

export interface RunOptions {
  timeoutMs: number;
  env?: Record<string, string>;
}

/** Runs a program to its end and returns what it printed; a program that cannot start exits 1 (or 127). */
export async function runProgram(file: string, args: readonly string[], { timeoutMs, env }: RunOptions): Promise<ProgramResult> {
  const { execa } = await import('execa');
  verbose(`running ${[file, ...args].join(' ')}`);
  const result = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore', ...(env ? { env } : {}) });
  return {
    exitCode: result.exitCode ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    failure: result.failed ? String(result.message ?? '') : '',
  };
}

/** Runs a program on this terminal (it may ask the user something, as sudo does) and returns its exit code. */
export async function runInTerminal(file: string, args: readonly string[]): Promise<number> {
  const { execa } = await import('execa');
  const result = await execa(file, args, { stdio: 'inherit', reject: false });
  return result.exitCode ?? 1;
}

export interface DetachedProcess {
  pid: number | undefined;
  /** The exit code, once the process has ended; undefined while it runs. */
  exitCode(): number | undefined;
  kill(): void;
  /** Lets this process end without waiting for the detached one. */
  unref(): void;
}

/**
 * Starts a program in its own session with no pipes to us (`$(devdns up)` and `devdns up | cat`
 * must not wait for it): stdin closed, stdout and stderr appended to the open descriptor `output`.
 */
export async function startDetached(
  file: string,
  args: readonly string[],
  { output, env }: { output: number; env: Record<string, string> },
): Promise<DetachedProcess> {
  const { execa } = await import('execa');
  const child = execa(file, args, {
    detached: true,
    // An open file descriptor, so the program writes itself (execa's types only allow literal fds).
    stdio: ['ignore', output, output] as unknown as ['ignore', 1, 2],
    env,
    cleanup: false,
    reject: false,
    windowsHide: true,
  });
  let exitCode: number | undefined;
  child.then((result) => {
    exitCode = result.exitCode ?? 1;
  });
  return {
    pid: child.pid,
    exitCode: () => exitCode,
    kill: () => child.kill('SIGKILL'),
    unref: () => child.unref(),
  };
}

export interface SyncRunOptions extends RunOptions {
  /** Run as this user and group (root acting for a user). */
  uid?: number;
  gid?: number;
  /** Written to the program's stdin. */
  input?: string;
}

/**
 * Runs a program to its end, blocking, for a step that must finish before the next line runs.
 * Node's own spawnSync: execa is asynchronous to load, and this runs where start-up must stay small.
 */
export function runProgramSync(file: string, args: readonly string[], options: SyncRunOptions): ProgramResult {
  const { timeoutMs, env, uid, gid, input } = options;
  const result = childProcess().spawnSync(file, args, {
    input: input ?? '',
    encoding: 'utf8',
    timeout: timeoutMs,
    ...(env ? { env } : {}),
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  });
  return { exitCode: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '', failure: result.error?.message ?? '' };
}
