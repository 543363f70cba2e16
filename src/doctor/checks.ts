// `devdns doctor`'s checks, each layer in order: the daemon, its answers over UDP and TCP, its
// port, the records file, the OS route for each TLD, the system resolver end to end, the fallback
// when setup --all routes every name to devdns, risky names, and linked projects. Each check is a pure function of the facts doctor.ts gathers once, and
// says what it saw and, when it fails, the fix.
import { syncCommand } from '../daemon/hosts-route.js';
import type { DaemonState } from '../daemon/state.js';
import { PROBE_ADDRESS, PROBE_LABEL } from '../dns/zone-index.js';
import type { HostsBlockState } from '../os/hosts-file.js';
import type { PortOwner } from '../os/port-owner.js';
import { domainList, RESOLVED_NEGATIVE_ANCHORS, type ResolverKind } from '../os/resolvers.js';
import { BUILTIN_ANCHORS_FILE } from '../os/systemd-files.js';
import { isLoopback } from '../records/listen-address.js';
import type { RecordFile } from '../records/types.js';
import { riskyZones } from '../records/zones.js';
import { describeConflict, type ServedRecords } from '../store/projects.js';
import { anchorFor, type Validation, type ZoneSigning } from './dnssec.js';

export interface Check {
  id: string;
  /** warn: worth knowing, not a failure (doctor still exits 0). */
  status: 'ok' | 'fail' | 'skip' | 'warn';
  message: string;
  fix?: string;
}

/** A value a probe got, or why it got none. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** How the OS sends a TLD's lookups to devdns, as doctor found it. */
export type Route =
  | { kind: 'resolver'; resolver: ResolverKind; port: number }
  /** Files setup wrote are gone or hold something else now. */
  | { kind: 'files-changed'; missing: string[]; changed: string[] }
  /** The files are in place, but the resolver itself does not list the TLD. */
  | { kind: 'not-listed'; resolver: ResolverKind }
  | { kind: 'hosts-file'; hostsPath: string }
  /** setup chose the hosts file: the daemon keeps its block, which is current, behind what is served, or cannot be used. */
  | { kind: 'hosts-route'; hostsPath: string; block: HostsBlockState; missing: string[] }
  /** The journal is for a --root tree: this system's resolver is not routed by it. */
  | { kind: 'elsewhere'; root: string }
  | { kind: 'none' };

/** A name looked up through the system resolver, and the address devdns answers it with. */
export interface Probe {
  name: string;
  expected: string;
}

export interface TldFacts {
  tld: string;
  route: Route;
  probe: Probe;
  lookup: Outcome<string[]>;
}

export interface DoctorFacts {
  running: DaemonState | undefined;
  /** The resolver this machine runs, as setup would detect it: which fixes and commands apply here. */
  resolver: ResolverKind;
  /** The port the system is routed to: the journal's, else the daemon's, else the setting. */
  routedPort: number;
  /** The daemon's answer to the probe name, per transport; empty while it is not running. */
  answers: Array<{ transport: 'udp' | 'tcp'; answer: Outcome<string[]> }>;
  /** What holds routedPort, asked only when the running daemon is not on it. */
  portOwner: PortOwner | undefined;
  records: Outcome<RecordFile>;
  tlds: TldFacts[];
  /** Every served source (user and linked projects), read when the records file parses. */
  served: Outcome<ServedRecords> | undefined;
  /** When setup --all routes every name on this system to devdns: its fallback, as doctor found it. */
  everyName?: EveryNameFacts | undefined;
  /** Override names setup routes to devdns that no override holds any more. */
  staleRoutes?: readonly string[];
  /** Served domains setup cannot route (resolvers.ts unroutable): what doctor says of each, and what to do instead. */
  unrouted?: ReadonlyArray<{ domain: string; message: string; fix: string }>;
  /** Overrides against a DNSSEC-validating resolver; undefined when there is no override. */
  dnssec?: DnssecFacts | undefined;
}

