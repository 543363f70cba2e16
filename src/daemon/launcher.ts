// Starts the daemon in the background: `devdns up --foreground` detached from the terminal, its
// output appended to the daemon log, and waits with a deadline until it has written its state
// file and answers on the control API. A daemon that dies while starting is reported with the
// reason it logged. The CLI then returns, and the daemon outlives the terminal.
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../control/client.js';
import { DevdnsError } from '../errors.js';
import { DEVDNS_BIN, startDetached } from '../os/run-program.js';
import { openForAppend, readFileSafely } from '../store/safe-file.js';
import { DAEMON_ENV, DAEMON_LOG_MAX_BYTES } from './daemon-log.js';
import { fileSize, makeRoom } from './log-file.js';
import { DAEMON_LOG_NAME, type DaemonState, ensurePrivateHome, lookupDaemon } from './state.js';

export { DAEMON_ENV };

export function daemonLogPath(home: string): string {
  return join(home, DAEMON_LOG_NAME);
}

/** The reason a failed start gave: its last `devdns:` line in the log, written after `offset`. */
function failureReason(logPath: string, offset: number): string | undefined {
  try {
    const text = (readFileSafely(logPath, { maxBytes: 4 * DAEMON_LOG_MAX_BYTES, followLinks: false }) ?? Buffer.alloc(0))
      .subarray(offset)
      .toString('utf8');
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
  // The daemon's output before its own log writer starts (and a start's failure) goes here too.
  const offset = makeRoom(logPath, fileSize(logPath), 0, DAEMON_LOG_MAX_BYTES);
  const log = openForAppend(logPath);
  let child: Awaited<ReturnType<typeof startDetached>>;
  try {
    child = await startDetached(process.execPath, [DEVDNS_BIN, 'up', '--foreground', ...args], {
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
        child.kill();
        throw new DevdnsError('start-timeout', `the daemon did not become ready within ${timeoutMs / 1000} s`, `see ${logPath}`);
      }
      await pause(10);
    }
  } finally {
    child.unref();
  }
}
