// `devdns up`: start the daemon in the background and say where it listens; with --foreground,
// run it in this terminal (for launchd and systemd too) until Ctrl-C, SIGTERM or `devdns down`.

import { AlreadyRunningError, startDaemon } from '../../daemon/daemon.js';
import { RateLimiter } from '../../daemon/daemon-log.js';
import type { AnsweredQuery } from '../../daemon/dns-service.js';
import { DAEMON_ENV, daemonLogPath, launchDaemon } from '../../daemon/launcher.js';
import { type QueryLogEntry, toLogEntry } from '../../daemon/query-log.js';
import { type DaemonSources, type DaemonState, lookupDaemon } from '../../daemon/state.js';
import { readJournal } from '../../os/journal.js';
import { isLoopback, parseListenAddress } from '../../records/listen-address.js';
import { parseInteger } from '../../records/record-input.js';
import { effective, loadSettings } from '../../store/settings.js';
import type { CommandContext } from '../context.js';
import { packageVersion } from '../version.js';

export interface UpOptions {
  foreground?: boolean;
  host?: string;
  port?: string;
  controlPort?: string;
  allowLan?: boolean;
}

/** `127.0.0.1#53124 udp myapp.test A NOERROR 127.0.0.1 85µs` */
export function formatQueryLine(entry: Omit<QueryLogEntry, 'time'>): string {
  return `${entry.client} ${entry.transport} ${entry.name} ${entry.type} ${entry.rcode}${entry.answer.length > 0 ? ` ${entry.answer.join(', ')}` : ''} ${entry.micros}µs`;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

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
  if (journal && journal.port !== port) {
    context.output.warn(
      `devdns setup sent ${journal.tlds.map((tld) => `.${tld}`).join(', ')} to port ${journal.port}, but devdns listens on ${port}: run devdns setup again (or devdns restart --port ${journal.port})`,
    );
  }
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
  const listen = listenOptions(context.home, options);
  if (!isLoopback(listen.host))
    output.warn(`devdns will listen on ${listen.host}, reachable from the network: anyone there can query your names`);
  const running = lookupDaemon(context.home);
  if (running.kind === 'stale')
    output.info(`removed a stale state file${running.state ? ` (devdns pid ${running.state.pid} was not running)` : ''}`);
  if (running.kind === 'running') {
    output.info(`devdns is already running (pid ${running.state.pid})`);
    describeRunning(context, running.state);
    return;
  }
  if (!options.foreground) {
    const state = await output.withSpinner('starting devdns', () => launchDaemon(context.home, listen.args));
    output.success(`devdns is running (pid ${state.pid})`);
    describeRunning(context, state);
    return;
  }
  await runForeground(context, listen, env[DAEMON_ENV] === '1');
}

/** Queries shown a second in the foreground; a flood gets a count instead of a line each. */
const SHOWN_QUERIES_PER_SECOND = 50;

/**
 * The foreground daemon's query lines on stdout, limited like the daemon log: stdout may be a
 * file (`up --foreground > log`), which a flood of datagrams must not fill.
 */
function showQueries(output: CommandContext['output']): (query: AnsweredQuery) => void {
  const limiter = new RateLimiter(SHOWN_QUERIES_PER_SECOND);
  let _timer: NodeJS.Timeout | undefined;
  const report = () => {
    _timer = undefined;
    for (const [, count] of limiter.takeSuppressed()) output.info(`(${count} more queries not shown; devdns logs has them)`);
  };
  return (query) => {
    if (limiter.admit('query')) output.data(formatQueryLine(toLogEntry(query)));
    else _timer ??= setTimeout(report, 1000).unref();
  };
}

async function runForeground(context: CommandContext, listen: ListenOptions, detached: boolean): Promise<void> {
  const { output } = context;
  // In the background the log file gets timestamps, and queries go to the query log only.
  const note = detached ? (line: string) => output.info(`${new Date().toISOString()} ${line}`) : (line: string) => output.info(line);
  // Listen for the stop signals before anything can announce readiness: a SIGTERM that comes
  // the moment "serving" is printed must stop the daemon cleanly, not kill it.
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of signals) process.on(name, signalled);
  try {
    let daemon: Awaited<ReturnType<typeof startDaemon>>;
    try {
      daemon = await startDaemon({
        home: context.home,
        dnsHost: listen.host,
        dnsPort: listen.port,
        controlPort: listen.controlPort,
        sources: listen.sources,
        version: packageVersion(),
        ...(detached ? {} : { onQuery: showQueries(output) }),
        onMessage: note,
      });
    } catch (error) {
      if (!(error instanceof AlreadyRunningError)) throw error;
      output.info(error.message);
      return;
    }
    const { state } = daemon;
    note(
      `devdns: serving DNS on ${hostPort(state.dns.host, state.dns.port)} (UDP and TCP), control API on ${hostPort(state.control.host, state.control.port)}, pid ${state.pid}`,
    );
    if (!detached) {
      output.info('press Ctrl-C to stop');
      warnIfRoutedElsewhere(context, state.dns.port);
    }
    // SIGHUP: the terminal closed under a foreground daemon (a detached one never gets it from one).
    await Promise.race([signal, daemon.stopRequested]);
    await daemon.stop();
    note('devdns: stopped');
  } finally {
    for (const name of signals) process.off(name, signalled);
  }
}
