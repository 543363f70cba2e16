// `devdns service install|uninstall`: write (or remove) the start-at-login definition and load it.
import { homedir } from 'node:os';
import { daemonLogPath } from '../../daemon/launcher.js';
import { InputError } from '../../errors.js';
import { removeServiceFile, runServiceCommands, serviceFileExists, writeServiceFile } from '../../os/login-service.js';
import { type ServicePlatform, serviceCommands, serviceFile, servicePath } from '../../os/service-files.js';
import { DEVDNS_BIN } from '../../platform/run-program.js';
import type { CommandContext } from '../context.js';

export interface ServiceOptions {
  dryRun?: boolean;
  platform?: string;
}

function platformOf(option: string | undefined): ServicePlatform {
  const platform = option ?? process.platform;
  if (platform === 'linux' || platform === 'darwin') return platform;
  throw new InputError(
    '--platform',
    `no start-at-login service for ${platform}`,
    'run devdns up at login another way (Task Scheduler on Windows)',
  );
}

/** Runs the load or unload commands when the tool is there; otherwise says what to type. */
async function runCommands(context: CommandContext, commands: string[][]): Promise<void> {
  const failed = await runServiceCommands(commands);
  if (failed === undefined) return;
  context.output.warn(`${failed.command.join(' ')} did not work (${failed.reason}); run the commands below yourself`);
  for (const line of commands) context.output.info(`  ${line.join(' ')}`);
}

export async function runService(
  context: CommandContext,
  action: string,
  options: ServiceOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const { output } = context;
  if (action !== 'install' && action !== 'uninstall')
    throw new InputError('action', `"${action}" is not install or uninstall`, 'devdns service install');
  const platform = platformOf(options.platform);
  const userHome = env.HOME ?? homedir();
  const path = servicePath({ platform, userHome, xdgConfigHome: env.XDG_CONFIG_HOME });
  const commands = serviceCommands(platform, path);
  if (action === 'install') {
    const text = serviceFile({
      platform,
      node: process.execPath,
      bin: DEVDNS_BIN,
      home: env.DEVDNS_HOME ? context.home : undefined,
      logPath: daemonLogPath(context.home),
      userHome,
      xdgConfigHome: env.XDG_CONFIG_HOME,
    });
    if (options.dryRun) {
      output.info(`would write ${path}:`);
      output.data(text.trimEnd());
      output.info(`then run: ${commands.start.map((c) => c.join(' ')).join(' && ')}`);
      return;
    }
    output.success(`${writeServiceFile(path, text) ? 'wrote' : 'kept'} ${path}`);
    await runCommands(context, commands.start);
    return;
  }
  if (!serviceFileExists(path)) {
    output.info(`no devdns service is installed (${path} does not exist)`);
    return;
  }
  if (options.dryRun) {
    output.info(`would run: ${commands.stop.map((c) => c.join(' ')).join(' && ')}`);
    output.info(`would remove ${path}`);
    return;
  }
  await runCommands(context, commands.stop);
  removeServiceFile(path);
  output.success(`removed ${path}`);
}
