// Which resolver runs this machine's DNS, and what routing our TLDs to devdns takes with each:
// files to write and commands to run afterwards. Detection reads files only; plans are pure.
// Never /etc/resolv.conf itself: tools that took it over broke every lookup on the machine.
// The plan is also what teardown checks a journal against: the files setup may manage, and the
// commands it may run, are a function of (resolver, tlds, host, port, dnsmasq dir, all) and nothing else.
// `all` (setup --all) routes every name to devdns, where the resolver can still fall back without
// devdns; see planSetup for what each resolver does then, and what happens while devdns is down.
import { InputError } from '../errors.js';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { isNormalPath, type SystemAccess } from './system.js';

/** The reload step that restarts dnsmasq, which reload.ts carries out (dnsmasq reads its conf-dir only at start). */
export const RESTART_DNSMASQ = 'devdns:restart-dnsmasq';

export const RESOLVERS = ['macos', 'systemd-resolved', 'networkmanager-dnsmasq', 'dnsmasq', 'resolv.conf', 'windows', 'hosts'] as const;
export type ResolverKind = (typeof RESOLVERS)[number];

/** The resolvers setup --all can route every name through: those that take a port, written in a file devdns owns. */
export const ALL_RESOLVERS: readonly ResolverKind[] = ['systemd-resolved', 'networkmanager-dnsmasq', 'dnsmasq'];

export const MARKER = 'Written by devdns setup; devdns teardown removes it.';

export interface Detection {
  resolver: ResolverKind;
  /** Why this one: what was seen. */
  evidence: string;
}

export interface FileChange {
  path: string;
  content: string;
}

export interface SetupPlan {
  resolver: ResolverKind;
  /** What the plan does and why, for the user. */
  summary: string[];
  files: FileChange[];
  /** Run after the files are written, and again after teardown restores them. */
  reload: string[][];
  /** Things to tell the user (no change made for them). */
  notes: string[];
  /**
   * The hosts file, when it is the route: devdns keeps its block there (written by setup, then by
   * the daemon on every change) and teardown removes the block, leaving the rest as it is.
   */
  hostsFile?: string;
  /** Every name goes to devdns (setup --all); the journal records it. */
  all?: true;
  /** systemd-resolved: the negative trust anchors written beside the routed domains (PlanInput.anchors); the journal records them. */
  anchors?: string[];
  /** Why this plan changes nothing, in one line with a hint: setup --all where the resolver cannot route every name. */
  refusal?: { message: string; hint: string };
}

/** The hosts file setup routes through (under --root, inside the tree). */
export const HOSTS_FILE = '/etc/hosts';

export interface PlanInput {
  resolver: ResolverKind;
  /**
   * The domains routed to devdns: the TLDs of its zones, and the names of its overrides
   * (api.example.com), each routed exactly. (The name is from when only TLDs were routed; journals keep it.)
   */
  tlds: readonly string[];
  host: string;
  port: number;
  /** dnsmasq's configuration directory (plain dnsmasq). */
  dnsmasqDir?: string | undefined;
  /** Route every name to devdns (setup --all), not only `tlds`, which keep their own routes. */
  all?: boolean | undefined;
  /**
   * systemd-resolved: negative trust anchors to write beside the routed domains. Its built-in
   * ones, where no file of the system's names one (a file of devdns's would turn them off);
   * none where one does (they are off already). Setup decides, from the system; the journal keeps
   * them, so that teardown checks the file against what was written.
   */
  anchors?: readonly string[] | undefined;
}

/** The most negative trust anchors a plan writes beside the routed domains. */
const MAX_ANCHORS = 64;

const NM_DNSMASQ_DIR = '/etc/NetworkManager/dnsmasq.d';
const DNSMASQ_DIR = '/etc/dnsmasq.d';
const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/devdns.conf';
/** resolved's negative trust anchors (dnssec-trust-anchors.d(5)): the names it does not validate at or below. */
export const RESOLVED_NEGATIVE_ANCHORS = '/etc/dnssec-trust-anchors.d/devdns.negative';

