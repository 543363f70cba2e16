// The daemon's forwarding, from the settings: the upstreams (`auto` read from the system), never
// devdns itself, each with its transport (plain DNS, TLS or HTTPS), and the forwarder that asks them.
import { DevdnsError } from '../errors.js';
import { DEFAULT_CACHE_LIMITS, Forwarder, transportFor, type UpstreamTransport } from '../forward/forwarder.js';
import { ClientRateLimit } from '../forward/rate-limit.js';
import type { UpstreamSpec } from '../forward/upstream-spec.js';
import { parseUpstreams } from '../forward/upstream-spec.js';
import { type UpstreamSources, withSystemUpstreams } from '../os/system-upstreams.js';
import type { Settings } from '../store/settings.js';
import type { Forwarding } from './dns-service.js';

/**
 * Upstream questions a second per client: far above what a browser or a test suite asks (answers
 * from the cache do not count), far below a flood. Every program on this machine shares
 * 127.0.0.1, so this is the machine's rate.
 */
export const CLIENT_RATE = { perSecond: 200, burst: 400 };

export interface ForwardingSetup {
  forwarding: Forwarding;
  /** What to say in the daemon's log: the upstreams in use, or why there are none. */
  summary: string;
}

/** `::ffff:127.0.0.1` is 127.0.0.1: the same socket answers. */
const plain = (host: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(host) ? host.slice(7) : host);
const UNSPECIFIED = new Set(['0.0.0.0', '::']);

/** Whether asking `host:port` reaches devdns's own socket on `own`. */
function reachesUs(host: string, port: number, own: { host: string; port: number }): boolean {
  if (port !== own.port) return false;
  const upstream = plain(host);
  const ours = plain(own.host);
  // Asking 0.0.0.0 or :: reaches this machine; a socket on either takes every address (:: IPv4 too).
  if (upstream === ours || UNSPECIFIED.has(upstream) || ours === '::') return true;
  return ours === '0.0.0.0' && !upstream.includes(':');
}

/** Upstream transports for the specs; `auto` becomes the system's servers. Throws on a loop back to devdns. */
export function upstreamTransports(
  specs: readonly UpstreamSpec[],
  own: { host: string; port: number },
  sources?: UpstreamSources,
): UpstreamTransport[] {
  const resolved = withSystemUpstreams(specs, sources);
  const transports: UpstreamTransport[] = [];
  for (const spec of resolved) {
    if (reachesUs(spec.host, spec.port, own)) {
      throw new DevdnsError(
        'upstream-loop',
        `the upstream ${spec.host}:${spec.port} is devdns itself: forwarded questions would come back to it`,
        'devdns config set upstream to the DNS server your network gives you',
      );
    }
    transports.push(transportFor(spec));
  }
  return transports;
}

export function setUpForwarding(
  settings: Settings,
  own: { host: string; port: number },
  onForwarded?: Forwarding['onForwarded'],
  /** Where `upstream auto` looks (the servers setup recorded, say). */
  sources?: UpstreamSources,
): ForwardingSetup {
  const upstreams = upstreamTransports(parseUpstreams(settings.upstream.join(',')), own, sources);
  const forwarder = new Forwarder({
    upstreams,
    timeoutMs: settings.forwardTimeout * 1000,
    cache: { maxTtl: settings.cacheMaxTtl, maxNegativeTtl: Math.min(DEFAULT_CACHE_LIMITS.maxNegativeTtl, settings.cacheMaxTtl) },
  });
  const limit = new ClientRateLimit(CLIENT_RATE, () => performance.now());
  const summary =
    upstreams.length === 0
      ? 'forwarding: no upstream found (upstream auto, and the system names none devdns can use); forwarded names get SERVFAIL until devdns config set upstream IP'
      : `forwarding ${settings.forward === 'all' ? 'every other name' : 'what overrides leave'} to ${upstreams.map((u) => u.label).join(', ')}`;
  const admit = (address: string) => limit.allow(address);
  return { forwarding: { forwarder, forwardAll: settings.forward === 'all', admit, ...(onForwarded ? { onForwarded } : {}) }, summary };
}
