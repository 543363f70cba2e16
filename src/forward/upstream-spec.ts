// The upstreams a user names in `devdns config set upstream`: `auto` (what the system used before
// devdns), a plain DNS server (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`), DNS over
// TLS (`tls://9.9.9.9#dns.quad9.net`, RFC 7858) and DNS over HTTPS
// (`https://9.9.9.9/dns-query#dns.quad9.net`, RFC 8484). Addresses, never names to look up:
// resolving an upstream's name would need an upstream. The encrypted kinds share one shape: the
// address devdns connects to comes first, and the name the certificate must be for follows `#`
// (for https://, also the request's :authority). An https:// URL with no `#` is checked against
// its IP address, as a certificate for an IP can be; a URL with a name for its host is refused
// with the form to write instead. Pure.
import { InputError } from '../errors.js';
import { parseIPv4, parseIPv6 } from '../records/ip.js';
import { normalizeName } from '../records/names.js';
import { parseInteger } from '../records/parse-integer.js';

export type UpstreamSpec =
  | { kind: 'auto' }
  | { kind: 'udp'; host: string; port: number }
  | { kind: 'tls'; host: string; port: number; servername: string }
  /** `servername` is the name after `#`, or the address itself when none was given. */
  | { kind: 'https'; host: string; port: number; path: string; servername: string };

const FIELD = 'upstream';
const HINT =
  'write auto, 192.0.2.53, 192.0.2.53:5353, tls://9.9.9.9#dns.quad9.net or https://9.9.9.9/dns-query#dns.quad9.net (a comma list)';
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
  if (entry.startsWith('https://')) return parseHttps(entry);
  if (/^[a-z]+:\/\//i.test(entry)) {
    throw new InputError(FIELD, `"${entry}": devdns speaks plain DNS, tls:// and https:// to an upstream`, HINT);
  }
  const { host, hostText, port: upstreamPort } = hostAndPort(entry, 53, entry);
  if (host === undefined) {
    throw new InputError(FIELD, `"${entry}": ${hostText} is a name; an upstream is given by its IP address`, HINT);
  }
  return { kind: 'udp', host, port: upstreamPort };
}

/** `https://IP[:port]/path[#name]` (RFC 8484): the address to connect to, the path, the certificate's name. */
function parseHttps(entry: string): UpstreamSpec {
  // The address as typed, read as every other upstream's is: URL would take 0x7f.1 for 127.0.0.1.
  const authority = /^https:\/\/([^/?#]*)/.exec(entry)?.[1] ?? '';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new InputError(FIELD, `"${entry}" is not a URL`, HINT);
  }
  if (authority.includes('@') || url.search !== '' || /\?(#|$)/.test(entry)) {
    throw new InputError(FIELD, `"${entry}": a DNS over HTTPS URL has an address, a path, and a name after #`, HINT);
  }
  const { host, hostText, port } = hostAndPort(authority, 443, entry);
  const fragment = entry.includes('#') ? decodeFragment(url.hash.slice(1)) : undefined;
  if (fragment === '') {
    throw new InputError(
      FIELD,
      `"${entry}" names no server after # to check the certificate against`,
      'https://9.9.9.9/dns-query#dns.quad9.net',
    );
  }
  const rest = `${port === 443 ? '' : `:${port}`}${url.pathname}`;
  if (host === undefined) {
    // The URL as a provider publishes it, perhaps with its address after #: the form to write.
    const ip = fragment === undefined ? undefined : anAddress(fragment);
    throw new InputError(
      FIELD,
      `"${entry}": ${hostText} is a name; devdns connects to an address and checks the certificate against the name after #`,
      `write https://${ip === undefined ? 'IP' : ip.includes(':') ? `[${ip}]` : ip}${rest}#${hostText.toLowerCase()}`,
    );
  }
  if (fragment !== undefined && anAddress(fragment) !== undefined) {
    throw new InputError(
      FIELD,
      `"${entry}": after # goes the name the certificate is for, not an address`,
      `https://${authority}${url.pathname}#dns.example`,
    );
  }
  const servername = fragment === undefined ? host : normalizeName(fragment, FIELD);
  return { kind: 'https', host, port, path: url.pathname, servername };
}

function anAddress(text: string): string | undefined {
  const bare = text.replace(/^\[|\]$/g, '');
  const v4 = parseIPv4(bare);
  if (v4.ok) return v4.address;
  const v6 = parseIPv6(bare);
  return v6.ok ? v6.address : undefined;
}

/** The fragment as typed (URL percent-encodes what is not ASCII); the name rules judge the rest. */
function decodeFragment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
    case 'https': {
      const target = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
      const name = spec.servername === spec.host ? '' : `#${spec.servername}`;
      return `https://${target}${spec.port === 443 ? '' : `:${spec.port}`}${spec.path}${name}`;
    }
  }
}
