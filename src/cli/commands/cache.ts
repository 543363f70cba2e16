// `devdns cache flush`: the running daemon forgets every forwarded answer it keeps, so the next
// question about a real name goes to the upstream.
import { ROUTES } from '../../control/protocol.js';
import { ExitCode, InputError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { findDaemon } from '../running-daemon.js';

export async function runCache(context: CommandContext, action: string): Promise<number> {
  if (action !== 'flush') throw new InputError('action', `"${action}" is not flush`, 'devdns cache flush');
  const daemon = findDaemon(context);
  if (!daemon) {
    context.output.info('devdns is not running: no answers are kept');
    return ExitCode.ok;
  }
  const { body } = await daemon.client.call(ROUTES.flushCache, {});
  context.output.success(`forgot ${body.flushed} forwarded answer${body.flushed === 1 ? '' : 's'}`);
  return ExitCode.ok;
}
