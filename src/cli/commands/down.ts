// `devdns down`: ask the daemon to stop, then make sure: SIGTERM, and SIGKILL after a deadline.
import { waitForExit } from '../../os/processes.js';
import type { CommandContext } from '../context.js';
import { findDaemon } from '../daemon-link.js';

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Stops the daemon of this home; returns its state, or undefined when none was running. */
export async function stopDaemon(context: CommandContext): Promise<{ pid: number } | undefined> {
  const link = findDaemon(context);
  if (!link) return undefined;
  const { pid } = link.state;
  try {
    await link.client.call('POST', '/stop', {});
  } catch {
    signal(pid, 'SIGTERM'); // the API did not answer: fall back to the signal
  }
  if (!(await waitForExit(pid, 5_000))) {
    signal(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 3_000))) {
      signal(pid, 'SIGKILL');
      await waitForExit(pid, 2_000);
    }
  }
  return { pid };
}

export async function runDown(context: CommandContext): Promise<void> {
  const stopped = await stopDaemon(context);
  if (stopped) context.output.success(`devdns stopped (pid ${stopped.pid})`);
  else context.output.info('devdns is not running');
}
