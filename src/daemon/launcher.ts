// Starts and stops the daemon of a home. Launching runs `devdns up --foreground` detached from the
// terminal, its output appended to the daemon log, and waits with a deadline until it has written
// its state file and answers on the control API; a daemon that dies while starting is reported
// with the error it logged (daemon/start-failure.ts). Stopping asks the API, then signals.
import { createSocket } from 'node:dgram';
import { closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { ControlClient } from '../control/client.js';
import { ROUTES } from '../control/protocol.js';
import { DevdnsError } from '../errors.js';
import { DAEMON_NODE_OPTIONS } from '../platform/daemon-flags.js';
import { waitForExit } from '../platform/processes.js';
import { DEVDNS_BIN, startDetached } from '../platform/run-program.js';
import { homePath } from '../store/paths.js';
import { loadServedRecords } from '../store/projects.js';
import { openForAppend, readFileSafely } from '../store/safe-file.js';
import { DAEMON_ENV, DAEMON_LOG_MAX_BYTES } from './daemon-log.js';
import { fileSize, makeRoom } from './log-file.js';
import { readStartFailure } from './start-failure.js';
import { type DaemonState, ensurePrivateHome, lookupDaemon } from './state.js';

export { DAEMON_ENV };

export function daemonLogPath(home: string): string {
  return homePath(home, 'daemonLog');
}

/** What the daemon wrote to its log after `offset`: this start's output. */
function logSince(logPath: string, offset: number): string {
  try {
    const log = readFileSafely(logPath, { maxBytes: 4 * DAEMON_LOG_MAX_BYTES, followLinks: false }) ?? Buffer.alloc(0);
    return log.subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** The error a daemon that exited while starting gave, with its code; its log has the rest. */
function startError(logPath: string, offset: number, exitCode: number): DevdnsError {
  const since = logSince(logPath, offset);
  const failure = readStartFailure(since);
  if (!failure) {
    // It failed before it could write the structured line (in the command line itself): its
    // one-line error is the best reason there is.
    const said = since
      .split('\n')
      .filter((line) => line.startsWith('devdns: '))
      .at(-1)
      ?.slice('devdns: '.length);
    return new DevdnsError('start-failed', said ?? `the daemon exited with code ${exitCode}`, `see ${logPath}`);
  }
  return new DevdnsError(failure.code, failure.message, failure.hint ? `${failure.hint}; log: ${logPath}` : `see ${logPath}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the daemon of `home` with `args` (flags of `devdns up`) and resolves once it is ready. */
export async function launchDaemon(home: string, args: readonly string[], timeoutMs = 10_000): Promise<DaemonState> {
  ensurePrivateHome(home);
  const logPath = daemonLogPath(home);
  // The daemon's output before its own log writer starts (and a start's failure) goes here too.
  const offset = makeRoom(logPath, fileSize(logPath), 0, DAEMON_LOG_MAX_BYTES);
  const log = openForAppend(logPath);
  let child: Awaited<ReturnType<typeof startDetached>>;
  try {
    child = await startDetached(process.execPath, [...DAEMON_NODE_OPTIONS, DEVDNS_BIN, 'up', '--foreground', ...args], {
      output: log,
      env: { [DAEMON_ENV]: '1', DEVDNS_HOME: home, NO_COLOR: '1' },
    });
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const exitCode = child.exitCode();
      if (exitCode !== undefined) throw startError(logPath, offset, exitCode);
      const found = lookupDaemon(home);
      if (found.kind === 'running' && found.state.pid === child.pid) {
        await new ControlClient(found.state).call(ROUTES.status);
        return found.state;
      }
      if (Date.now() > deadline) {
        child.kill();
        throw new DevdnsError('start-timeout', `the daemon did not become ready within ${timeoutMs / 1000} s`, `see ${logPath}`);
      }
      await pause(10);
    }
  } finally {
    child.unref();
  }
}

export interface StopOptions {
  /** Told of a state file whose daemon is gone (the file has been removed). */
  onStale?: (state: DaemonState | undefined) => void;
  /** The longest the stop may take: half for the API's stop, then SIGTERM, then SIGKILL. */
  timeoutMs?: number;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Stops the daemon of `home`; returns its pid, or undefined when none was running. */
export async function stopDaemon(home: string, options: StopOptions = {}): Promise<{ pid: number } | undefined> {
  const found = lookupDaemon(home);
  if (found.kind === 'stale') options.onStale?.(found.state);
  if (found.kind !== 'running') return undefined;
  const { pid } = found.state;
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    await new ControlClient(found.state).call(ROUTES.stop, {});
  } catch {
    signal(pid, 'SIGTERM'); // the API did not answer: fall back to the signal
  }
  if (!(await waitForExit(pid, timeoutMs * 0.5))) {
    signal(pid, 'SIGTERM');
    if (!(await waitForExit(pid, timeoutMs * 0.3))) {
      signal(pid, 'SIGKILL');
      await waitForExit(pid, timeoutMs * 0.2);
    }
  }
  return { pid };
}

/** Whether `port` on `host` can be bound now, for UDP and TCP (`udp` false: TCP only). */
async function portFree(host: string, port: number, udp: boolean): Promise<string | undefined> {
  const tcp = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
  if (tcp || !udp) return tcp;
  return new Promise<string | undefined>((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.bind(port, host, () => socket.close(() => resolve(undefined)));
  });
}

/**
 * Throws, with the reason, when a daemon started now on these addresses would fail: the records
 * file (or the settings, or the links file) does not load, or a port is held by another program.
 * A port the running daemon holds itself is fine, since it frees it before the start.
 */
export async function checkStartable(
  home: string,
  listen: { host: string; port: number; controlPort: number; controlHost: string },
  running: DaemonState | undefined,
): Promise<void> {
  try {
    loadServedRecords(home);
  } catch (error) {
    if (error instanceof DevdnsError) throw error;
    throw new DevdnsError('records-refused', (error as Error).message, 'fix the file by hand');
  }
  const own = (host: string, port: number, held: { host: string; port: number } | undefined) =>
    held !== undefined && held.port === port && held.host === host;
  if (listen.port !== 0 && !own(listen.host, listen.port, running?.dns)) {
    const taken = await portFree(listen.host, listen.port, true);
    if (taken)
      throw new DevdnsError(
        'port-in-use',
        `DNS port ${listen.host}:${listen.port} is not free (${taken})`,
        'stop the program using it or pick another: devdns restart --port PORT',
      );
  }
  if (listen.controlPort !== 0 && !own(listen.controlHost, listen.controlPort, running?.control)) {
    const taken = await portFree(listen.controlHost, listen.controlPort, false);
    if (taken)
      throw new DevdnsError(
        'port-in-use',
        `control port ${listen.controlHost}:${listen.controlPort} is not free (${taken})`,
        'stop the program using it or pick another: devdns restart --control-port PORT',
      );
  }
}
