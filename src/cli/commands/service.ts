// `devdns service install|uninstall`: write (or remove) the start-at-login definition and load it.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { daemonLogPath } from '../../daemon/launcher.js';
import { InputError } from '../../errors.js';
import { type ServicePlatform, serviceCommands, serviceFile, servicePath } from '../../os/service-files.js';
import { DEVDNS_BIN, runProgram } from '../../platform/run-program.js';
import { KIB, readTextSafely, writeFileAtomically } from '../../store/safe-file.js';
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
  for (const [command = '', ...args] of commands) {
    const result = await runProgram(command, args, { timeoutMs: 15_000 });
    if (result.exitCode !== 0) {
      context.output.warn(
        `${[command, ...args].join(' ')} did not work (${result.stderr.split('\n')[0]}); run the commands below yourself`,
      );
      for (const line of commands) context.output.info(`  ${line.join(' ')}`);
      return;
    }
  }
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
    // Read as any file devdns did not write: a FIFO or a link to a device there must not hang it.
    const same = readTextSafely(path, { maxBytes: 64 * KIB, followLinks: true }) === text;
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomically(path, text, 0o644);
    output.success(`${same ? 'kept' : 'wrote'} ${path}`);
    await runCommands(context, commands.start);
    return;
  }
  if (!existsSync(path)) {
    output.info(`no devdns service is installed (${path} does not exist)`);
    return;
  }
  if (options.dryRun) {
    output.info(`would run: ${commands.stop.map((c) => c.join(' ')).join(' && ')}`);
    output.info(`would remove ${path}`);
    return;
  }
  await runCommands(context, commands.stop);
  rmSync(path, { force: true });
  output.success(`removed ${path}`);
}