/**
 * systemd-resolved's own negative trust anchors (resolved-dns-trust-anchor.c, systemd 257): the
 * private and special-use domains it does not validate, .test first. It uses them only while no
 * .negative file names any domain, so a file of devdns's must list them too.
 */
export const RESOLVED_BUILTIN_NEGATIVE_ANCHORS: readonly string[] = [
  'test',
  '10.in-addr.arpa',
  ...Array.from({ length: 16 }, (_, at) => `${16 + at}.172.in-addr.arpa`),
  '168.192.in-addr.arpa',
  'd.f.ip6.arpa',
  'local',
  'home',
  'corp',
  'lan',
  'intranet',
  'internal',
  'private',
  'home.arpa',
  'resolver.arpa',
  'ipv4only.arpa',
  '170.0.0.192.in-addr.arpa',
  '171.0.0.192.in-addr.arpa',
  'alt',
];

/**
 * For resolved, every routed domain as a negative trust anchor: where it validates DNSSEC,
 * devdns's unsigned answers would otherwise be bogus (SERVFAIL), for an override in a signed zone
 * and for a TLD the signed root says does not exist alike. Then `anchors` (PlanInput). What the
 * plan says of it, and the file; comments are `;` lines, the only ones resolved skips.
 */
function resolvedAnchors(tlds: readonly string[], anchors: readonly string[] = []): Pick<SetupPlan, 'summary' | 'files'> {
  const domains = [...new Set([...tlds, ...anchors])];
  const builtins = anchors.length > 0 ? "; resolved's own built-in ones with them, which such a file turns off" : '';
  return {
    summary: [
      `add ${RESOLVED_NEGATIVE_ANCHORS}, so that where resolved validates DNSSEC it takes devdns's unsigned answers for ${domainList(tlds)} (and does not validate other answers under them)${builtins}`,
    ],
    files: [{ path: RESOLVED_NEGATIVE_ANCHORS, content: `; ${MARKER}\n${domains.map((name) => `${name}\n`).join('')}` }],
  };
}

/** dnsmasq and resolved write an address and port as 127.0.0.1#9090 and 127.0.0.1:9090. */
const dnsmasqServer = (host: string, port: number) => `${host}#${port}`;
const resolvedServer = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

export function detectResolver(system: SystemAccess, platform: NodeJS.Platform): Detection {
  if (platform === 'darwin') return { resolver: 'macos', evidence: 'macOS reads per-domain resolvers from /etc/resolver' };
  if (platform === 'win32') return { resolver: 'windows', evidence: 'Windows' };
  const resolvConf = system.readFile('/etc/resolv.conf') ?? '';
  const nmConf = [
    system.readFile('/etc/NetworkManager/NetworkManager.conf') ?? '',
    system.readFile('/etc/NetworkManager/conf.d/dns.conf') ?? '',
  ].join('\n');
  if (/^\s*dns\s*=\s*dnsmasq\s*$/m.test(nmConf)) {
    return { resolver: 'networkmanager-dnsmasq', evidence: 'NetworkManager is configured with dns=dnsmasq' };
  }
  if (/^nameserver\s+127\.0\.0\.53\s*$/m.test(resolvConf) && system.exists('/run/systemd/resolve')) {
    return { resolver: 'systemd-resolved', evidence: '/etc/resolv.conf points at systemd-resolved (127.0.0.53)' };
  }
  if (/^nameserver\s+127\.0\.0\.1\s*$/m.test(resolvConf) && system.exists(DNSMASQ_DIR)) {
    return { resolver: 'dnsmasq', evidence: `/etc/resolv.conf points at 127.0.0.1 and ${DNSMASQ_DIR} exists` };
  }
  return {
    resolver: 'resolv.conf',
    evidence: '/etc/resolv.conf names ordinary nameservers, with no local resolver that can route a domain',
  };
}