/** setup --all on this system: what stands behind devdns, and what a lookup waits while devdns is down. */
export interface EveryNameFacts {
  resolver: ResolverKind;
  /** The file setup wrote (for dnsmasq with its fallback order, strict-order) and where it is. */
  file: string;
  inPlace: boolean;
  /** The forward setting: with overrides, devdns refuses every name outside its zones. */
  forward: 'overrides' | 'all';
  /** /etc/resolv.conf's options: how long glibc waits for an answer before asking again, and how often. */
  timeout: number;
  attempts: number;
}

export interface DnssecFacts {
  validation: Validation;
  /** The upstream asked about the real zones, by its setting's text; undefined when none was asked. */
  upstream?: string | undefined;
  /** Each override's real zone and whether it is signed; undefined when there was no need to ask. */
  overrides: Array<{ name: string; zone: Outcome<ZoneSigning> | undefined }>;
}

/**
 * The name the system resolver is asked for a routed domain, and the address devdns gives it.
 * Through the hosts file, a real A record (no probe name there). For an override, one of its own
 * names (it has no probe name): an A or AAAA record at or under it, a wildcard's by a name it covers.
 */
export function probeFor(tld: string, route: Route, file: RecordFile | undefined): Probe {
  const under = (name: string) => name === tld || name.endsWith(`.${tld}`);
  if (tld.includes('.')) {
    const record = file?.records.find((r) => (r.type === 'A' || r.type === 'AAAA') && under(r.name));
    if (record?.type === 'A' || record?.type === 'AAAA')
      return { name: record.name.startsWith('*.') ? `${PROBE_LABEL}${record.name.slice(1)}` : record.name, expected: record.address };
  }
  const record =
    route.kind === 'hosts-file' || route.kind === 'hosts-route'
      ? file?.records.find((r) => r.type === 'A' && r.name.endsWith(`.${tld}`) && !r.name.startsWith('*'))
      : undefined;
  return record?.type === 'A'
    ? { name: record.name, expected: record.address }
    : { name: `${PROBE_LABEL}.${tld}`, expected: PROBE_ADDRESS };
}

function daemonCheck({ running }: DoctorFacts): Check[] {
  if (running) return [{ id: 'daemon', status: 'ok', message: `devdns is running (pid ${running.pid})` }];
  return [{ id: 'daemon', status: 'fail', message: 'devdns is not running', fix: 'devdns up' }];
}

/** It answers, over UDP and over TCP. */
function answerChecks({ running, answers }: DoctorFacts): Check[] {
  if (!running)
    return (['udp', 'tcp'] as const).map((transport) => ({
      id: `answers-${transport}`,
      status: 'skip',
      message: `${transport.toUpperCase()} answers: skipped while devdns is not running`,
    }));
  const { host, port } = running.dns;
  return answers.map(({ transport, answer }): Check => {
    const id = `answers-${transport}`;
    const where = `${transport.toUpperCase()} ${host}:${port}`;
    if (!answer.ok)
      return {
        id,
        status: 'fail',
        message: `${where}: ${answer.error.message}`,
        fix: 'devdns restart; if that fails, see devdns logs and the daemon log',
      };
    const ok = answer.value.includes(PROBE_ADDRESS);
    return {
      id,
      status: ok ? 'ok' : 'fail',
      message: `${where} ${ok ? 'answers' : 'answers wrongly'}`,
      ...(ok ? {} : { fix: 'devdns restart' }),
    };
  });
}

/** The port the system is routed to is devdns's, not another program's. */
function portCheck({ running, routedPort, portOwner }: DoctorFacts): Check[] {
  if (running && running.dns.port === routedPort) return [{ id: 'port', status: 'ok', message: `port ${routedPort} is devdns's` }];
  if (portOwner && !portOwner.isDevdns)
    return [
      {
        id: 'port',
        status: 'fail',
        message: `port ${routedPort} is held by pid ${portOwner.pid} (${portOwner.command || 'unknown'})`,
        fix: `stop it, or run devdns on another port (devdns up --port N) and then devdns setup again`,
      },
    ];
  if (running)
    return [
      {
        id: 'port',
        status: 'fail',
        message: `the system is routed to port ${routedPort}, but devdns listens on ${running.dns.port}`,
        fix: `devdns setup (again), or devdns restart --port ${routedPort}`,
      },
    ];
  return [{ id: 'port', status: 'ok', message: `port ${routedPort} is free for devdns` }];
}

