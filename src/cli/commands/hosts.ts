// `devdns hosts sync|clean`: the hosts-file fallback, between marker lines, nothing else touched.
// Run through sudo, root takes only the records from the home (checked on load; risky names skipped).
import { resolve } from 'node:path';
import { DevdnsError, ExitCode, InputError } from '../../errors.js';
import { blockLines, defaultHostsPath, hostsBlock, setHostsBlock } from '../../os/hosts-file.js';
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
  const block = action === 'sync' ? hostsBlock(loadServedRecords(context.home).file.records) : undefined;
  const lines = block && blockLines(block);
  let how: ReturnType<typeof setHostsBlock>;
  try {
    how = setHostsBlock(path, lines);
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
