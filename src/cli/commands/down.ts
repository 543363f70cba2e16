// `devdns down`: stop the daemon of this home (not running is fine).
import { stopDaemon } from '../../daemon/launcher.js';
import type { CommandContext } from '../context.js';
import { warnStale } from '../stale-state.js';

export async function runDown(context: CommandContext): Promise<void> {
  const stopped = await stopDaemon(context.home, { onStale: warnStale(context) });
  if (stopped) context.output.success(`devdns stopped (pid ${stopped.pid})`);
  else context.output.info('devdns is not running');
}
