// How commands find the running daemon of their home, and tell it about changes.
import { ControlClient } from '../control/client.js';
import { type DaemonState, lookupDaemon } from '../daemon/state.js';
import { DevdnsError, ExitCode } from '../errors.js';
import type { CommandContext } from './context.js';

export interface DaemonLink {
  state: DaemonState;
  client: ControlClient;
}

/** The running daemon, or undefined; a stale state file is removed and reported. */
export function findDaemon(context: CommandContext): DaemonLink | undefined {
  const found = lookupDaemon(context.home);
  if (found.kind === 'stale') {
    context.output.warn(`removed a stale state file${found.state ? ` (devdns pid ${found.state.pid} is not running)` : ''}`);
  }
  return found.kind === 'running' ? { state: found.state, client: new ControlClient(found.state) } : undefined;
}

export function requireDaemon(context: CommandContext): DaemonLink {
  const link = findDaemon(context);
  if (!link) throw new DevdnsError('daemon-not-running', 'devdns is not running', 'start it: devdns up', ExitCode.daemonDown);
  return link;
}

/**
 * After a change to the records file, has a running daemon reload it before the command returns,
 * so the change is answered at once. The daemon also watches the file; this only makes it certain.
 */
export async function notifyDaemon(context: CommandContext): Promise<void> {
  const found = lookupDaemon(context.home);
  if (found.kind !== 'running') return;
  try {
    await new ControlClient(found.state).call('POST', '/reload', {});
  } catch (error) {
    context.output.warn(`the records were saved, but the daemon did not reload them: ${(error as Error).message}`);
  }
}
