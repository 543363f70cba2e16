// `devdns doctor`'s checks, each layer in order: the daemon, its answers over UDP and TCP, its
// port, the records file, the OS route for each TLD, the system resolver end to end, and TLDs
// that are risky. Each check says what it saw and, when it fails, the fix.
import { lookup } from 'node:dns/promises';
import { lookupDaemon } from '../daemon/state.js';
import { askTcp, askUdp } from '../dns/client.js';
import { QTYPE } from '../dns/protocol.js';
import { PROBE_ADDRESS, PROBE_LABEL } from '../dns/zone-index.js';
import { isLoopback } from '../records/listen-address.js';
import type { RecordFile } from '../records/types.js';
import { riskyZones } from '../records/zones.js';
import { describeConflict, loadServedRecords } from '../store/projects.js';
import { RecordStore } from '../store/record-store.js';
import { BLOCK_BEGIN, defaultHostsPath } from './hosts-file.js';
import { readJournal } from './journal.js';
import { findPortOwner } from './port-owner.js';
import { SystemAccess } from './system.js';

export interface Check {
  id: string;
  /** warn: worth knowing, not a failure (doctor still exits 0). */
  status: 'ok' | 'fail' | 'skip' | 'warn';
  message: string;
  fix?: string;
}

export interface DoctorOptions {
  home: string;
  /** The DNS port devdns should be on when no daemon runs (default 9090). */
  defaultPort: number;
  hostsFile?: string;
  /** Name lookups through the system resolver (getaddrinfo); replaceable in tests. */
  resolve?: (name: string) => Promise<string[]>;
}

const systemLookup = async (name: string): Promise<string[]> =>
  (await lookup(name, { all: true, family: 4 })).map((entry) => entry.address);

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([promise, timeout]);
}

/** The TLDs devdns serves, from its zones (localhost and reverse zones need no routing). */
function servedTlds(file: RecordFile | undefined): string[] {
  const zones = file ? Object.keys(file.zones) : ['test'];
  return [...new Set(zones.map((zone) => zone.split('.').at(-1) ?? zone))].filter((tld) => tld !== 'localhost' && tld !== 'arpa');
}