const LDH_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A TLD: one lowercase LDH label. */
const TLD = new RegExp(`^${LDH_LABEL}$`);
/** A routed domain: lowercase LDH labels, at most 253 characters. No wildcard, no trailing dot. */
const ROUTED_DOMAIN = new RegExp(`^${LDH_LABEL}(?:\\.${LDH_LABEL})*$`);

/** A TLD that may name a file (/etc/resolver/<tld>) and a config line: one lowercase LDH label. */
export function isRoutableLabel(tld: string): boolean {
  return TLD.test(tld);
}

/**
 * A domain that may name a file (/etc/resolver/api.example.com) and a config line: a TLD, or an
 * override's name in lowercase LDH labels.
 */
export function isRoutableDomain(domain: string): boolean {
  return domain.length <= 253 && ROUTED_DOMAIN.test(domain);
}

/** The routed domains as a user reads them: a TLD as `.test`, an override's name as it is. */
export function domainList(domains: readonly string[]): string {
  return domains.map((domain) => (domain.includes('.') ? domain : `.${domain}`)).join(', ');
}

/** Whether the OS must route a TLD to devdns: localhost is loopback by itself, reverse zones need no routing. */
export function needsRouting(tld: string): boolean {
  return tld !== 'localhost' && tld !== 'arpa';
}

/** The TLDs of the zones devdns serves that the OS must route to it: setup's default, and what doctor checks. */
export function tldsToRoute(zones: readonly string[]): string[] {
  return [...new Set(zones.map((zone) => zone.split('.').at(-1) ?? zone))].filter(needsRouting);
}

/** A domain devdns serves that setup leaves out of the route: setup, its re-run's offer and doctor each say so. */
export interface UnroutedDomain {
  domain: string;
  /** An override's name, rather than the TLD of the user's own zones. */
  override: boolean;
  /**
   * `characters`: a name a resolver file may not hold (a stored name may have `_`, which
   * {@link isRoutableDomain} refuses); `whole-tld`: an override of a whole top-level domain (from a
   * linked project or the file itself: devdns override refuses one), which would send every name
   * under it to devdns.
   */
  problem: 'characters' | 'whole-tld';
}

export interface DomainRoutes {
  /** What setup routes: the TLDs of own zones, then each override's name. */
  domains: string[];
  /** What it leaves out, and why. */
  unrouted: UnroutedDomain[];
}

/**
 * Whether setup can route a domain devdns serves (an override's name, or the TLD of own zones):
 * the one rule for setup, offerRouteUpdate and doctor. Undefined when it can.
 */
export function unroutable(domain: string, override: boolean): UnroutedDomain | undefined {
  const problem = override && !domain.includes('.') ? 'whole-tld' : isRoutableDomain(domain) ? undefined : 'characters';
  return problem === undefined ? undefined : { domain, override, problem };
}

/** That setup does not route an unroutable domain (still true once the user routed it by hand), and why. */
export function unroutedMessage({ domain, problem }: UnroutedDomain): string {
  const character = /[^a-z0-9.-]/.exec(domain)?.[0];
  const reason =
    problem === 'whole-tld'
      ? `it routes an override's own name, and this one is a whole top-level domain: every .${domain} name would go to devdns`
      : `it writes only names of letters, digits and hyphens into the resolver's files${character === undefined ? '' : `, and this one has "${character}"`}`;
  return `setup does not route ${domainList([domain])} to devdns: ${reason}`;
}

/** What setup and doctor say of a domain setup leaves out: the message, and what the user can do instead. */
export function describeUnrouted(unrouted: UnroutedDomain, host: string, port: number): { message: string; fix: string } {
  return {
    message: unroutedMessage(unrouted),
    fix:
      unrouted.problem === 'whole-tld'
        ? `override the names you need under it instead, e.g. api.example.${unrouted.domain}`
        : `to route it by hand, send ${domainList([unrouted.domain])} to ${host} port ${port} in the resolver's own configuration`,
  };
}

