// What a command says when the daemon's state file named a daemon that is gone.
import type { DaemonState } from '../daemon/state.js';
import type { CommandContext } from './context.js';

/** The warning for a state file whose daemon is gone, which the lookup removed. */
export function warnStale(context: CommandContext): (state: DaemonState | undefined) => void {
  return (state) => context.output.warn(`removed a stale state file${state ? ` (devdns pid ${state.pid} is not running)` : ''}`);
}
