// `devdns hosts sync|clean`: the hosts-file fallback, between marker lines, nothing else touched.
// Run through sudo, root takes only the records from the home (checked on load; risky names skipped).
import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DevdnsError, ExitCode, InputError } from '../../errors.js';
import { blockLines, defaultHostsPath, hostsBlock, setHostsBlock } from '../../os/hosts-file.js';
import { type Journal, journalHostsRoute, journalToUndo } from '../../os/journal.js';
import { domainList } from '../../os/resolvers.js';
import { SystemAccess } from '../../os/system.js';
import { OWN_FILES, RECORDS_FILE_NAME } from '../../store/paths.js';
import { loadServedRecords } from '../../store/projects.js';
import type { CommandContext } from '../context.js';
import { confirm, needsRoot, rerunWithSudo } from '../privilege.js';

export interface HostsOptions {
  hostsFile?: string;
  yes?: boolean;
}

function describeWriteError(error: unknown, path: string): DevdnsError {
  if (error instanceof DevdnsError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DevdnsError('hosts-missing', `${path} does not exist`, 'give the right file with --hosts-file');
  return new DevdnsError(
    'hosts-unwritable',
    `${path} could not be written (${code ?? (error as Error).message}); it is unchanged`,
    'run as root, or with sudo',
  );
}

export async function runHosts(context: CommandContext, action: string, options: HostsOptions): Promise<number> {
  const { output } = context;
  if (action !== 'sync' && action !== 'clean') throw new InputError('action', `"${action}" is not sync or clean`, 'devdns hosts sync');
  const path = resolve(options.hostsFile ?? defaultHostsPath());
  refuseOwnFile(context.home, path);
  // While setup routes through this file, its block is that route's: sync writes what the daemon
  // writes (the routed TLDs only), and clean is teardown's to do.
  const route = hostsRoute(context.home, path);
  if (action === 'clean' && route)
    throw new DevdnsError(
      'hosts-is-route',
      `${path} is the route devdns setup chose for ${domainList(route.tlds)}: removing the block would stop those names resolving`,
      'undo the route with devdns teardown, which removes the block',
    );
  const block =
    action === 'sync'
      ? hostsBlock(loadServedRecords(context.home).file.records, route?.tlds, {
          // Only the daemon writes a record with an end, since it takes it out at its end.
          daemonKeeps: false,
        })
      : undefined;
  const lines = block && blockLines(block);
  let how: ReturnType<typeof setHostsBlock>;
  try {
    how = setHostsBlock(path, lines, undefined, route ? 'setup' : 'sync');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'EACCES' || code === 'EPERM') && options.hostsFile === undefined && needsRoot('/')) {
      if (!(await confirm(`Writing ${path} needs root. Run it with sudo?`, options.yes))) return ExitCode.user;
      return rerunWithSudo(context, ['hosts', action, '--yes']);
    }
    throw describeWriteError(error, path);
  }
  for (const skip of block?.skipped ?? []) output.info(`skipped ${skip.name} ${skip.type}: ${skip.reason}`);
  if (block !== undefined && lines === undefined) output.info('no names to write (a hosts file holds A and AAAA names, not wildcards)');
  if (how === 'unchanged') output.info(lines !== undefined ? `${path} is up to date` : `${path} has no devdns block`);
  else
    output.success(
      lines !== undefined
        ? `wrote ${lines.length} lines to ${path}${how === 'in-place' ? ' (in place: it is a mount point)' : ''}`
        : `removed the devdns block from ${path}`,
    );
  return ExitCode.ok;
}

/** The journal of setup's hosts-file route when `path` is that file; undefined otherwise (or when no journal can be used). */
function hostsRoute(home: string, path: string): Journal | undefined {
  try {
    const journal = journalToUndo(home, { privileged: new SystemAccess().privileged });
    const hostsFile = journalHostsRoute(journal);
    return journal && hostsFile !== undefined && new SystemAccess(journal.root).path(hostsFile) === path ? journal : undefined;
  } catch {
    return undefined; // a journal that cannot be used is setup's, teardown's and doctor's to report
  }
}

/** One of devdns's own files in its home (the records, the journal, a log) is never a hosts file, whatever --hosts-file says. */
function refuseOwnFile(home: string, path: string): void {
  const real = (file: string) => {
    try {
      return realpathSync(file);
    } catch {
      return resolve(file);
    }
  };
  const name = basename(real(path));
  if (real(dirname(real(path))) !== real(home) || (name !== RECORDS_FILE_NAME && !OWN_FILES.includes(name))) return;
  throw new DevdnsError(
    'hosts-own-file',
    `${path} is one of devdns's own files, not a hosts file; it is unchanged`,
    "give the hosts file with --hosts-file (the system's is /etc/hosts)",
  );
}