/**
 * Every domain the OS must route to devdns for the zones it serves: the TLDs of its own zones,
 * and each override's own name, exactly (an override of api.example.com never routes .com; for
 * `*.staging.example.com` the route is staging.example.com, whose other names devdns forwards).
 * A domain {@link unroutable} refuses is left out, and listed as unrouted: one such name must not
 * stop setup routing the rest.
 */
export function domainsToRoute(zones: Readonly<Record<string, { override?: true } | undefined>>): DomainRoutes {
  const names = Object.keys(zones);
  const overrides = names.filter((zone) => zones[zone]?.override === true).sort();
  const wanted = [
    ...tldsToRoute(names.filter((zone) => zones[zone]?.override !== true)).map((domain) => ({ domain, override: false })),
    ...overrides.map((domain) => ({ domain, override: true })),
  ];
  const routes: DomainRoutes = { domains: [], unrouted: [] };
  for (const { domain, override } of wanted) {
    const unrouted = unroutable(domain, override);
    if (unrouted) routes.unrouted.push(unrouted);
    else routes.domains.push(domain);
  }
  return routes;
}

/** The routed domains that are overrides' names rather than TLDs. */
export const overrideRoutes = (domains: readonly string[]) => domains.filter((domain) => domain.includes('.'));

/** A value as it may appear in a one-line message: quoted, control characters escaped. */
const quote = (value: unknown) => JSON.stringify(value) ?? String(value);

/** Why the inputs cannot be planned, or undefined: every value ends up in a path or a config line. */
export function planInputProblem(input: PlanInput): string | undefined {
  if (!(RESOLVERS as readonly string[]).includes(input.resolver)) return `resolver ${quote(input.resolver)} is not one devdns knows`;
  if (!Array.isArray(input.tlds) || input.tlds.length === 0) return 'there is no TLD';
  for (const tld of input.tlds)
    if (typeof tld !== 'string' || !isRoutableDomain(tld)) return `domain ${quote(tld)} is not a routable DNS name`;
  if (new Set(input.tlds).size !== input.tlds.length) return 'a domain is listed twice';
  if (typeof input.host !== 'string' || !(parseIPv4(input.host).ok || parseIPv6(input.host).ok))
    return `host ${quote(input.host)} is not an IP address`;
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) return `port ${quote(input.port)} is not 1-65535`;
  if (input.dnsmasqDir !== undefined && (typeof input.dnsmasqDir !== 'string' || !isNormalPath(input.dnsmasqDir)))
    return `dnsmasq directory ${quote(input.dnsmasqDir)} is not an absolute path in normal form`;
  if (input.all !== undefined && typeof input.all !== 'boolean') return `all ${quote(input.all)} is not true or false`;
  if (
    input.anchors !== undefined &&
    (!Array.isArray(input.anchors) ||
      input.anchors.length > MAX_ANCHORS ||
      input.anchors.some((anchor) => typeof anchor !== 'string' || !isRoutableDomain(anchor)))
  )
    return `anchors ${quote(input.anchors)} are not at most ${MAX_ANCHORS} DNS names`;
  return undefined;
}

