// `devdns up`: start the daemon in the background and say where it listens; with --foreground,
// run it in this terminal (for launchd and systemd too) until Ctrl-C, SIGTERM or `devdns down`.

import { CONTROL_HOST } from '../../control/protocol.js';
import { DAEMON_ENV, daemonLogPath, launchDaemon } from '../../daemon/launcher.js';
import { hostPort, runDaemonProcess } from '../../daemon/main.js';
import { type DaemonSources, type DaemonState, lookupDaemon } from '../../daemon/state.js';
import { InputError } from '../../errors.js';
import { readJournal, routedPort } from '../../os/journal.js';
import { domainList } from '../../os/resolvers.js';
import { packageVersion } from '../../platform/package-version.js';
import { isLoopback, parseListenAddress } from '../../records/listen-address.js';
import { parseInteger } from '../../records/record-input.js';
import { effective, loadSettings } from '../../store/settings.js';
import type { CommandContext } from '../context.js';

export interface UpOptions {
  foreground?: boolean;
  host?: string;
  port?: string;
  controlPort?: string;
  allowLan?: boolean;
  json?: boolean;
}

/** What `up --json` prints: where the daemon listens, and whether this call started it. */
export function upJson(state: DaemonState, alreadyRunning: boolean) {
  return {
    running: true,
    alreadyRunning,
    pid: state.pid,
    dns: state.dns,
    control: state.control,
    controlSocket: state.controlSocket ?? null,
    logFile: daemonLogPath(state.home),
    version: state.version,
  };
}

function describeRunning(context: CommandContext, state: DaemonState): void {
  const { output } = context;
  output.info(`  DNS      ${hostPort(state.dns.host, state.dns.port)} (UDP and TCP)`);
  output.info(`  control  http://${hostPort(state.control.host, state.control.port)} (token: devdns token)`);
  output.info(`  log      ${daemonLogPath(state.home)}`);
  warnIfRoutedElsewhere(context, state.dns.port);
}

/** `devdns setup` wrote a port into the system's resolver: say so when the daemon is not on it. */
function warnIfRoutedElsewhere(context: CommandContext, port: number): void {
  let journal: ReturnType<typeof readJournal>;
  try {
    journal = readJournal(context.home);
  } catch {
    return;
  }
  if (journal && routedPort(journal) !== undefined && journal.port !== port) {
    context.output.warn(
      `devdns setup sent ${domainList(journal.tlds)} to port ${journal.port}, but devdns listens on ${port}: run devdns setup again (or devdns restart --port ${journal.port})`,
    );
  }
}

/** `up --port X` while the daemon runs elsewhere: the flag was not applied, and restart would apply it. */
function warnIfNotApplied(context: CommandContext, state: DaemonState, options: UpOptions): void {
  const asked = [
    ['--host', options.host, state.dns.host],
    ['--port', options.port, String(state.dns.port)],
    ['--control-port', options.controlPort, String(state.control.port)],
  ].filter(([, given, now]) => given !== undefined && given !== now && given !== '0');
  if (asked.length === 0) return;
  const flags = asked.map(([flag, given]) => `${flag} ${given}`).join(' ');
  context.output.warn(
    `${flags} not applied: devdns is already running with ${asked.map(([flag, , now]) => `${flag} ${now}`).join(' ')} (to move it: devdns restart ${flags})`,
  );
}

export interface ListenOptions {
  host: string;
  port: number;
  controlPort: number;
  /** The flags to hand a background daemon: only those the user gave, so its sources are right. */
  args: string[];
  sources: DaemonSources;
}

/** The listening addresses: a flag wins, then a setting (devdns config), then the default. */
export function listenOptions(home: string, options: UpOptions): ListenOptions {
  const settings = loadSettings(home);
  const hostChoice = effective(settings, 'dnsHost', options.host);
  const portChoice = effective(settings, 'dnsPort', options.port);
  const controlChoice = effective(settings, 'controlPort', options.controlPort);
  // A stored non-loopback host was accepted with --allow-lan when it was set.
  const allowLan = options.allowLan === true || hostChoice.source === 'setting';
  const { host, port } = parseListenAddress(String(hostChoice.value), portChoice.value, { allowLan });
  const controlPort = parseInteger(controlChoice.value, '--control-port', 0, 65535);
  // The control API listens on TCP too, on 127.0.0.1: one port cannot serve both.
  if (port !== 0 && port === controlPort && host === CONTROL_HOST) {
    throw new InputError(
      controlChoice.source === 'default' ? '--port' : '--control-port',
      `DNS and the control API would both use TCP port ${port}: they must differ`,
      `devdns up --port ${port} --control-port ${port === 9091 ? 9092 : port + 1}`,
    );
  }
  const args = [
    ...(options.host === undefined ? [] : ['--host', host]),
    ...(options.port === undefined ? [] : ['--port', String(port)]),
    ...(options.controlPort === undefined ? [] : ['--control-port', String(controlPort)]),
    ...(options.allowLan ? ['--allow-lan'] : []),
  ];
  return {
    host,
    port,
    controlPort,
    args,
    sources: { dnsHost: hostChoice.source, dnsPort: portChoice.source, controlPort: controlChoice.source },
  };
}

export async function runUp(context: CommandContext, options: UpOptions, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { output } = context;
  if (options.json && options.foreground)
    throw new InputError(
      '--json',
      'the foreground daemon prints query lines, not one JSON object',
      'use devdns up --json, or devdns status --json',
    );
  const listen = listenOptions(context.home, options);
  if (!isLoopback(listen.host))
    output.warn(`devdns will listen on ${listen.host}, reachable from the network: anyone there can query your names`);
  const running = lookupDaemon(context.home);
  if (running.kind === 'stale')
    output.info(`removed a stale state file${running.state ? ` (devdns pid ${running.state.pid} was not running)` : ''}`);
  if (running.kind === 'running') {
    warnIfNotApplied(context, running.state, options);
    if (options.json) output.json(upJson(running.state, true));
    else {
      output.info(`devdns is already running (pid ${running.state.pid})`);
      describeRunning(context, running.state);
    }
    return;
  }
  if (!options.foreground) {
    const state = await output.withSpinner('starting devdns', () => launchDaemon(context.home, listen.args));
    if (options.json) {
      output.json(upJson(state, false));
      warnIfRoutedElsewhere(context, state.dns.port);
      return;
    }
    output.success(`devdns is running (pid ${state.pid})`);
    describeRunning(context, state);
    return;
  }
  await runDaemonProcess({
    home: context.home,
    listen,
    version: packageVersion(),
    detached: env[DAEMON_ENV] === '1',
    print: output,
    onServing: (state) => {
      output.info('press Ctrl-C to stop');
      warnIfRoutedElsewhere(context, state.dns.port);
    },
  });
}