function recordsCheck({ records }: DoctorFacts): Check[] {
  if (records.ok) return [{ id: 'records', status: 'ok', message: `the records file parses (${records.value.records.length} records)` }];
  return [{ id: 'records', status: 'fail', message: records.error.message, fix: 'fix the file by hand (devdns ls says where)' }];
}

function routeCheck(tld: string, route: Route, running: boolean): Check {
  const id = `route-${tld}`;
  const label = domainList([tld]);
  switch (route.kind) {
    case 'files-changed': {
      const { missing, changed } = route;
      return {
        id,
        status: 'fail',
        message: `${label}: ${[...missing, ...changed].join(', ')} ${missing.length > 0 ? 'is gone' : 'changed'} since devdns setup`,
        fix: 'devdns setup',
      };
    }
    case 'not-listed':
      return {
        id,
        status: 'fail',
        message: `${label}: the files are in place, but ${route.resolver === 'macos' ? 'scutil --dns' : 'resolvectl status'} does not list ~${tld}`,
        fix:
          route.resolver === 'macos'
            ? 'sudo killall -HUP mDNSResponder, or re-save the file: devdns setup'
            : 'sudo systemctl restart systemd-resolved',
      };
    case 'resolver':
      return { id, status: 'ok', message: `${label} is routed to devdns (${route.resolver}, port ${route.port})` };
    case 'hosts-file':
      return {
        id,
        status: 'ok',
        message: `${label} names are in the hosts file (${route.hostsPath}, by devdns hosts sync: run it again after a change; no wildcards there)`,
      };
    case 'hosts-route': {
      const ends = route.block.kind === 'current' ? (route.block.endsLeftOut ?? []) : [];
      const missing = [
        ...(route.missing.length > 0 ? [`; not there: ${route.missing.join(', ')} (a hosts file has no wildcards or aliases)`] : []),
        ...(ends.length > 0
          ? [`; not there: ${ends.join(', ')} (a name with an end is written only by the daemon, which may not write this file)`]
          : []),
      ].join('');
      if (route.block.kind === 'unusable')
        return {
          id,
          status: 'fail',
          message: `${label} is routed through the hosts file (${route.hostsPath}), but devdns cannot keep it in step: ${route.block.reason}`,
          fix: route.block.hint ?? `check ${route.hostsPath}`,
        };
      if (route.block.kind === 'behind')
        return {
          id,
          status: 'fail',
          message: `${label} is routed through the hosts file (${route.hostsPath}), but its devdns block is behind your records`,
          fix: running
            ? `${syncCommand(route.hostsPath)} (the daemon may not write it as you)`
            : `devdns up, or ${syncCommand(route.hostsPath)}`,
        };
      return {
        id,
        status: route.missing.length > 0 || ends.length > 0 ? 'warn' : 'ok',
        message: `${label} is routed through the hosts file (${route.hostsPath}, chosen by devdns setup; the daemon keeps it in step)${missing}`,
      };
    }
    case 'elsewhere':
      return {
        id,
        status: 'fail',
        message: `${label} is not routed on this system: devdns setup was run for the tree ${route.root} (--root), which this system does not read`,
        fix: `devdns teardown --root ${route.root}, then devdns setup`,
      };
    case 'none':
      return {
        id,
        status: 'fail',
        message: `${label} is not routed to devdns`,
        fix: tld.includes('.') ? 'devdns setup' : `devdns setup --tld ${tld}, or devdns hosts sync`,
      };
  }
}

