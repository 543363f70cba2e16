// The daemon: the DNS service, the control API and the query log, started and stopped together.
// The state file is written only once both servers are bound and removed on stop; a start that
// fails half-way closes what it opened. Foreground (`up --foreground`) and background (`up`) both
// run exactly this.
import { CONTROL_HOST, type StatusBody } from '../control/protocol.js';
import { type ControlLimits, type ControlServer, startControlServer } from '../control/server.js';
import { chooseSocketPlace } from '../control/socket-place.js';
import type { DnsLimits } from '../dns/server.js';
import { DevdnsError, PortInUseError } from '../errors.js';
import { readJournalOrNone, recordedUpstreams } from '../os/journal.js';
import { findPortOwner } from '../os/port-owner.js';
import { overrideRoutes } from '../os/resolvers.js';
import { processStart } from '../platform/processes.js';
import type { RecordFile } from '../records/types.js';
import { HOME_FILES, homePath } from '../store/paths.js';
import { loadSettings } from '../store/settings.js';
import { buildHandlers } from './api-handlers.js';
import { DAEMON_ENV, DaemonLog, keepOutputFailuresFromStopping, LogFile, type LogKind } from './daemon-log.js';
import { type AnsweredQuery, type DnsService, startDnsService } from './dns-service.js';
import { setUpForwarding } from './forwarding.js';
import { describeHostsSync, syncHostsRoute } from './hosts-route.js';
import { QueryLog } from './query-log.js';
import { type DaemonSources, type DaemonState, ensurePrivateHome, lookupDaemon, newToken, removeState, writeState } from './state.js';

export interface DaemonOptions {
  home: string;
  dnsHost: string;
  dnsPort: number;
  controlPort: number;
  sources?: DaemonSources;
  version: string;
  /** What DNS and control clients may hold; the servers' defaults when not given. */
  dnsLimits?: DnsLimits;
  controlLimits?: Partial<ControlLimits>;
  onQuery?: (query: AnsweredQuery) => void;
  /** Reloads and problems worth a line in the daemon's log, rate-limited (when not logFile). */
  onMessage?: (line: string) => void;
  /**
   * The file the daemon writes those lines to itself, rotated, never fatal: by default its home's
   * daemon.log when the launcher started it (DEVDNS_DAEMON=1), else none (they go to onMessage).
   */
  logFile?: string;
}

export interface Daemon {
  state: DaemonState;
  /** Resolves when a client asks the daemon to stop (POST /stop). */
  stopRequested: Promise<void>;
  stop(): Promise<void>;
}

/** Already running for this home: not an error for `up` (it says so and exits 0). */
export class AlreadyRunningError extends DevdnsError {
  constructor(readonly state: DaemonState) {
    super(
      'already-running',
      `devdns is already running (pid ${state.pid}, DNS on ${state.dns.host}:${state.dns.port})`,
      'devdns status shows more',
      0,
    );
  }
}

/** "UDP port 9090 ... is in use" becomes "... is in use by another devdns (pid 12)" when that can be seen. */
async function explainPortInUse(error: PortInUseError): Promise<DevdnsError> {
  const owner = await findPortOwner(error.port);
  if (!owner) return error;
  const who = owner.isDevdns ? `another devdns (pid ${owner.pid})` : `pid ${owner.pid} (${owner.command || 'unknown'})`;
  const flag = error.transport.startsWith('control') ? '--control-port' : '--port';
  const fix = owner.isDevdns
    ? `stop it (devdns down, with its DEVDNS_HOME) or choose another ${flag}`
    : `choose another ${flag}, or stop pid ${owner.pid}`;
  return new DevdnsError('port-in-use', `${error.message} by ${who}`, fix);
}

