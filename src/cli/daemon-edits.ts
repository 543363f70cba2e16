// Record edits made by the running daemon, the one writer while it runs: the command sends the
// change and prints what the daemon says it did, without reading or writing the records itself
// (and `ls` asks it what it serves, without reading them either).
// No daemon, or one that cannot be reached before anything was sent: the command writes the file
// itself, under the writers' lock. Sent but not answered: it stops and says so, never sending the
// change twice.

import { existsSync } from 'node:fs';
import { ControlClient } from '../control/client.js';
import type { Route } from '../control/protocol.js';
import { lookupDaemon } from '../daemon/state.js';
import { DevdnsError } from '../errors.js';
import { homePath } from '../store/paths.js';
import type { CommandContext } from './context.js';
import { warnStale } from './stale-state.js';

/**
 * What the running daemon answered, or undefined when there is none to ask, or it could not be
 * reached before anything was sent: the command then does the work itself.
 */
export async function askRunningDaemon<Request, Response>(
  context: CommandContext,
  route: Route<Request, Response>,
  request: Request,
): Promise<Response | undefined> {
  const found = lookupDaemon(context.home);
  if (found.kind === 'stale') warnStale(context)(found.state);
  if (found.kind !== 'running') return undefined;
  try {
    return (await new ControlClient(found.state).call(route, ...([request] as never))).body;
  } catch (error) {
    if (error instanceof DevdnsError && error.code === 'daemon-unreachable') return undefined;
    throw error;
  }
}

/** What the daemon answered, or undefined when there is no daemon to ask (the command writes itself). */
export async function editThroughDaemon<Request, Response>(
  context: CommandContext,
  route: Route<Request, Response>,
  request: Request,
): Promise<Response | undefined> {
  try {
    return await askRunningDaemon(context, route, request);
  } catch (error) {
    if (error instanceof DevdnsError && error.code === 'daemon-no-answer') {
      throw new DevdnsError(
        'daemon-no-answer',
        `${error.message}; the change may or may not have been made`,
        'see what is there with devdns ls NAME, then run the command again if need be',
      );
    }
    throw error;
  }
}

/**
 * After the daemon made a change: where setup routes through the hosts file, says when its block
 * is behind; where a zone came or went (an override may have begun or ended), offers to route
 * it. Without a setup journal there is no route, and nothing more is loaded.
 */
export async function afterDaemonEdit(context: CommandContext, zonesChanged: boolean): Promise<void> {
  if (!existsSync(homePath(context.home, 'journal'))) return;
  (await import('./running-daemon.js')).warnIfHostsRouteBehind(context, true);
  if (zonesChanged) await (await import('./commands/setup.js')).offerRouteUpdate(context);
}