export function planSetup(input: PlanInput): SetupPlan {
  const problem = planInputProblem(input);
  if (problem)
    throw new InputError('setup', problem, 'give a TLD such as test, an IP address, a port 1-65535 and an absolute --dnsmasq-dir');
  if (input.all === true) return planAll(input);
  const { tlds, host, port } = input;
  const list = domainList(tlds);
  switch (input.resolver) {
    case 'macos':
      return {
        resolver: 'macos',
        summary: [`write /etc/resolver/<domain> for ${list}, so macOS sends those lookups to ${host} port ${port}`, 'flush the DNS caches'],
        files: tlds.map((tld) => ({ path: `/etc/resolver/${tld}`, content: `# ${MARKER}\nnameserver ${host}\nport ${port}\n` })),
        reload: [
          ['dscacheutil', '-flushcache'],
          ['killall', '-HUP', 'mDNSResponder'],
        ],
        notes: ['dig and nslookup ignore /etc/resolver; check with devdns doctor, or dscacheutil -q host -a name myapp.test'],
      };
    case 'systemd-resolved':
      return {
        resolver: 'systemd-resolved',
        summary: [
          `add a resolved drop-in, ${RESOLVED_DROPIN}, routing only ${list} to ${resolvedServer(host, port)}`,
          'chosen over a per-link route (resolvectl dns/domain): a drop-in survives reboots and network changes; a link route is lost when the link goes down',
          ...resolvedAnchors(tlds, input.anchors).summary,
          'restart systemd-resolved to load it',
        ],
        files: [
          {
            path: RESOLVED_DROPIN,
            // A server with only ~routing domains gets only those lookups (no "~."): nothing else changes.
            content: `# ${MARKER}\n[Resolve]\nDNS=${resolvedServer(host, port)}\nDomains=${tlds.map((tld) => `~${tld}`).join(' ')}\n`,
          },
          ...resolvedAnchors(tlds, input.anchors).files,
        ],
        reload: [['systemctl', 'restart', 'systemd-resolved']],
        ...(input.anchors !== undefined && input.anchors.length > 0 ? { anchors: [...input.anchors] } : {}),
        notes: ['needs systemd 246 or newer for a DNS server with a port'],
      };
    case 'networkmanager-dnsmasq':
    case 'dnsmasq': {
      const nm = input.resolver === 'networkmanager-dnsmasq';
      const dir = input.dnsmasqDir ?? (nm ? NM_DNSMASQ_DIR : DNSMASQ_DIR);
      return {
        resolver: input.resolver,
        summary: [
          `add ${dir}/devdns.conf forwarding only ${list} to ${dnsmasqServer(host, port)}`,
          nm ? 'restart NetworkManager, which restarts its dnsmasq' : 'restart dnsmasq to load it',
        ],
        files: [
          {
            path: `${dir}/devdns.conf`,
            content: `# ${MARKER}\n${tlds.map((tld) => `server=/${tld}/${dnsmasqServer(host, port)}`).join('\n')}\n`,
          },
        ],
        reload: nm ? [['systemctl', 'restart', 'NetworkManager']] : [[RESTART_DNSMASQ, dir]],
        notes: [],
      };
    }
    case 'windows':
      return {
        resolver: 'windows',
        summary: [],
        files: [],
        reload: [],
        notes: [
          'Windows routes a domain to a DNS server with an NRPT rule, and NRPT rules have no port: devdns would have to answer on port 53.',
          `As an administrator, with devdns on port 53 (devdns up --port 53): ${tlds.map((tld) => `Add-DnsClientNrptRule -Namespace ".${tld}" -NameServers "127.0.0.1"`).join('; ')}`,
          'Or use the hosts file, which needs no port: devdns hosts sync (as an administrator).',
        ],
      };
    case 'resolv.conf':
      return {
        resolver: 'resolv.conf',
        summary: [],
        files: [],
        reload: [],
        notes: [
          'This machine uses /etc/resolv.conf directly, which cannot send one domain to one server, and devdns will not take it over.',
          'devdns can route through the hosts file instead (no wildcards there); or install dnsmasq or enable systemd-resolved and run devdns setup again.',
        ],
      };
    case 'hosts':
      return {
        resolver: 'hosts',
        summary: [
          `write your ${list} names into ${HOSTS_FILE}, between "# devdns begin" and "# devdns end" lines; nothing else in the file changes`,
          'the daemon rewrites that block on every change to your records while this is the route; teardown removes it',
        ],
        files: [],
        reload: [],
        notes: ['a hosts file holds names and addresses only: wildcards and aliases (CNAME) cannot be written there'],
        hostsFile: HOSTS_FILE,
      };
  }
}

