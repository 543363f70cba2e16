// `devdns service install|uninstall`: write (or remove) the start-at-login definition and load it.
// Each devdns home has its own: the default home's is devdns.service (dev.devdns.daemon), any
// other home's carries a hash of its path, and a definition that runs another home is left alone.
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve, sep } from 'node:path';
import { daemonLogPath } from '../../daemon/launcher.js';
import { DevdnsError, InputError } from '../../errors.js';
import { readServiceFile, removeServiceFile, runServiceCommands, writeServiceFile } from '../../os/login-service.js';
import {
  type ServiceName,
  type ServicePlatform,
  serviceCommands,
  serviceFile,
  serviceFileHome,
  serviceName,
  servicePath,
} from '../../os/service-files.js';
import { DEVDNS_BIN } from '../../platform/run-program.js';
import { devdnsHome } from '../../store/paths.js';
import type { CommandContext } from '../context.js';

export interface ServiceOptions {
  dryRun?: boolean;
  platform?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function platformOf(option: string | undefined): ServicePlatform {
  const platform = option ?? process.platform;
  if (platform === 'linux' || platform === 'darwin') return platform;
  throw new InputError(
    '--platform',
    `no start-at-login service for ${platform}`,
    'run devdns up at login another way (Task Scheduler on Windows)',
  );
}

const realOrResolved = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/** The service of this home: where its file is, its names, and the DEVDNS_HOME it passes on. */
export interface ServiceTarget {
  platform: ServicePlatform;
  name: ServiceName;
  path: string;
  /** undefined for the default home (the file sets no DEVDNS_HOME). */
  home: string | undefined;
  defaultHome: string;
}

function sameHome(a: string, b: string): boolean {
  return realOrResolved(a) === realOrResolved(b);
}

/**
 * Whether the file at `path` runs this home; throws, touching nothing, when it runs another home
 * or is not a devdns service file. Undefined when there is no file.
 */
function fileRunsThisHome(target: ServiceTarget, path: string): boolean | undefined {
  const text = readServiceFile(path);
  if (text === undefined) return undefined;
  const recorded = serviceFileHome(target.platform, text);
  if (recorded === undefined) return false;
  const runs = recorded ?? target.defaultHome;
  return target.home === undefined ? sameHome(runs, target.defaultHome) : sameHome(runs, target.home);
}

export function serviceTarget(context: CommandContext, platform: ServicePlatform, env: Env): ServiceTarget {
  const userHome = env.HOME ?? homedir();
  const defaultHome = devdnsHome({ env: { ...env, DEVDNS_HOME: undefined }, platform: process.platform, homedir: userHome });
  const isDefault = !env.DEVDNS_HOME || sameHome(context.home, defaultHome);
  const home = isDefault ? undefined : context.home;
  const name = serviceName(home === undefined ? undefined : realOrResolved(home));
  const where = { platform, userHome, xdgConfigHome: env.XDG_CONFIG_HOME };
  const target: ServiceTarget = { platform, name, path: servicePath(where, name), home, defaultHome };
  if (home !== undefined) {
    // Before each home had its own name, every home's service was devdns.service: keep using
    // one that runs this home rather than start a second daemon beside it.
    const legacy = serviceName(undefined);
    const legacyPath = servicePath(where, legacy);
    if (readServiceFile(target.path) === undefined && fileRunsThisHome(target, legacyPath) === true)
      return { ...target, name: legacy, path: legacyPath };
  }
  return target;
}

/** Throws when the file at the target's path belongs to another home (or to no devdns at all). */
function refuseForeign(target: ServiceTarget): boolean {
  const ours = fileRunsThisHome(target, target.path);
  if (ours !== false) return ours === true;
  const text = readServiceFile(target.path) ?? '';
  const recorded = serviceFileHome(target.platform, text);
  const thisHome = target.home ?? target.defaultHome;
  if (recorded === undefined)
    throw new DevdnsError(
      'service-not-ours',
      `${target.path} is not a devdns service file; devdns leaves it alone`,
      'move it away if devdns should write its own there',
    );
  throw new DevdnsError(
    'service-other-home',
    `${target.path} runs devdns for another home (${recorded ?? target.defaultHome}), not ${thisHome}; devdns leaves it alone`,
    recorded === null
      ? 'manage it from the default home (without DEVDNS_HOME)'
      : `manage it with DEVDNS_HOME=${recorded} devdns service ...`,
  );
}

/** For devdns uninstall, before it changes anything: throws when this home's service file is another's. */
export function checkServiceOwnership(context: CommandContext, platform: ServicePlatform, env: Env): void {
  refuseForeign(serviceTarget(context, platform, env));
}

/** Where the devdns being run lives when it is not an installed copy: a linked checkout. */
export function checkoutOf(bin: string): string | undefined {
  const real = realOrResolved(bin);
  return real.split(sep).includes('node_modules') ? undefined : resolve(real, '..', '..');
}

/** Runs the load or unload commands when the tool is there; otherwise says what to type. */
async function runCommands(context: CommandContext, commands: string[][]): Promise<void> {
  const failed = await runServiceCommands(commands);
  if (failed === undefined) return;
  context.output.warn(`${failed.command.join(' ')} did not work (${failed.reason}); run the commands below yourself`);
  for (const line of commands) context.output.info(`  ${line.join(' ')}`);
}

export async function runService(context: CommandContext, action: string, options: ServiceOptions, env: Env): Promise<void> {
  const { output } = context;
  if (action !== 'install' && action !== 'uninstall')
    throw new InputError('action', `"${action}" is not install or uninstall`, 'devdns service install');
  const platform = platformOf(options.platform);
  const target = serviceTarget(context, platform, env);
  const { path } = target;
  const commands = serviceCommands(platform, path, target.name);
  const exists = refuseForeign(target);
  if (action === 'install') {
    const userHome = env.HOME ?? homedir();
    const text = serviceFile(
      {
        platform,
        node: process.execPath,
        bin: DEVDNS_BIN,
        home: target.home,
        logPath: daemonLogPath(context.home),
        userHome,
        xdgConfigHome: env.XDG_CONFIG_HOME,
      },
      target.name,
    );
    const checkout = checkoutOf(DEVDNS_BIN);
    if (checkout !== undefined)
      output.warn(
        `this devdns runs from a checkout (${checkout}), not an installed copy: the service stops working if it moves; install a copy: in the clone, npm install -g "$(npm pack --silent)"`,
      );
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
  if (!exists) {
    output.info(`no devdns service is installed for ${target.home ?? target.defaultHome} (${path} does not exist)`);
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