/** The override routes setup put in the OS, from its journal: none when there is none or it cannot be read. */
function journalledOverrideRoutes(home: string): readonly string[] {
  const journal = readJournalOrNone(home);
  return journal === undefined || journal.undoing ? [] : overrideRoutes(journal.tlds);
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { home } = options;
  ensurePrivateHome(home);
  const existing = lookupDaemon(home);
  if (existing.kind === 'running') throw new AlreadyRunningError(existing.state);
  const logFile = options.logFile ?? (process.env[DAEMON_ENV] === '1' ? homePath(home, 'daemonLog') : undefined);
  const file = logFile === undefined ? undefined : new LogFile(logFile);
  const onMessage = options.onMessage ?? (() => undefined);
  const log = new DaemonLog({ write: file ? (line) => file.append(line) : onMessage });
  const message = (kind: LogKind, line: string) => log.log(kind, line);
  const restoreOutput = keepOutputFailuresFromStopping((stream, error) => message('output', `cannot write to ${stream}: ${error.message}`));
  const closeLog = () => {
    log.close();
    file?.close();
    restoreOutput();
  };
  const settings = loadSettings(home);
  const maxFileBytes = settings.logSize;
  // Before anything opens: an upstream that is devdns itself stops the start with its reason.
  let forwarded = 0;
  const { forwarding, summary: forwardingSummary } = setUpForwarding(
    settings,
    { host: options.dnsHost, port: options.dnsPort },
    () => {
      forwarded++;
    },
    { recorded: recordedUpstreams(readJournalOrNone(home)) },
  );
  const queryLog = new QueryLog(homePath(home, 'queryLog'), {
    maxFileBytes,
    onError: (error) => message('query-log', `query log: ${error.message}`),
  });

  let service: DnsService | undefined;
  let control: ControlServer | undefined;
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  const startedAt = new Date();
  const token = newToken();
  const syncHosts = (served: () => RecordFile, daemonKeeps = true) => {
    const line = describeHostsSync(syncHostsRoute(home, served, { daemonKeeps }));
    if (line !== undefined) message('hosts', line);
  };
  try {
    service = await startDnsService({
      home,
      host: options.dnsHost,
      port: options.dnsPort,
      limits: options.dnsLimits,
      forwarding: {
        ...forwarding,
        routes: () => journalledOverrideRoutes(home),
        routesFile: HOME_FILES.journal,
        // A setup just written may route through the hosts file, which it wrote without the records
        // that end: the daemon, which takes them out at their end, writes them in.
        onRoutesFile: () => {
          if (service) syncHosts(() => (service as DnsService).served());
        },
      },
      logging: settings.logQueries,
      onQuery: (query) => {
        queryLog.record(query);
        options.onQuery?.(query);
      },
      onReload: (served, count) => {
        message('reload', `records reloaded: ${count}`);
        syncHosts(served);
      },
      onProblem: (error) => message('records', `${error.message}; still serving the last good records`),
      onBadMessage: (reason, address, port, transport) => message('dns-dropped', `DNS ${transport} from ${address}#${port} ${reason}`),
      onServerError: (error) => message('dns', `DNS server: ${error.message}`),
    });
    const dns = service;
    message('forward', forwardingSummary);
    const status = (): StatusBody => ({
      running: true,
      pid: process.pid,
      version: options.version,
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      dns: { host: dns.host, port: dns.port },
      control: { host: CONTROL_HOST, port: control?.port ?? 0 },
      controlSocket: control?.socketPath ?? null,
      records: dns.recordCount(),
      queries: dns.answered(),
      recordsFile: dns.recordsPath,
      recordsError: dns.recordsError() ?? null,
      logFile: homePath(home, 'daemonLog'),
      queryLogFile: homePath(home, 'queryLog'),
      forwarding: {
        mode: settings.forward,
        forwarded,
        ...(({ upstreams, cache }) => ({ upstreams, cache }))(forwarding.forwarder.stats()),
      },
      ...(options.sources ? { sources: options.sources } : {}),
    });
    control = await startControlServer({
      host: CONTROL_HOST,
      port: options.controlPort,
      // The CLI's own way in, which no other user can open (TCP stays for scripts and Windows).
      socket: chooseSocketPlace(home),
      token,
      limits: options.controlLimits,
      handlers: buildHandlers({ home, service: dns, queryLog, status, requestStop: () => requestStop() }),
      onError: (error) => message('control', `control API: ${error.message}`),
    });
  } catch (error) {
    await control?.close();
    await service?.close();
    forwarding.forwarder.close();
    await queryLog.close();
    closeLog();
    throw error instanceof PortInUseError ? await explainPortInUse(error) : error;
  }

  const pidStart = processStart(process.pid);
  const state: DaemonState = {
    pid: process.pid,
    ...(pidStart === null ? {} : { pidStart }),
    version: options.version,
    startedAt: startedAt.toISOString(),
    dns: { host: service.host, port: service.port },
    control: { host: CONTROL_HOST, port: control.port },
    ...(control.socketPath === undefined ? {} : { controlSocket: control.socketPath }),
    token,
    home,
    ...(options.sources ? { sources: options.sources } : {}),
  };
  // Reading the records left garbage as large as they are, which V8 would keep until much later:
  // collected now, once, before anyone is told the daemon is there (a pause of 50-80 ms at 100,000
  // records). Only where node runs with --expose-gc, as the launcher and service files start it.
  (globalThis as { gc?: () => void }).gc?.();
  writeState(home, state);
  syncHosts(() => service.served());
  const opened = { service, control };
  let stopping: Promise<void> | undefined;
  return {
    state,
    stopRequested,
    stop: () => {
      stopping ??= (async () => {
        removeState(home, process.pid);
        await opened.control.close();
        await opened.service.close();
        // Nothing takes a record with an end out of the hosts-file route while devdns is down.
        syncHosts(() => opened.service.served(), false);
        forwarding.forwarder.close();
        await queryLog.close();
        closeLog();
      })();
      return stopping;
    },
  };
}
