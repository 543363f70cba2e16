// How commands find the running daemon of their home (saying when a stale state file was
// removed), and tell it about changes to the records.
import { existsSync } from 'node:fs';
import { ControlClient } from '../control/client.js';
import { ROUTES } from '../control/protocol.js';
import { syncCommand } from '../daemon/hosts-route.js';
import { type DaemonState, lookupDaemon } from '../daemon/state.js';
import { DevdnsError, ExitCode } from '../errors.js';
import { routeBlockState } from '../os/hosts-file.js';
import { journalHostsRoute, journalPath, readJournal } from '../os/journal.js';
import { SystemAccess } from '../os/system.js';
import { loadServedRecords } from '../store/projects.js';
import type { CommandContext } from './context.js';
import { warnStale } from './stale-state.js';

export interface RunningDaemon {
  state: DaemonState;
  client: ControlClient;
}

/** The running daemon, or undefined; a stale state file is removed and reported. */
export function findDaemon(context: CommandContext): RunningDaemon | undefined {
  const found = lookupDaemon(context.home);
  if (found.kind === 'stale') warnStale(context)(found.state);
  return found.kind === 'running' ? { state: found.state, client: new ControlClient(found.state) } : undefined;
}

export function requireDaemon(context: CommandContext): RunningDaemon {
  const daemon = findDaemon(context);
  if (!daemon) throw new DevdnsError('daemon-not-running', 'the daemon is not running', 'start it: devdns up', ExitCode.daemonDown);
  return daemon;
}

/**
 * After a change to the records file, has a running daemon reload it before the command returns,
 * so the change is answered at once. The daemon also watches the file; this only makes it certain.
 */
export async function notifyDaemon(context: CommandContext, zonesChanged = true): Promise<void> {
  const found = lookupDaemon(context.home);
  if (found.kind === 'running') {
    try {
      await new ControlClient(found.state).call(ROUTES.reload, {});
    } catch (error) {
      context.output.warn(`the records were saved, but the daemon did not reload them: ${(error as Error).message}`);
    }
  }
  warnIfHostsRouteBehind(context, found.kind === 'running');
  // A zone that came or went may be an override that began or ended: its route with it.
  if (zonesChanged && existsSync(journalPath(context.home))) await (await import('./commands/setup.js')).offerRouteUpdate(context);
}

/**
 * While setup routes through the hosts file, the daemon rewrites its block after each change:
 * says so when the block is behind (the daemon is down, or may not write the file), and how to
 * bring it up to date.
 */
export function warnIfHostsRouteBehind(context: CommandContext, running: boolean): void {
  try {
    const journal = readJournal(context.home);
    const hostsFile = journalHostsRoute(journal);
    if (!journal || hostsFile === undefined) return;
    const system = new SystemAccess(journal.root);
    const state = routeBlockState(hostsFile, loadServedRecords(context.home).file.records, journal.tlds, system, running);
    const path = system.path(hostsFile);
    if (state.kind === 'current') {
      if (state.endsLeftOut?.length)
        context.output.warn(
          `${path}, the route devdns setup chose, does not hold ${state.endsLeftOut.join(', ')}: only the daemon writes a name with an end there, and it may not write this file (see devdns doctor)`,
        );
      return;
    }
    if (state.kind === 'unusable') {
      context.output.warn(
        `${path}, the route devdns setup chose, cannot be kept in step: ${state.reason}${state.hint ? ` (${state.hint})` : ''}`,
      );
      return;
    }
    const sync = syncCommand(path);
    context.output.warn(
      running
        ? `${path}, the route devdns setup chose, is behind: the daemon could not write it (see devdns doctor); run: ${sync}`
        : `${path}, the route devdns setup chose, is behind until devdns up (or run: ${sync})`,
    );
  } catch {
    // a journal or file that cannot be read is doctor's to report; the change itself was saved
  }
}