/**
 * setup --all: every name to devdns, which forwards what it does not serve (forward all). The
 * routes of `tlds` stay as they are, so that they keep winning over a broader route of another
 * link (a VPN's ~example.com) and, with dnsmasq, never fall back.
 *
 * - systemd-resolved: `Domains=~.` beside the routes, with devdns the only global server. No
 *   second server: resolved treats the servers of one scope as interchangeable, moves to the next
 *   one when a lookup fails and stays there, and that one gets the scope's every domain. While
 *   devdns is down, .test and the overrides' names would go to the real servers (an override's
 *   name answered by the real site, unseen) and keep going there after devdns is back. So with
 *   resolved, while devdns is down, lookups fail; devdns up or devdns teardown mends it.
 *   (FallbackDNS= is no help: resolved uses it only when it knows no server at all.)
 * - dnsmasq, plain or NetworkManager's: `server=HOST#PORT` for every name and `strict-order`, and
 *   no `no-resolv`: dnsmasq keeps its own servers, after devdns's (dnsmasq lists the servers of
 *   its configuration files first), and strict-order makes it ask devdns first every time rather
 *   than whichever server was fastest. While devdns is down, each lookup waits for the client's
 *   timeout (resolv.conf `options timeout:N`, 5 s by default); dnsmasq sends the client's retry
 *   to its next server, which answers; once devdns is back it is asked first again. The names of
 *   `tlds` (server=/test/...) have devdns as their only server: they fail rather than reach the
 *   real servers, so an override's mock is never replaced by the real site unseen.
 * - plain /etc/resolv.conf, macOS, Windows: no file devdns may own can route every name with a
 *   port, so nothing is changed and the plan says what to do by hand instead (devdns on port 53).
 */
