// The daemon's process entry, which `devdns up --foreground` becomes: start the daemon, say where
// it serves, stop on Ctrl-C, SIGTERM, SIGHUP or `devdns down`. In a terminal it shows a line per
// query; started by the launcher (detached) its lines get timestamps in the daemon log, and a
// start that fails leaves one structured line there for the launcher to read.
import { asDevdnsError } from '../errors.js';
import { AlreadyRunningError, type Daemon, startDaemon } from './daemon.js';
import { RateLimiter } from './daemon-log.js';
import type { AnsweredQuery } from './dns-service.js';
import { type QueryLogEntry, toLogEntry } from './query-log.js';
import { formatStartFailure } from './start-failure.js';
import type { DaemonSources, DaemonState } from './state.js';

/** Where the daemon's lines go: messages (stderr, or the daemon log) and query lines (stdout). */
export interface DaemonPrinter {
  info(line: string): void;
  data(line: string): void;
}

export interface DaemonProcessOptions {
  home: string;
  listen: { host: string; port: number; controlPort: number; sources: DaemonSources };
  version: string;
  /** Started by the launcher: no terminal, its output is the daemon log. */
  detached: boolean;
  print: DaemonPrinter;
  /** Once serving in a terminal: what to tell the person watching it. */
  onServing?: (state: DaemonState) => void;
}

export const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** `127.0.0.1#53124 udp myapp.test A NOERROR 127.0.0.1 85µs` */
export function formatQueryLine(entry: Omit<QueryLogEntry, 'time'>): string {
  return `${entry.client} ${entry.transport} ${entry.name} ${entry.type} ${entry.rcode}${entry.answer.length > 0 ? ` ${entry.answer.join(', ')}` : ''} ${entry.micros}µs`;
}

/** Queries shown a second in the foreground; a flood gets a count instead of a line each. */
const SHOWN_QUERIES_PER_SECOND = 50;

/**
 * The foreground daemon's query lines on stdout, limited like the daemon log: stdout may be a
 * file (`up --foreground > log`), which a flood of datagrams must not fill.
 */
function showQueries(print: DaemonPrinter): (query: AnsweredQuery) => void {
  const limiter = new RateLimiter(SHOWN_QUERIES_PER_SECOND);
  let _timer: NodeJS.Timeout | undefined;
  const report = () => {
    _timer = undefined;
    for (const [, count] of limiter.takeSuppressed()) print.info(`(${count} more queries not shown; devdns logs has them)`);
  };
  return (query) => {
    if (limiter.admit('query')) print.data(formatQueryLine(toLogEntry(query)));
    else _timer ??= setTimeout(report, 1000).unref();
  };
}

/** Runs the daemon until it is told to stop; a daemon already running for the home is said, not an error. */
export async function runDaemonProcess(options: DaemonProcessOptions): Promise<void> {
  const { print, detached, listen } = options;
  // In the background the log file gets timestamps, and queries go to the query log only.
  const note = detached ? (line: string) => print.info(`${new Date().toISOString()} ${line}`) : (line: string) => print.info(line);
  // Listen for the stop signals before anything can announce readiness: a SIGTERM that comes
  // the moment "serving" is printed must stop the daemon cleanly, not kill it.
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of signals) process.on(name, signalled);
  try {
    let daemon: Daemon;
    try {
      daemon = await startDaemon({
        home: options.home,
        dnsHost: listen.host,
        dnsPort: listen.port,
        controlPort: listen.controlPort,
        sources: listen.sources,
        version: options.version,
        ...(detached ? {} : { onQuery: showQueries(print) }),
        onMessage: note,
      });
    } catch (error) {
      if (error instanceof AlreadyRunningError) {
        print.info(error.message);
        return;
      }
      // For the launcher, which rebuilds the error from this line; the person reads the usual one too.
      if (detached) note(formatStartFailure(asDevdnsError(error)));
      throw error;
    }
    const { state } = daemon;
    note(
      `devdns: serving DNS on ${hostPort(state.dns.host, state.dns.port)} (UDP and TCP), control API on ${hostPort(state.control.host, state.control.port)}, pid ${state.pid}`,
    );
    if (!detached) options.onServing?.(state);
    // SIGHUP: the terminal closed under a foreground daemon (a detached one never gets it from one).
    await Promise.race([signal, daemon.stopRequested]);
    await daemon.stop();
    note('devdns: stopped');
  } finally {
    for (const name of signals) process.off(name, signalled);
  }
}
