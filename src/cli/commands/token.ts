// `devdns token`: the running daemon's control-API bearer token, for scripts.
import type { CommandContext } from '../context.js';
import { requireDaemon } from '../running-daemon.js';

export function runToken(context: CommandContext): void {
  context.output.data(requireDaemon(context).state.token);
}
