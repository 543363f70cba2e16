// `upstream auto`: the servers the system asked before devdns, never devdns itself. From
// /etc/resolv.conf's nameserver lines; where that names systemd-resolved's stub (127.0.0.53),
// from the servers resolved itself uses (/run/systemd/resolve/resolv.conf). A local resolver on
// another loopback address (dnsmasq on 127.0.0.1, say) is left out: once setup routes a name to
// devdns there, asking it about that name would come back to devdns. Where that leaves nothing,
// the servers the local resolver itself forwards to, as its manager wrote them down:
// NetworkManager's (/run/NetworkManager/no-stub-resolv.conf) and Debian's dnsmasq with
// resolvconf (/run/dnsmasq/resolv.conf).
import { readFileSync } from 'node:fs';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { isLoopback } from '../records/listen-address.js';

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
 * The nameservers of a resolv.conf's text, in order, as addresses. Link-local IPv6 servers are
 * left out, with a scope or without: devdns asks an upstream by address and port alone.
 */
export function nameservers(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!match) continue;
    const [raw, scope] = (match[1] as string).split('%', 2) as [string, string | undefined];
    const v4 = scope === undefined ? parseIPv4(raw) : { ok: false as const };
    const v6 = parseIPv6(raw);
    const address = v4.ok ? v4.address : v6.ok && !isLinkLocal(v6.address) ? v6.address : undefined;
    if (address !== undefined && !found.includes(address)) found.push(address);
  }
  return found;
}

function readSmall(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > MAX_BYTES ? text.slice(0, MAX_BYTES) : text;
  } catch {
    return undefined;
  }
}

/** The system's upstreams, port 53, none of them a loopback resolver; `read` is for tests. */
export function systemUpstreams(read: (path: string) => string | undefined = readSmall): SystemUpstream[] {
  let servers = nameservers(read(RESOLV_CONF) ?? '');
  if (servers.includes('127.0.0.53')) servers = nameservers(read(RESOLVED_UPSTREAMS) ?? '');
  const usable = (found: string[]) => found.filter((host) => !isLoopback(host));
  for (const path of LOCAL_RESOLVER_UPSTREAMS) {
    if (usable(servers).length > 0) break;
    servers = nameservers(read(path) ?? '');
  }
  return usable(servers).map((host) => ({ host, port: 53 }));
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