function planAll(input: PlanInput): SetupPlan {
  const { tlds, host, port } = input;
  const list = domainList(tlds);
  const nothing = { files: [], reload: [], all: true as const };
  switch (input.resolver) {
    case 'systemd-resolved':
      return {
        resolver: 'systemd-resolved',
        all: true,
        summary: [
          `add a resolved drop-in, ${RESOLVED_DROPIN}, routing every name (~.) to ${resolvedServer(host, port)}, which forwards what it does not serve; ${list} keep their own routes`,
          'no fallback server: resolved would send .test and the overrides to it too while devdns is down, and keep using it after; so while devdns is down, lookups fail (devdns up, or devdns teardown)',
          ...resolvedAnchors(tlds, input.anchors).summary,
          'restart systemd-resolved to load it',
        ],
        files: [
          {
            path: RESOLVED_DROPIN,
            content: `# ${MARKER}\n[Resolve]\nDNS=${resolvedServer(host, port)}\nDomains=~. ${tlds.map((tld) => `~${tld}`).join(' ')}\n`,
          },
          ...resolvedAnchors(tlds, input.anchors).files,
        ],
        reload: [['systemctl', 'restart', 'systemd-resolved']],
        ...(input.anchors !== undefined && input.anchors.length > 0 ? { anchors: [...input.anchors] } : {}),
        notes: [
          'needs systemd 246 or newer for a DNS server with a port',
          "a link's own routing domains (a VPN's) still go to that link's servers",
        ],
      };
    case 'networkmanager-dnsmasq':
    case 'dnsmasq': {
      const nm = input.resolver === 'networkmanager-dnsmasq';
      const dir = input.dnsmasqDir ?? (nm ? NM_DNSMASQ_DIR : DNSMASQ_DIR);
      const routes = tlds.map((tld) => `server=/${tld}/${dnsmasqServer(host, port)}`).join('\n');
      return {
        resolver: input.resolver,
        all: true,
        summary: [
          `add ${dir}/devdns.conf sending every name to ${dnsmasqServer(host, port)} first (strict-order), which forwards what it does not serve; ${list} go to devdns only`,
          "dnsmasq keeps its own servers after devdns: while devdns is down, each lookup waits one resolver timeout (resolv.conf options timeout, 5 s by default) and is then answered by them; .test and the overrides' names fail rather than reach the real servers",
          nm ? 'restart NetworkManager, which restarts its dnsmasq' : 'restart dnsmasq to load it',
        ],
        files: [
          {
            path: `${dir}/devdns.conf`,
            content: `# ${MARKER}\n${routes}\n# Every other name: devdns first; while it does not answer, dnsmasq's own servers.\nserver=${dnsmasqServer(host, port)}\nstrict-order\n`,
          },
        ],
        reload: nm ? [['systemctl', 'restart', 'NetworkManager']] : [[RESTART_DNSMASQ, dir]],
        notes: [
          "dnsmasq's own servers are the fallback while devdns is down: keep them (no no-resolv unless dnsmasq has server= lines of its own, and no all-servers, which would race devdns)",
        ],
      };
    }
    case 'macos':
      return {
        resolver: 'macos',
        ...nothing,
        summary: [],
        notes: [
          'macOS sends every name to the DNS servers of the network settings, which take an address and no port: devdns would have to answer on port 53.',
          "To do it by hand: run devdns on port 53 (sudo devdns up --port 53), then in System Settings > Network > Details > DNS put 127.0.0.1 first and keep your server after it as the fallback (macOS asks another server when one does not answer, so while devdns is down an override's name may get the real answer).",
          `Without that, devdns setup (without --all) routes ${list} through /etc/resolver.`,
        ],
        refusal: {
          message: "setup --all: macOS's default resolver takes no port, so devdns cannot be it on this port; nothing was changed",
          hint: 'devdns on port 53, and 127.0.0.1 first in the network settings; see the notes above',
        },
      };
    case 'windows':
      return {
        resolver: 'windows',
        ...nothing,
        summary: [],
        notes: [
          "Windows sends every name to the adapter's DNS servers, which take an address and no port: devdns would have to answer on port 53.",
          "To do it by hand, as an administrator: devdns up --port 53, then make 127.0.0.1 the adapter's preferred DNS server and your server the alternate (Set-DnsClientServerAddress -InterfaceAlias NAME -ServerAddresses 127.0.0.1,YOUR-SERVER).",
        ],
        refusal: {
          message: "setup --all: Windows's DNS servers take no port, so devdns cannot be the resolver on this port; nothing was changed",
          hint: "devdns on port 53, and 127.0.0.1 as the adapter's preferred DNS server; see the notes above",
        },
      };
    case 'hosts':
      return {
        resolver: 'hosts',
        ...nothing,
        summary: [],
        notes: ['A hosts file holds the names written in it: it cannot send every other name to devdns.'],
        refusal: {
          message: 'setup --all: the hosts file cannot send every name to devdns; nothing was changed',
          hint: 'devdns setup --all with systemd-resolved or dnsmasq, or devdns setup for your own names',
        },
      };
    case 'resolv.conf':
      // Not written, though a journal could restore it byte for byte: /etc/resolv.conf is rewritten
      // by DHCP clients, NetworkManager and VPNs, so a journalled copy goes stale (teardown would put
      // back a network's old servers) and a written one is lost on the next lease; glibc's
      // nameserver lines take no port, so devdns would also have to run on port 53 as root. What
      // to add, and why the old nameserver stays second, is said instead.
      return {
        resolver: 'resolv.conf',
        ...nothing,
        summary: [],
        notes: [
          '/etc/resolv.conf names servers without a port, and DHCP clients and VPNs rewrite it: devdns does not take it over.',
          'To do it by hand: run devdns on port 53 (sudo devdns up --port 53), then put "nameserver 127.0.0.1" first in /etc/resolv.conf and keep your nameserver line after it, with "options timeout:1".',
          'glibc asks the next nameserver when the first does not answer: while devdns is down each lookup waits the timeout, then the old nameserver answers; .test names then fail, and an override gets the real answer.',
          'Or install dnsmasq or enable systemd-resolved, and run devdns setup --all again.',
        ],
        refusal: {
          message: 'setup --all: this machine uses /etc/resolv.conf directly, which devdns does not rewrite; nothing was changed',
          hint: 'devdns on port 53, and "nameserver 127.0.0.1" first in /etc/resolv.conf, your nameserver kept after it; see the notes above',
        },
      };
  }
}
