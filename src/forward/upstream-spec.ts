// The upstreams a user names in `devdns config set upstream`: `auto` (what the system used before
// devdns), a plain DNS server (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`), DNS over
// TLS (`tls://9.9.9.9#dns.quad9.net`, RFC 7858: the certificate is checked against the name after
// `#`) and DNS over HTTPS (`https://dns.example/dns-query`, RFC 8484). Addresses, never names to
// look up: resolving an upstream's name would need an upstream. Pure.
import { InputError } from '../errors.js';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { normalizeName } from '../records/names.js';
import { parseInteger } from '../records/parse-integer.js';

export type UpstreamSpec =
  | { kind: 'auto' }
  | { kind: 'udp'; host: string; port: number }
  | { kind: 'tls'; host: string; port: number; servername: string }
  | { kind: 'https'; url: string; host: string; port: number; path: string; servername: string };

const FIELD = 'upstream';
const HINT = 'write auto, 192.0.2.53, 192.0.2.53:5353, tls://9.9.9.9#dns.quad9.net or https://dns.example/dns-query (a comma list)';
/** A list longer than this is a mistake: failover tries each in turn within one deadline. */
export const MAX_UPSTREAMS = 8;

function address(text: string, entry: string): string | undefined {
  const v4 = parseIPv4(text);
  if (v4.ok) return v4.address;
  const v6 = parseIPv6(text);
  if (v6.ok) return v6.address;
  if (/[a-z]/i.test(text) && !text.includes(':')) return undefined;
  throw new InputError(FIELD, `"${entry}": ${text} is not an IP address`, HINT);
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address, with `defaultPort`. */
function hostAndPort(text: string, defaultPort: number, entry: string): { host: string | undefined; hostText: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    const host = parseIPv6(bracketed[1] as string);
    if (!host.ok) throw new InputError(FIELD, `"${entry}": ${bracketed[1]} is not an IPv6 address`, HINT);
    return { host: host.address, hostText: bracketed[1] as string, port: port(bracketed[2], defaultPort) };
  }
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host = '', portText] = text.split(':');
    return { host: address(host, entry), hostText: host, port: port(portText, defaultPort) };
  }
  return { host: address(text, entry), hostText: text, port: defaultPort };
}

function port(text: string | undefined, defaultPort: number): number {
  return text === undefined ? defaultPort : parseInteger(text, `${FIELD} port`, 1, 65535);
}

function parseOne(entry: string): UpstreamSpec {
  if (entry === 'auto') return { kind: 'auto' };
  if (entry.startsWith('tls://')) {
    const [target = '', servername, ...rest] = entry.slice('tls://'.length).split('#');
    if (servername === undefined || servername === '' || rest.length > 0) {
      throw new InputError(
        FIELD,
        `"${entry}" names no server to check the certificate against`,
        'add it after #: tls://9.9.9.9#dns.quad9.net',
      );
    }
    const { host, port: tlsPort } = hostAndPort(target, 853, entry);
    if (host === undefined) throw new InputError(FIELD, `"${entry}": give the server's IP address before #`, HINT);
    return { kind: 'tls', host, port: tlsPort, servername: normalizeName(servername, FIELD) };
  }
  if (entry.startsWith('https://')) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new InputError(FIELD, `"${entry}" is not a URL`, HINT);
    }
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      throw new InputError(FIELD, `"${entry}": a DNS over HTTPS URL has a host and a path only`, 'https://dns.example/dns-query');
    }
    const hostText = url.hostname.replace(/^\[|\]$/g, '');
    const ip = address(hostText, entry);
    const servername = ip === undefined ? normalizeName(hostText, FIELD) : ip;
    return {
      kind: 'https',
      url: url.href,
      host: ip ?? servername,
      port: url.port === '' ? 443 : Number(url.port),
      path: url.pathname,
      servername,
    };
  }
  if (/^[a-z]+:\/\//i.test(entry)) {
    throw new InputError(FIELD, `"${entry}": devdns speaks plain DNS, tls:// and https:// to an upstream`, HINT);
  }
  const { host, hostText, port: upstreamPort } = hostAndPort(entry, 53, entry);
  if (host === undefined) {
    throw new InputError(FIELD, `"${entry}": ${hostText} is a name; an upstream is given by its IP address`, HINT);
  }
  return { kind: 'udp', host, port: upstreamPort };
}

/** The upstreams in a setting's text (a comma list); `auto` stands alone. Throws InputError. */
export function parseUpstreams(text: string): UpstreamSpec[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new InputError(FIELD, 'no upstream given', HINT);
  if (entries.length > MAX_UPSTREAMS)
    throw new InputError(FIELD, `${entries.length} upstreams; devdns tries ${MAX_UPSTREAMS} at most`, 'keep the ones you trust most');
  const specs = entries.map(parseOne);
  if (specs.length > 1 && specs.some((spec) => spec.kind === 'auto')) {
    throw new InputError(
      FIELD,
      '"auto" is the system\'s upstreams, and cannot be listed with others',
      'write auto alone, or list the servers',
    );
  }
  return specs;
}

/** The setting's text for a spec, as `config get` shows it. */
export function formatUpstream(spec: UpstreamSpec): string {
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'udp':
      return spec.port === 53 ? spec.host : spec.host.includes(':') ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`;
    case 'tls': {
      const target = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
      return `tls://${target}${spec.port === 853 ? '' : `:${spec.port}`}#${spec.servername}`;
    }
    case 'https':
      return spec.url;
  }
}
