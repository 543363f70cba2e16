// `devdns uninstall`: stop the daemon, undo setup and the hosts block, remove the start-at-login
// service and devdns's own files. Your records stay unless --purge. Running it twice is harmless.

import { existsSync } from 'node:fs';
import { stopDaemon } from '../../daemon/launcher.js';
import { DevdnsError, ExitCode } from '../../errors.js';
import { BLOCK_BEGIN, defaultHostsPath, readHostsFile } from '../../os/hosts-file.js';
import { journalPath, journalToUndo } from '../../os/journal.js';
import { SystemAccess } from '../../os/system.js';
import { removeOwnFiles } from '../../store/home.js';
import { recordsPath } from '../../store/paths.js';
import type { CommandContext } from '../context.js';
import { confirm } from '../privilege.js';
import { warnStale } from '../stale-state.js';

export async function runUninstall(
  context: CommandContext,
  options: { yes?: boolean; purge?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const { output } = context;
  const what = `stop devdns, undo devdns setup and the hosts block, remove the start-at-login service and devdns's files${options.purge ? ', and your records' : ' (your records stay)'}`;
  const platform = process.platform === 'linux' || process.platform === 'darwin' ? process.platform : undefined;
  // A start-at-login service of another home under this home's name stops uninstall before it
  // changes anything.
  const service = platform ? await import('./service.js') : undefined;
  if (platform) service?.checkServiceOwnership(context, platform, env);
  if (!(await confirm(`This will ${what}. Continue?`, options.yes))) return ExitCode.user;
  let code: number = ExitCode.ok;
  // A journal that fails its checks stops uninstall here, before anything is changed. As root,
  // the journal is root's own copy, as teardown reads it.
  const journal = journalToUndo(context.home, { privileged: new SystemAccess().privileged });

  const stopped = await stopDaemon(context.home, { onStale: warnStale(context) });
  output.info(stopped ? `stopped devdns (pid ${stopped.pid})` : 'devdns was not running');

  if (journal) {
    const { runTeardown } = await import('./setup.js');
    // A teardown that did not happen (sudo refused or failed) stops uninstall: the journal is
    // what teardown needs later, and removing devdns's files would delete it.
    if ((await runTeardown(context, { yes: true })) !== ExitCode.ok)
      throw new DevdnsError(
        'uninstall-incomplete',
        `uninstall stopped: devdns setup's changes to this system are not undone, and ${journalPath(context.home)} is kept`,
        'run devdns teardown (it needs root), then devdns uninstall again',
      );
  } else output.info('devdns setup had changed nothing');

  const hostsPath = defaultHostsPath();
  let hostsText = '';
  try {
    hostsText = readHostsFile(hostsPath);
  } catch {
    // no hosts file to clean
  }
  if (hostsText.includes(BLOCK_BEGIN)) {
    const { runHosts } = await import('./hosts.js');
    code = Math.max(code, await runHosts(context, 'clean', { yes: true }));
  }

  if (service) await service.runService(context, 'uninstall', {}, env);

  const { removed } = removeOwnFiles(context.home, { purge: options.purge === true });
  const recordsLeft = !options.purge && existsSync(recordsPath(context.home));
  if (removed.length === 0 && !recordsLeft) output.info(`devdns had no files left in ${context.home}`);
  else if (options.purge) output.success(`removed devdns's files and your records (${context.home})`);
  else if (removed.length === 0) output.info(`devdns had no files left besides your records in ${recordsPath(context.home)}`);
  else
    output.success(
      `removed devdns's files; your records are kept in ${recordsPath(context.home)} (remove them with devdns uninstall --purge)`,
    );
  output.info('to remove the devdns command itself: npm uninstall -g devdns');
  return code;
}
