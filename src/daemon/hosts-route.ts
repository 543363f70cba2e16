// The hosts-file route: while `devdns setup` routes through the hosts file (a machine whose
// resolver cannot send one domain to one server), the daemon keeps the file's devdns block in
// step with what it serves, when it starts and after every reload. Only the block changes, by the
// same rules as `devdns hosts sync`; a failure (no write access) is reported, never fatal.
import { type BlockUpkeep, blockLines, hostsBlock, setHostsBlock } from '../os/hosts-file.js';
import { journalHostsRoute, journalPath, journalToUndo } from '../os/journal.js';
import { SystemAccess } from '../os/system.js';
import type { RecordFile } from '../records/types.js';

export type HostsRouteSync =
  /** The hosts file is not the route. */
  | { kind: 'none' }
  | { kind: 'unchanged'; path: string }
  | { kind: 'written'; path: string; names: number }
  | { kind: 'failed'; path: string; reason: string }
  /** The journal itself cannot be used: nothing is written, and no hosts file is named. */
  | { kind: 'journal-refused'; path: string; reason: string };

/**
 * Brings the hosts file's block up to date with `file`, when setup chose the hosts file as the
 * route. `upkeep.daemonKeeps` is false when the daemon stops: records with an end leave the block,
 * since no one would take them out at their end.
 */
export function syncHostsRoute(home: string, served: () => RecordFile, upkeep: BlockUpkeep): HostsRouteSync {
  const privileged = new SystemAccess().privileged;
  // As root, only root's own copy of the journal may aim its writes (journal.ts).
  const route = () => {
    const journal = journalToUndo(home, { privileged });
    const hostsFile = journalHostsRoute(journal);
    return journal && hostsFile !== undefined ? { journal, hostsFile } : undefined;
  };
  let current: ReturnType<typeof route>;
  try {
    current = route();
  } catch (error) {
    return { kind: 'journal-refused', path: journalPath(home), reason: (error as Error).message };
  }
  if (current === undefined) return { kind: 'none' };
  const { journal, hostsFile } = current;
  const system = new SystemAccess(journal.root, { privileged });
  const path = system.path(hostsFile);
  const lines = blockLines(hostsBlock(served().records, journal.tlds, upkeep));
  try {
    const how = setHostsBlock(hostsFile, lines, system, 'setup');
    if (how === 'unchanged') return { kind: 'unchanged', path };
    // A teardown that began while this was written has removed the block, or is about to: its
    // mark is in the journal (or the journal is gone), so the block this wrote is taken back.
    if (stillTheRoute(route, hostsFile)) return { kind: 'written', path, names: lines?.length ?? 0 };
    setHostsBlock(hostsFile, undefined, system);
    return { kind: 'none' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: 'failed', path, reason: code && !(error instanceof Error && 'hint' in error) ? code : (error as Error).message };
  }
}

function stillTheRoute(route: () => { hostsFile: string } | undefined, hostsFile: string): boolean {
  try {
    return route()?.hostsFile === hostsFile;
  } catch {
    return false;
  }
}

/** The daemon log's line for a sync, or undefined when there is nothing to say. */
export function describeHostsSync(sync: HostsRouteSync): string | undefined {
  switch (sync.kind) {
    case 'none':
    case 'unchanged':
      return undefined;
    case 'written':
      return `hosts-file route: wrote ${sync.names} names into ${sync.path}`;
    case 'journal-refused':
      return `hosts-file route: not kept in step, the setup journal is refused: ${sync.reason}`;
    case 'failed':
      return `hosts-file route: ${sync.path} was not brought up to date (${sync.reason}); run: ${syncCommand(sync.path)}`;
  }
}

/** The command that brings a hosts file up to date by hand: sudo for the system's, --hosts-file for a tree's. */
export function syncCommand(path: string): string {
  return path === '/etc/hosts' ? 'sudo devdns hosts sync' : `devdns hosts sync --hosts-file ${path}`;
}