export async function runChecks(options: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (check: Check) => checks.push(check);
  const resolveName = options.resolve ?? systemLookup;
  const daemon = lookupDaemon(options.home);
  const journal = (() => {
    try {
      return readJournal(options.home);
    } catch {
      return undefined;
    }
  })();
  const running = daemon.kind === 'running' ? daemon.state : undefined;
  const routedPort = journal?.port ?? running?.dns.port ?? options.defaultPort;

  // 1. The daemon.
  if (running) add({ id: 'daemon', status: 'ok', message: `devdns is running (pid ${running.pid})` });
  else add({ id: 'daemon', status: 'fail', message: 'devdns is not running', fix: 'devdns up' });

  // 2. It answers, over UDP and over TCP.
  for (const [transport, ask] of [
    ['udp', askUdp],
    ['tcp', askTcp],
  ] as const) {
    const id = `answers-${transport}`;
    if (!running) {
      add({ id, status: 'skip', message: `${transport.toUpperCase()} answers: skipped while devdns is not running` });
      continue;
    }
    const { host, port } = running.dns;
    try {
      const answer = await ask(host, port, `${PROBE_LABEL}.test`, QTYPE.A);
      const ok = answer.addresses.includes(PROBE_ADDRESS);
      add({
        id,
        status: ok ? 'ok' : 'fail',
        message: `${transport.toUpperCase()} ${host}:${port} ${ok ? 'answers' : 'answers wrongly'}`,
        ...(ok ? {} : { fix: 'devdns restart' }),
      });
    } catch (error) {
      add({
        id,
        status: 'fail',
        message: `${transport.toUpperCase()} ${host}:${port}: ${(error as Error).message}`,
        fix: 'devdns restart; if that fails, see devdns logs and the daemon log',
      });
    }
  }

  // 3. The port the system is routed to is devdns's, not another program's.
  if (running && running.dns.port === routedPort) {
    add({ id: 'port', status: 'ok', message: `port ${routedPort} is devdns's` });
  } else {
    const owner = await findPortOwner(routedPort);
    if (owner && !owner.isDevdns) {
      add({
        id: 'port',
        status: 'fail',
        message: `port ${routedPort} is held by pid ${owner.pid} (${owner.command || 'unknown'})`,
        fix: `stop it, or run devdns on another port (devdns up --port N) and then devdns setup again`,
      });
    } else if (running) {
      add({
        id: 'port',
        status: 'fail',
        message: `the system is routed to port ${routedPort}, but devdns listens on ${running.dns.port}`,
        fix: `devdns setup (again), or devdns restart --port ${routedPort}`,
      });
    } else {
      add({ id: 'port', status: 'ok', message: `port ${routedPort} is free for devdns` });
    }
  }

  // 4. The records file.
  let file: RecordFile | undefined;
  try {
    file = new RecordStore(options.home).read();
    add({ id: 'records', status: 'ok', message: `the records file parses (${file.records.length} records)` });
  } catch (error) {
    add({ id: 'records', status: 'fail', message: (error as Error).message, fix: 'fix the file by hand (devdns ls says where)' });
  }

  // 5. Each TLD is routed to devdns by the OS, and 6. the system resolver really gets there.
  const hostsPath = options.hostsFile ?? defaultHostsPath();
  const hostsBlockPresent = (new SystemAccess('/').readFile(hostsPath) ?? '').includes(BLOCK_BEGIN);
  for (const tld of servedTlds(file)) {
    const route = await routeCheck(tld, journal, hostsBlockPresent, hostsPath);
    add(route);
    const viaHosts = route.status === 'ok' && route.message.includes('hosts file');
    const probe = viaHosts ? file?.records.find((r) => r.type === 'A' && r.name.endsWith(`.${tld}`) && !r.name.startsWith('*')) : undefined;
    const name = probe?.name ?? `${PROBE_LABEL}.${tld}`;
    const expected = probe?.type === 'A' ? probe.address : PROBE_ADDRESS;
    try {
      const addresses = await withDeadline(resolveName(name), 3_000, name);
      const ok = addresses.includes(expected);
      add({
        id: `system-resolver-${tld}`,
        status: ok ? 'ok' : 'fail',
        message: ok
          ? `the system resolver gets .${tld} names from devdns (${name} is ${expected})`
          : `the system resolver answers ${name} with ${addresses.join(', ')}, not devdns's ${expected}`,
        ...(ok ? {} : { fix: 'devdns setup, then devdns doctor again' }),
      });
    } catch (error) {
      add({
        id: `system-resolver-${tld}`,
        status: 'fail',
        message: `the system resolver cannot find ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        fix: running ? 'devdns setup (on macOS, scutil --dns should list the domain)' : 'devdns up, then devdns setup',
      });
    }
  }

  // 7. TLDs and names that cause trouble whatever devdns does, from every source that is served.
  let served: ReturnType<typeof loadServedRecords> | undefined;
  let servedError: Error | undefined;
  if (file) {
    try {
      served = loadServedRecords(options.home);
    } catch (error) {
      servedError = error as Error;
    }
  }
  add(safetyCheck(served?.file ?? file));

  // 8. Linked projects: unreadable files, public names not agreed to, and names that two sources define.
  if (servedError) add({ id: 'projects', status: 'fail', message: servedError.message });
  for (const broken of served?.problems ?? [])
    add({
      id: 'projects',
      status: 'fail',
      message: `linked project left out: ${broken.message}`,
      fix: 'fix the file, or devdns unlink it',
    });
  for (const conflict of served?.conflicts ?? [])
    add({ id: 'conflicts', status: 'warn', message: `conflict: ${describeConflict(conflict)}` });
  return checks;
}

/**
 * What the resolver itself says it routes, where it can be asked: `scutil --dns` on macOS,
 * `resolvectl status` with systemd-resolved. Undefined when it cannot be asked.
 */
async function liveRoute(system: SystemAccess, resolver: string, tld: string): Promise<boolean | undefined> {
  if (system.root !== '/') return undefined;
  const command = resolver === 'macos' ? ['scutil', '--dns'] : resolver === 'systemd-resolved' ? ['resolvectl', 'status'] : undefined;
  if (!command) return undefined;
  const result = await system.run(command).catch(() => undefined);
  if (result?.exitCode !== 0) return undefined;
  return resolver === 'macos' ? new RegExp(`^\\s*domain\\s*:\\s*${tld}\\s*$`, 'm').test(result.stdout) : result.stdout.includes(`~${tld}`);
}

async function routeCheck(
  tld: string,
  journal: ReturnType<typeof readJournal>,
  hostsBlockPresent: boolean,
  hostsPath: string,
): Promise<Check> {
  const id = `route-${tld}`;
  if (journal?.tlds.includes(tld)) {
    const system = new SystemAccess(journal.root);
    const missing = journal.files.filter((entry) => !system.exists(entry.path)).map((entry) => entry.path);
    const changed = journal.files
      .filter((entry) => system.exists(entry.path) && system.readBytes(entry.path)?.toString('base64') !== entry.after)
      .map((entry) => entry.path);
    if (missing.length > 0 || changed.length > 0) {
      return {
        id,
        status: 'fail',
        message: `.${tld}: ${[...missing, ...changed].join(', ')} ${missing.length > 0 ? 'is gone' : 'changed'} since devdns setup`,
        fix: 'devdns setup',
      };
    }
    const live = await liveRoute(system, journal.resolver, tld);
    if (live === false) {
      return {
        id,
        status: 'fail',
        message: `.${tld}: the files are in place, but ${journal.resolver === 'macos' ? 'scutil --dns' : 'resolvectl status'} does not list ~${tld}`,
        fix:
          journal.resolver === 'macos'
            ? 'sudo killall -HUP mDNSResponder, or re-save the file: devdns setup'
            : 'sudo systemctl restart systemd-resolved',
      };
    }
    return { id, status: 'ok', message: `.${tld} is routed to devdns (${journal.resolver}, port ${journal.port})` };
  }
  if (hostsBlockPresent) return { id, status: 'ok', message: `.${tld} names are in the hosts file (${hostsPath}; no wildcards there)` };
  return { id, status: 'fail', message: `.${tld} is not routed to devdns`, fix: `devdns setup --tld ${tld}, or devdns hosts sync` };
}

function safetyCheck(file: RecordFile | undefined): Check {
  const problems: string[] = [];
  for (const { zone, risk, wholeTld } of riskyZones(Object.keys(file?.zones ?? {}))) {
    const tld = zone.split('.').at(-1);
    if (risk === 'public')
      problems.push(
        `${zone} is ${wholeTld ? 'a whole public TLD: every real site under it is hidden' : `under .${tld}, a public TLD`}${tld === 'dev' || tld === 'app' ? ' that browsers force to HTTPS (HSTS preload)' : ''}`,
      );
    if (risk === 'mdns') problems.push(`${zone} is under .local, where mDNS (Bonjour) makes lookups stall`);
  }
  for (const record of file?.records ?? []) {
    if (
      (record.type === 'A' || record.type === 'AAAA') &&
      (record.name === 'localhost' || record.name.endsWith('.localhost')) &&
      !isLoopback(record.address)
    ) {
      problems.push(`${record.name} points at ${record.address}, but browsers send every .localhost name to loopback (RFC 6761)`);
    }
  }
  if (problems.length === 0) return { id: 'names', status: 'ok', message: 'no zone or name that browsers or mDNS will fight over' };
  return { id: 'names', status: 'fail', message: problems.join('; '), fix: 'move these names under .test' };
}