/** How to see on this machine what the system resolver answers for a name (dig ignores most routes). */
export function verifyCommand(resolver: ResolverKind, name: string): string {
  switch (resolver) {
    case 'macos':
      return `dscacheutil -q host -a name ${name} (and scutil --dns should list the domain)`;
    case 'systemd-resolved':
      return `resolvectl query ${name}`;
    case 'windows':
      return `Resolve-DnsName ${name}`;
    default:
      return `getent hosts ${name}`;
  }
}

/** The system resolver really gets there. */
function resolverCheck({ tld, probe: { name, expected }, lookup }: TldFacts, running: boolean, resolver: ResolverKind): Check {
  const id = `system-resolver-${tld}`;
  if (!lookup.ok)
    return {
      id,
      status: 'fail',
      message: `the system resolver cannot find ${name} (${(lookup.error as NodeJS.ErrnoException).code ?? lookup.error.message})`,
      fix: `${running ? 'devdns setup' : 'devdns up, then devdns setup'}; then check: ${verifyCommand(resolver, name)}`,
    };
  const ok = lookup.value.includes(expected);
  return {
    id,
    status: ok ? 'ok' : 'fail',
    message: ok
      ? `the system resolver gets ${tld.includes('.') ? tld : `.${tld} names`} from devdns (${name} is ${expected})`
      : `the system resolver answers ${name} with ${lookup.value.join(', ')}, not devdns's ${expected}`,
    ...(ok ? {} : { fix: 'devdns setup, then devdns doctor again' }),
  };
}

/** Each TLD is routed to devdns by the OS, and the system resolver gets there. */
function routingChecks({ tlds, running, resolver }: DoctorFacts): Check[] {
  return tlds.flatMap((facts) => [
    routeCheck(facts.tld, facts.route, running !== undefined),
    resolverCheck(facts, running !== undefined, resolver),
  ]);
}

/**
 * setup --all: every name goes to devdns, so its fallback matters. With dnsmasq, its own servers
 * answer while devdns is down, after one resolver timeout per lookup; systemd-resolved has no
 * fallback by design (resolvers.ts says why), so while devdns is down every lookup fails.
 */
function everyNameCheck({ everyName, running, answers }: DoctorFacts): Check[] {
  if (!everyName) return [];
  const id = 'every-name';
  const { resolver, file, inPlace, forward, timeout, attempts } = everyName;
  const up = running !== undefined && answers.some(({ answer }) => answer.ok);
  const dnsmasq = resolver !== 'systemd-resolved';
  if (!inPlace)
    return [
      {
        id,
        status: 'fail',
        message: `setup --all's ${file} changed since devdns setup: every name may not go to devdns${dnsmasq ? ", or not fall back to dnsmasq's own servers while it is down" : ''}`,
        fix: 'devdns setup --all',
      },
    ];
  if (forward !== 'all')
    return [
      {
        id,
        status: 'fail',
        message: 'setup --all sends every name to devdns, but forward is overrides: devdns refuses every name outside its zones',
        fix: 'devdns config set forward all, or devdns teardown',
      },
    ];
  const wait = `${timeout} s (the resolver timeout, resolv.conf options timeout:${timeout})`;
  if (!dnsmasq)
    return up
      ? [
          {
            id,
            status: 'ok',
            message:
              'every name goes to devdns (systemd-resolved, ~.), with no fallback server: while devdns is down every lookup fails, rather than .test and the overrides going to the real servers',
          },
        ]
      : [
          {
            id,
            status: 'fail',
            message: 'devdns is down, and systemd-resolved sends it every name with no fallback: every lookup on this machine fails',
            fix: 'devdns up, or devdns teardown to give the machine its own servers back',
          },
        ];
  if (attempts < 2)
    return [
      {
        id,
        status: 'fail',
        message: `resolv.conf sets options attempts:${attempts}: no lookup is asked twice, so while devdns is down dnsmasq never gets to ask its own servers`,
        fix: 'set options attempts:2 in /etc/resolv.conf (or drop attempts:1)',
      },
    ];
  if (!up)
    return [
      {
        id,
        status: 'warn',
        message: `devdns is down: every lookup waits ${wait} for it, then dnsmasq's own servers answer; .test and the overrides' names fail meanwhile`,
        fix: 'devdns up',
      },
    ];
  return [
    {
      id,
      status: 'ok',
      message: `every name goes to devdns first (${resolver}, strict-order in ${file}); while it is down dnsmasq's own servers answer, each lookup after ${wait}`,
    },
  ];
}

