// `devdns doctor`'s facts, gathered once: the daemon's state, the settings, the records and what is
// served, the setup journal, the hosts file, the route and a system-resolver lookup for each TLD,
// and for overrides whether the system resolver validates DNSSEC and the real zones are signed.
// The only part of doctor that does I/O; checks.ts turns the facts into checks.
import { lookup } from 'node:dns/promises';
import { lookupDaemon } from '../daemon/state.js';
import { askTcp, askUdp } from '../dns/client.js';
import { QTYPE } from '../dns/protocol.js';
import { PROBE_LABEL } from '../dns/zone-index.js';
import { BLOCK_BEGIN, defaultHostsPath, hostsBlock, routeBlockState } from '../os/hosts-file.js';
import { type Journal, journalPlan, readJournal, recordedUpstreams, routedPort as routedPortOf } from '../os/journal.js';
import { findPortOwner } from '../os/port-owner.js';
import { describeUnrouted, detectResolver, domainsToRoute, overrideRoutes, type ResolverKind } from '../os/resolvers.js';
import { SystemAccess } from '../os/system.js';
import { systemResolverOptions } from '../os/system-upstreams.js';
import type { RecordFile } from '../records/types.js';
import { loadServedRecords } from '../store/projects.js';
import { RecordStore } from '../store/record-store.js';
import { loadSettings, type Settings } from '../store/settings.js';
import {
  CHECKS,
  type Check,
  type DnssecFacts,
  type DoctorFacts,
  type EveryNameFacts,
  type Outcome,
  probeFor,
  type Route,
} from './checks.js';
import { anchorFor, detectValidation, findZoneSigning, upstreamAsker, type ZoneSigning } from './dnssec.js';

export type { Check } from './checks.js';

export interface DoctorOptions {
  home: string;
  hostsFile?: string;
  /** The platform whose resolver and commands apply (this one unless a test says). */
  platform?: NodeJS.Platform;
  /** Name lookups through the system resolver (getaddrinfo); replaceable in tests. */
  resolve?: (name: string) => Promise<string[]>;
  /** Where the system's files are read when no setup journal says (a test's tree); `/` unless a test says. */
  systemRoot?: string;
  /** The real zone holding an overridden name and whether it is signed; by default asked of the upstream. */
  zoneSigning?: (name: string) => Promise<ZoneSigning>;
}

const systemLookup = async (name: string): Promise<string[]> =>
  (await lookup(name, { all: true, family: 4 })).map((entry) => entry.address);

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([promise, timeout]);
}

async function outcome<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
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
  return resolver === 'macos'
    ? new RegExp(`^\\s*domain\\s*:\\s*${tld.replaceAll('.', '\\.')}\\s*$`, 'm').test(result.stdout)
    : result.stdout.includes(`~${tld}`);
}

/** How a TLD is routed: by the files setup journalled (still as written, and listed live), else the hosts file. */
async function findRoute(
  tld: string,
  journal: Journal | undefined,
  hostsPath: string,
  hostsBlockPresent: boolean,
  file: RecordFile | undefined,
  daemonRunning: boolean,
): Promise<Route> {
  if (journal?.tlds.includes(tld)) {
    // A setup made for a --root tree (a test, a chroot) does not route this system.
    if (journal.root !== '/') return { kind: 'elsewhere', root: journal.root };
    const system = new SystemAccess(journal.root);
    const { hostsFile } = journalPlan(journal);
    if (hostsFile !== undefined) {
      const block = hostsBlock(file?.records ?? [], journal.tlds, { daemonKeeps: daemonRunning });
      return {
        kind: 'hosts-route',
        hostsPath: system.path(hostsFile),
        block: file === undefined ? { kind: 'current' } : routeBlockState(hostsFile, file.records, journal.tlds, system, daemonRunning),
        missing: block.skipped.filter((skip) => skip.name === tld || skip.name.endsWith(`.${tld}`)).map((skip) => skip.name),
      };
    }
    const missing = journal.files.filter((entry) => !system.exists(entry.path)).map((entry) => entry.path);
    const changed = journal.files
      .filter((entry) => system.exists(entry.path) && system.readBytes(entry.path)?.toString('base64') !== entry.after)
      .map((entry) => entry.path);
    if (missing.length > 0 || changed.length > 0) return { kind: 'files-changed', missing, changed };
    if ((await liveRoute(system, journal.resolver, tld)) === false) return { kind: 'not-listed', resolver: journal.resolver };
    return { kind: 'resolver', resolver: journal.resolver, port: journal.port };
  }
  return hostsBlockPresent ? { kind: 'hosts-file', hostsPath } : { kind: 'none' };
}

/** setup --all on this system: its file as written, the forward setting, and resolv.conf's timeout. */
function everyNameFacts(journal: Journal, forward: EveryNameFacts['forward']): EveryNameFacts {
  const system = new SystemAccess(journal.root);
  const entry = journal.files[0];
  return {
    resolver: journal.resolver,
    file: system.path(entry?.path ?? ''),
    inPlace: journal.files.every((file) => system.readBytes(file.path)?.toString('base64') === file.after),
    forward,
    ...systemResolverOptions(),
  };
}

