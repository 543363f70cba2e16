// Starts the daemon in the background: `devdns up --foreground` detached from the terminal, its
// output appended to the daemon log, and waits with a deadline until it has written its state
// file and answers on the control API. A daemon that dies while starting is reported with the
// reason it logged. The CLI then returns, and the daemon outlives the terminal.
import { closeSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../control/client.js';
import { DevdnsError } from '../errors.js';
import { DAEMON_LOG_NAME, type DaemonState, ensurePrivateHome, lookupDaemon } from './state.js';

const BIN = fileURLToPath(new URL('../../bin/devdns.js', import.meta.url));
const MAX_DAEMON_LOG_BYTES = 1024 * 1024;
export const DAEMON_ENV = 'DEVDNS_DAEMON';

export function daemonLogPath(home: string): string {
  return join(home, DAEMON_LOG_NAME);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The reason a failed start gave: its last `devdns:` line in the log, written after `offset`. */
function failureReason(logPath: string, offset: number): string | undefined {
  try {
    const text = readFileSync(logPath).subarray(offset).toString('utf8');
    const lines = text.split('\n').filter((line) => line.includes('devdns: '));
    return lines.at(-1)?.replace(/^.*?devdns: /, '');
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function launchDaemon(home: string, args: readonly string[], timeoutMs = 10_000): Promise<DaemonState> {
  ensurePrivateHome(home);
  const logPath = daemonLogPath(home);
  if (sizeOf(logPath) > MAX_DAEMON_LOG_BYTES) renameSync(logPath, `${logPath}.1`);
  const offset = sizeOf(logPath);
  const log = openSync(logPath, 'a', 0o600);
  const { execa } = await import('execa');
  // Detached, with no pipes to us: `$(devdns up)` and `devdns up | cat` must not wait for the daemon.
  const child = execa(process.execPath, [BIN, 'up', '--foreground', ...args], {
    detached: true,
    // An open file descriptor, so the daemon writes its log itself (execa's types only allow literal fds).
    stdio: ['ignore', log, log] as unknown as ['ignore', 1, 2],
    env: { DEVDNS_DAEMON: '1', DEVDNS_HOME: home, NO_COLOR: '1' },
    cleanup: false,
    reject: false,
    windowsHide: true,
  });
  closeSync(log);
  let exitCode: number | undefined;
  child.then((result) => {
    exitCode = result.exitCode ?? 1;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        // The daemon's own one-line error: "message (hint)".
        const reason = failureReason(logPath, offset) ?? `the daemon exited with code ${exitCode}`;
        const [, message = reason, hint] = /^(.*?)(?: \((.*)\))?$/.exec(reason) ?? [];
        throw new DevdnsError('start-failed', message, hint ? `${hint}; log: ${logPath}` : `see ${logPath}`);
      }
      const found = lookupDaemon(home);
      if (found.kind === 'running' && found.state.pid === child.pid) {
        await new ControlClient(found.state).call('GET', '/status');
        return found.state;
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new DevdnsError('start-timeout', `the daemon did not become ready within ${timeoutMs / 1000} s`, `see ${logPath}`);
      }
      await pause(10);
    }
  } finally {
    child.unref();
  }
}