/** TLDs and names that cause trouble whatever devdns does, from every source that is served. */
function namesCheck({ records, served }: DoctorFacts): Check[] {
  const file = served?.ok ? served.value.file : records.ok ? records.value : undefined;
  const problems: string[] = [];
  // An override takes over a real name on purpose: it is said when it begins, not a fault here.
  const zones = file?.zones ?? {};
  for (const { zone, risk, wholeTld } of riskyZones(Object.keys(zones).filter((zone) => zones[zone]?.override !== true))) {
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
  if (problems.length === 0) return [{ id: 'names', status: 'ok', message: 'no zone or name that browsers or mDNS will fight over' }];
  return [{ id: 'names', status: 'fail', message: problems.join('; '), fix: 'move these names under .test' }];
}

/** Linked projects: unreadable files and public names not agreed to. */
function projectChecks({ served }: DoctorFacts): Check[] {
  if (served === undefined) return [];
  if (!served.ok) return [{ id: 'projects', status: 'fail', message: served.error.message }];
  return served.value.problems.map((broken) => ({
    id: 'projects',
    status: 'fail',
    message: `linked project left out: ${broken.message}`,
    fix: 'fix the file, or devdns unlink it',
  }));
}

/** Names that two sources define. */
function conflictChecks({ served }: DoctorFacts): Check[] {
  if (!served?.ok) return [];
  return served.value.conflicts.map((conflict) => ({
    id: 'conflicts',
    status: 'warn',
    message: `conflict: ${describeConflict(conflict)}`,
  }));
}

/** The fix for an override a validating resolver calls bogus: exempt the name, or leave DNS. */
function dnssecFix(resolver: string, name: string): string {
  if (resolver === 'systemd-resolved')
    return `devdns setup, which writes ${name} into ${RESOLVED_NEGATIVE_ANCHORS} as a negative trust anchor`;
  const restart = resolver === 'networkmanager-dnsmasq' ? 'sudo systemctl restart NetworkManager' : 'sudo systemctl restart dnsmasq';
  return `remove the dnssec line and ${restart}, or route it through the hosts file: devdns setup --resolver hosts`;
}

/** Each override survives the system resolver: it does not validate, the real zone is unsigned, or a negative trust anchor exempts the name. */
function dnssecChecks({ dnssec, tlds }: DoctorFacts): Check[] {
  if (!dnssec) return [];
  const { validation } = dnssec;
  return [...tldDnssecChecks(validation, tlds), ...overrideDnssecChecks(dnssec, tlds)];
}

/**
 * Each routed TLD where systemd-resolved validates: devdns's answers there are unsigned, and the
 * signed root proves such a TLD absent or holds its DS, so only a negative trust anchor lets them
 * through. Failures only; a TLD exempted says nothing.
 */
function tldDnssecChecks(validation: Validation, tlds: DoctorFacts['tlds']): Check[] {
  if (!validation.validates || validation.resolver !== 'systemd-resolved') return [];
  const fromFiles = validation.negativeAnchors.filter((anchor) => anchor.file !== BUILTIN_ANCHORS_FILE);
  const files = [...new Set(fromFiles.map((anchor) => anchor.file))];
  const why = files.length > 0 ? ` (${files.join(', ')} defines some, which turns off resolved's built-in ones, .test among them)` : '';
  return tlds
    .filter(({ tld, route }) => !tld.includes('.') && route.kind !== 'hosts-file' && route.kind !== 'hosts-route')
    .filter(({ tld }) => !anchorFor(tld, validation))
    .map(({ tld }) => ({
      id: `dnssec-${tld}`,
      status: 'fail',
      message: `.${tld}: systemd-resolved validates DNSSEC (${validation.setting}) and no negative trust anchor exempts .${tld}${why}: devdns's unsigned answers there are bogus (SERVFAIL)`,
      fix: `devdns setup, which lists .${tld} in ${RESOLVED_NEGATIVE_ANCHORS} as a negative trust anchor`,
    }));
}

function overrideDnssecChecks(dnssec: NonNullable<DoctorFacts['dnssec']>, tlds: DoctorFacts['tlds']): Check[] {
  const { validation } = dnssec;
  return dnssec.overrides.map(({ name, zone }): Check => {
    const id = `dnssec-${name}`;
    const route = tlds.find((facts) => facts.tld === name)?.route.kind;
    if (route === 'hosts-file' || route === 'hosts-route')
      return { id, status: 'ok', message: `${name} is answered from the hosts file, which DNSSEC validation does not touch` };
    if (!validation.validates) return { id, status: 'ok', message: `${name}: ${validation.why}, so devdns's unsigned answers stand` };
    const validates = `${validation.resolver} validates DNSSEC (${validation.setting})`;
    const anchor = anchorFor(name, validation);
    if (anchor)
      return {
        id,
        status: 'ok',
        message: `${name}: ${validates}, but the negative trust anchor ${anchor.domain} in ${anchor.file} exempts it`,
      };
    const via = dnssec.upstream ? ` (asked ${dnssec.upstream})` : '';
    if (zone === undefined || !zone.ok)
      return {
        id,
        status: 'warn',
        message: `${name}: ${validates}, and doctor could not tell whether the real zone holding it is signed${via}: ${zone?.error.message ?? 'not asked'}`,
        fix: `dig +dnssec SOA ${name}, then dig DNSKEY for the zone it names: keys there mean the override fails`,
      };
    if (!zone.value.signed)
      return {
        id,
        status: 'ok',
        message: zone.value.island
          ? `${name}: ${validates}, but the real zone ${zone.value.zone} has keys and no DS in its parent${via}: no chain of trust reaches it, so devdns's answers stand`
          : `${name}: ${validates}, but the real zone ${zone.value.zone} is not signed${via}, so devdns's answers stand`,
      };
    return {
      id,
      status: 'fail',
      message: `${name}: ${validates} and the real zone ${zone.value.zone} is signed${via}: devdns's unsigned answers for it are bogus there (SERVFAIL)`,
      fix: dnssecFix(validation.resolver, name),
    };
  });
}

/** Every check, in the order doctor prints them. */
/** Routes of overrides that ended: devdns forwards those names meanwhile, while it runs. */
function staleRouteChecks({ staleRoutes = [] }: DoctorFacts): Check[] {
  return staleRoutes.map((domain) => ({
    id: `route-${domain}`,
    status: 'warn',
    message: `${domain} is still routed to devdns, though no override holds it: devdns forwards it to the real servers while it runs, and it fails while devdns is down`,
    fix: 'devdns setup (or devdns teardown)',
  }));
}

/** A served domain setup leaves out of the route: worth knowing, not a failure, since setup cannot mend it. */
function unroutedChecks({ unrouted = [] }: DoctorFacts): Check[] {
  return unrouted.map(({ domain, message, fix }) => ({ id: `route-${domain}`, status: 'warn', message, fix }));
}

export const CHECKS: ReadonlyArray<(facts: DoctorFacts) => Check[]> = [
  daemonCheck,
  answerChecks,
  portCheck,
  recordsCheck,
  routingChecks,
  unroutedChecks,
  staleRouteChecks,
  everyNameCheck,
  dnssecChecks,
  namesCheck,
  projectChecks,
  conflictChecks,
];
