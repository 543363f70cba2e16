// `upstream auto`: the servers the system asked before devdns, never devdns itself. From
// /etc/resolv.conf's nameserver lines; where that names systemd-resolved's stub (127.0.0.53),
// from the servers resolved itself uses (/run/systemd/resolve/resolv.conf). A local resolver on
// another loopback address (dnsmasq on 127.0.0.1, say) is left out: once setup routes a name to
// devdns there, asking it about that name would come back to devdns. Where that leaves nothing,
// the servers the local resolver itself forwards to, as its manager wrote them down:
// NetworkManager's (/run/NetworkManager/no-stub-resolv.conf) and Debian's dnsmasq with
// resolvconf (/run/dnsmasq/resolv.conf). On macOS, the default resolver `scutil --dns` lists.
// Last, the servers setup found before it changed the system, as its journal keeps them: a setup
// that routes every name to devdns can hide them from all of the above.
import { readFileSync } from 'node:fs';
import type { UpstreamSpec } from '../forward/upstream-spec.js';
import { runProgramSync } from '../platform/run-program.js';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { reachesThisMachine } from '../records/listen-address.js';

export interface SystemUpstream {
  host: string;
  port: number;
}

const RESOLV_CONF = '/etc/resolv.conf';
const RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';
/** The servers behind a local resolver, where its manager writes them: tried in order when resolv.conf names none but loopback. */
const LOCAL_RESOLVER_UPSTREAMS = ['/run/NetworkManager/no-stub-resolv.conf', '/run/dnsmasq/resolv.conf'];
/** resolv.conf is a few lines; more is not one. */
const MAX_BYTES = 64 * 1024;

/**
 * Whether an IPv6 address is link-local (fe80::/10): reachable only through the one interface its
 * scope names (`fe80::1%eth0`, RFC 4007 §11), which a host:port upstream cannot carry, and which
 * without it goes out of whichever interface the system picks, or nowhere.
 */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * A server's address as devdns can ask it, or undefined. Link-local IPv6 servers are left out,
 * with a scope or without: devdns asks an upstream by address and port alone.
 */
function serverAddress(text: string): string | undefined {
  const [raw, scope] = text.split('%', 2) as [string, string | undefined];
  const v4 = scope === undefined ? parseIPv4(raw) : { ok: false as const };
  const v6 = parseIPv6(raw);
  return v4.ok ? v4.address : v6.ok && !isLinkLocal(v6.address) ? v6.address : undefined;
}

/** The addresses of `texts` devdns can ask, in order, each once. */
function serverAddresses(texts: Iterable<string>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    const address = serverAddress(text);
    if (address !== undefined && !found.includes(address)) found.push(address);
  }
  return found;
}

/** The nameservers of a resolv.conf's text, in order, as addresses (link-local IPv6 left out). */
export function nameservers(text: string): string[] {
  return serverAddresses(Array.from(text.matchAll(/^[ \t]*nameserver[ \t]+(\S+)/gm), (match) => match[1] as string));
}

/**
 * The nameservers of the default resolvers in `scutil --dns`'s output (macOS): the resolvers of
 * its first part without a `domain` line, on port 53. A resolver for one domain (an
 * /etc/resolver file, devdns's own among them, or mDNS's) and the scoped part are left out.
 */
export function scutilNameservers(text: string): string[] {
  const [unscoped = ''] = text.split(/^DNS configuration \(for scoped queries\)/m);
  const servers: string[] = [];
  for (const resolver of unscoped.split(/^resolver #\d+[ \t]*$/m).slice(1)) {
    if (/^[ \t]*domain[ \t]*:/m.test(resolver)) continue;
    const port = /^[ \t]*port[ \t]*:[ \t]*(\d+)/m.exec(resolver)?.[1];
    if (port !== undefined && port !== '53') continue;
    for (const match of resolver.matchAll(/^[ \t]*nameserver\[\d+\][ \t]*:[ \t]*(\S+)/gm)) servers.push(match[1] as string);
  }
  return serverAddresses(servers);
}

function readSmall(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > MAX_BYTES ? text.slice(0, MAX_BYTES) : text;
  } catch {
    return undefined;
  }
}

/** `scutil --dns`'s output on macOS; undefined elsewhere, or when it cannot be run within 2 s. */
function scutilOutput(): string | undefined {
  if (process.platform !== 'darwin') return undefined;
  const result = runProgramSync('scutil', ['--dns'], { timeoutMs: 2_000 });
  return result.exitCode === 0 ? result.stdout.slice(0, 4 * MAX_BYTES) : undefined;
}

/** Where the system's upstreams are read from: tests give their own. */
export interface UpstreamSources {
  read?: (path: string) => string | undefined;
  /** `scutil --dns`'s output (macOS). */
  scutil?: () => string | undefined;
  /** The servers setup found before it changed the system (its journal's `upstreams`). */
  recorded?: readonly string[];
}

/** The system's upstreams, port 53, none of them a loopback resolver: the first source above that names one. */
export function systemUpstreams(sources: UpstreamSources = {}): SystemUpstream[] {
  const { read = readSmall, scutil = scutilOutput, recorded = [] } = sources;
  // Never this machine: a loopback resolver, or the unspecified address, which reaches it too.
  const usable = (found: string[]) => found.filter((host) => !reachesThisMachine(host));
  const candidates = [
    () => {
      const servers = nameservers(read(RESOLV_CONF) ?? '');
      return servers.includes('127.0.0.53') ? nameservers(read(RESOLVED_UPSTREAMS) ?? '') : servers;
    },
    ...LOCAL_RESOLVER_UPSTREAMS.map((path) => () => nameservers(read(path) ?? '')),
    () => scutilNameservers(scutil() ?? ''),
    () => serverAddresses(recorded),
  ];
  for (const candidate of candidates) {
    const servers = usable(candidate());
    if (servers.length > 0) return servers.map((host) => ({ host, port: 53 }));
  }
  return [];
}

/** The upstream specs with `auto` made the system's servers (plain DNS), in its place. */
export function withSystemUpstreams(
  specs: readonly UpstreamSpec[],
  sources?: UpstreamSources,
): Array<Exclude<UpstreamSpec, { kind: 'auto' }>> {
  return specs.flatMap((spec) =>
    spec.kind === 'auto' ? systemUpstreams(sources).map((server) => ({ kind: 'udp' as const, ...server })) : [spec],
  );
}

/** What glibc's stub resolver waits and retries, from resolv.conf's options (its defaults: 5 s, 2 attempts; resolv.conf(5)). */
export interface ResolverOptions {
  timeout: number;
  attempts: number;
}

/** The `options timeout:N attempts:N` of a resolv.conf's text; the last of each wins, as in glibc. */
export function resolverOptions(text: string): ResolverOptions {
  const found: ResolverOptions = { timeout: 5, attempts: 2 };
  for (const line of text.split('\n')) {
    const match = /^\s*options\s+(.*)$/.exec(line);
    for (const option of match?.[1]?.split(/\s+/) ?? []) {
      const [name, value] = option.split(':');
      const number = Number(value);
      if (!Number.isInteger(number)) continue;
      // glibc's own limits: timeout at most 30 s, attempts at most 5.
      if (name === 'timeout') found.timeout = Math.min(Math.max(number, 1), 30);
      if (name === 'attempts') found.attempts = Math.min(Math.max(number, 1), 5);
    }
  }
  return found;
}

/** The system's resolv.conf options; `read` is for tests. */
export function systemResolverOptions(read: (path: string) => string | undefined = readSmall): ResolverOptions {
  return resolverOptions(read(RESOLV_CONF) ?? '');
}