export async function gatherFacts(options: DoctorOptions): Promise<DoctorFacts> {
  const resolveName = options.resolve ?? systemLookup;
  const settings = loadSettings(options.home);
  const daemon = lookupDaemon(options.home);
  // A journal that fails its checks is left to setup and teardown to report; doctor checks the files.
  const journalRead = await outcome(() => readJournal(options.home));
  const journal = journalRead.ok ? journalRead.value : undefined;
  const running = daemon.kind === 'running' ? daemon.state : undefined;
  // The hosts file and a --root tree route no port of this system.
  const routedPort = (journal?.root === '/' ? journal && routedPortOf(journal) : undefined) ?? running?.dns.port ?? settings.dnsPort;
  const platform = options.platform ?? process.platform;
  const resolver =
    journal?.root === '/' ? journal.resolver : detectResolver(new SystemAccess(options.systemRoot ?? '/'), platform).resolver;

  const answers: DoctorFacts['answers'] = [];
  if (running) {
    const { host, port } = running.dns;
    for (const [transport, ask] of [
      ['udp', askUdp],
      ['tcp', askTcp],
    ] as const) {
      answers.push({ transport, answer: await outcome(async () => (await ask(host, port, `${PROBE_LABEL}.test`, QTYPE.A)).addresses) });
    }
  }
  const portOwner = running && running.dns.port === routedPort ? undefined : await findPortOwner(routedPort);
  const records = await outcome(() => new RecordStore(options.home, { checkInFull: true }).read());
  const file = records.ok ? records.value : undefined;

  const served = file ? await outcome(() => loadServedRecords(options.home, settings)) : undefined;
  const servedFile = served?.ok ? served.value.file : undefined;
  const hostsPath = options.hostsFile ?? defaultHostsPath();
  const hostsBlockPresent = (new SystemAccess('/').readFile(hostsPath) ?? '').includes(BLOCK_BEGIN);
  const tlds: DoctorFacts['tlds'] = [];
  // Only the user's zones: a file that does not parse leaves .test, the zone devdns always has.
  // What is served (a linked project's overrides too) is what setup routes.
  const routedZones = (servedFile ?? file)?.zones;
  const routes = routedZones ? domainsToRoute(routedZones) : { domains: ['test'], unrouted: [] };
  for (const tld of routes.domains) {
    const route = await findRoute(tld, journal, hostsPath, hostsBlockPresent, servedFile, running !== undefined);
    const probe = probeFor(tld, route, servedFile ?? file);
    tlds.push({ tld, route, probe, lookup: await outcome(() => withDeadline(resolveName(probe.name), 3_000, probe.name)) });
  }
  const everyName = journal?.all && journal.root === '/' && !journal.undoing ? everyNameFacts(journal, settings.forward) : undefined;
  // Routes setup made for overrides that have since ended: the OS still sends those names to devdns.
  const wanted = routedZones ? routes.domains : [];
  const staleRoutes = journal && !journal.undoing ? overrideRoutes(journal.tlds).filter((domain) => !wanted.includes(domain)) : [];
  const own = running?.dns ?? { host: settings.dnsHost, port: settings.dnsPort };
  // Served domains setup leaves out of the route: no route to check, and no lookup that could find one.
  const unrouted = routes.unrouted.map((domain) => ({ domain: domain.domain, ...describeUnrouted(domain, own.host, routedPort) }));
  const dnssec = await gatherDnssec(options, settings, own, resolver, tlds, journal);
  return { running, resolver, routedPort, answers, portOwner, records, tlds, served, everyName, staleRoutes, unrouted, dnssec };
}

/**
 * Overrides against a validating resolver: its files read, and the upstream asked about the real
 * zones only for overrides a validating resolver would check (not exempted, not in the hosts file).
 */
async function gatherDnssec(
  options: DoctorOptions,
  settings: Settings,
  own: { host: string; port: number },
  resolver: ResolverKind,
  tlds: DoctorFacts['tlds'],
  journal: Journal | undefined,
): Promise<DnssecFacts | undefined> {
  const overrides = overrideRoutes(tlds.map((facts) => facts.tld));
  const validation = detectValidation(new SystemAccess(options.systemRoot ?? '/'), resolver);
  const viaHosts = (name: string) => ['hosts-file', 'hosts-route'].includes(tlds.find((facts) => facts.tld === name)?.route.kind ?? '');
  const needed = overrides.filter((name) => validation.validates && !anchorFor(name, validation) && !viaHosts(name));
  const asker =
    needed.length > 0 && !options.zoneSigning
      ? await outcome(() => upstreamAsker(settings.upstream, own, { recorded: recordedUpstreams(journal) }))
      : undefined;
  const signing = options.zoneSigning ?? (asker?.ok ? (name: string) => findZoneSigning(name, asker.value.ask) : undefined);
  const facts: DnssecFacts = { validation, upstream: asker?.ok ? asker.value.label : undefined, overrides: [] };
  try {
    for (const name of overrides) {
      const zone: Outcome<ZoneSigning> | undefined = !needed.includes(name)
        ? undefined
        : signing
          ? await outcome(() => signing(name))
          : { ok: false, error: asker && !asker.ok ? asker.error : new Error('no upstream to ask') };
      facts.overrides.push({ name, zone });
    }
  } finally {
    if (asker?.ok) asker.value.close();
  }
  return facts;
}

/** Every check, over facts gathered once. */
export async function runChecks(options: DoctorOptions): Promise<Check[]> {
  const facts = await gatherFacts(options);
  return CHECKS.flatMap((check) => check(facts));
}
