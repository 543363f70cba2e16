// Whether an override survives a DNSSEC-validating system resolver. devdns answers an overridden
// name unsigned; a resolver that validates, asked for a name inside a signed zone, expects
// signatures, finds none and calls the answer bogus (RFC 4035 §5.5): SERVFAIL, and the override is
// gone. Two facts decide it, both here: whether the system resolver validates, read from its files
// through SystemAccess (systemd-resolved, dnsmasq; macOS and Windows do not), and whether the real
// zone that holds the name is signed, asked of an upstream with a function the caller gives.
import { QTYPE, RCODE } from '../dns/protocol.js';
import { transportFor } from '../forward/forwarder.js';
import { FLAG, readMessage, type WireRecord, writeMessage } from '../forward/reply-shape.js';
import { formatUpstream, parseUpstreams } from '../forward/upstream-spec.js';
import type { ResolverKind } from '../os/resolvers.js';
import type { SystemAccess } from '../os/system.js';
import { type UpstreamSources, withSystemUpstreams } from '../os/system-upstreams.js';
import { dropIns, negativeAnchorsInForce } from '../os/systemd-files.js';

/** Whether the system resolver validates DNSSEC, and what says so. */
export type Validation =
  | { validates: false; why: string }
  | {
      validates: true;
      resolver: 'systemd-resolved' | 'dnsmasq' | 'networkmanager-dnsmasq';
      /** The setting and where it is, as a message names it: `DNSSEC=yes in /etc/systemd/resolved.conf`. */
      setting: string;
      /** Domains the resolver does not validate at or below (systemd-resolved's negative trust anchors), with their file. */
      negativeAnchors: Array<{ domain: string; file: string }>;
    };

/** The real zone that holds a name, and whether it is signed where a validator's chain of trust reaches it. */
export interface ZoneSigning {
  zone: string;
  signed: boolean;
  /** It has keys, but no DS in its parent: no chain of trust reaches it, so validators take it as unsigned. */
  island?: true;
}

/** One question to an upstream: the reply's bytes. */
export type AskUpstream = (name: string, type: number) => Promise<Uint8Array>;

const DS = 43;
const DNSKEY = 48;
/** A bound on the files one dnsmasq configuration may pull in (conf-file, conf-dir). */
const MAX_DNSMASQ_FILES = 64;
/** SOA questions for one name before giving up on finding its zone (each parent after a CNAME). */
const MAX_SOA_ASKS = 4;
/** Each question's deadline: doctor waits for no upstream longer. */
export const ASK_TIMEOUT_MS = 1_000;

const normal = (domain: string) => domain.trim().toLowerCase().replace(/\.$/, '');
const atOrUnder = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

/** `DNSSEC=` values as systemd reads them: its booleans, and allow-downgrade; undefined for anything else. */
function dnssecMode(value: string): 'yes' | 'no' | 'allow-downgrade' | undefined {
  const word = value.toLowerCase();
  if (word === 'allow-downgrade') return 'allow-downgrade';
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(word)) return 'yes';
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(word)) return 'no';
  return undefined;
}

/** Each `DNSSEC=` line of a resolved.conf text's [Resolve] section, in order; '' resets to the default. */
function dnssecLines(text: string): string[] {
  const values: string[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Resolve]') {
      const match = /^DNSSEC\s*=\s*(.*)$/.exec(line);
      if (match) values.push((match[1] as string).trim());
    }
  }
  return values;
}

/**
 * systemd-resolved: the last `DNSSEC=` of resolved.conf and its drop-ins wins. The compiled
 * default is the one the shipped resolved.conf shows commented out ("Entries in this file show the
 * compile time defaults"); without that line, `no`, as Debian, Ubuntu and Fedora build it
 * (an upstream build may default to allow-downgrade, and its file then says so).
 */
export function resolvedValidation(system: SystemAccess): Validation {
  const main = '/etc/systemd/resolved.conf';
  const mainText = system.readFile(main) ?? '';
  const shipped = /^\s*#\s*DNSSEC\s*=\s*(\S+)\s*$/m.exec(mainText)?.[1];
  const compiled = (shipped && dnssecMode(shipped)) || 'no';
  let mode: string = compiled;
  let where = `the compiled default${shipped ? ` (#DNSSEC=${shipped} in ${main})` : ''}`;
  for (const file of [main, ...dropIns(system, 'systemd/resolved.conf.d', '.conf')]) {
    for (const value of dnssecLines(file === main ? mainText : (system.readFile(file) ?? ''))) {
      // An empty assignment restores the default; a value systemd does not know it ignores.
      const read = value === '' ? compiled : dnssecMode(value);
      if (read === undefined) continue;
      mode = read;
      where = value === '' ? `the compiled default (DNSSEC= in ${file})` : `DNSSEC=${value} in ${file}`;
    }
  }
  // allow-downgrade validates whenever the upstream speaks DNSSEC, as the real ones do.
  if (mode === 'no') return { validates: false, why: `systemd-resolved does not validate DNSSEC: ${where}` };
  return { validates: true, resolver: 'systemd-resolved', setting: where, negativeAnchors: negativeAnchorsInForce(system) };
}

/** The negative trust anchor that exempts a name from validation: the name itself or a parent of it. */
export function anchorFor(name: string, validation: Validation): { domain: string; file: string } | undefined {
  if (!validation.validates) return undefined;
  return validation.negativeAnchors.find((anchor) => atOrUnder(normal(name), anchor.domain));
}

/** The files a conf-dir line takes (`conf-dir=/dir[,*.conf|,.ext-to-skip]...`, dnsmasq(8)). */
function confDirFiles(system: SystemAccess, spec: string): string[] {
  const [dir = '', ...filters] = spec.split(',').map((part) => part.trim());
  const only = filters.filter((filter) => filter.startsWith('*')).map((filter) => filter.slice(1));
  const skip = filters.filter((filter) => !filter.startsWith('*'));
  return system
    .list(dir.replace(/\/+$/, ''))
    .filter((name) => !name.startsWith('.') && !name.endsWith('~') && !(name.startsWith('#') && name.endsWith('#')))
    .filter((name) => (only.length === 0 || only.some((suffix) => name.endsWith(suffix))) && !skip.some((suffix) => name.endsWith(suffix)))
    .map((name) => `${dir.replace(/\/+$/, '')}/${name}`);
}

/**
 * dnsmasq: a `dnssec` line anywhere in its configuration turns validation on, and it will not
 * start without a `trust-anchor` (Debian's conf-file=/usr/share/dnsmasq-base/trust-anchors.conf).
 * Plain dnsmasq reads /etc/dnsmasq.conf and, as Debian starts it, /etc/dnsmasq.d; NetworkManager
 * starts its own with --conf-file=/dev/null and only /etc/NetworkManager/dnsmasq.d. conf-file and
 * conf-dir lines are followed, bounded.
 */
export function dnsmasqValidation(system: SystemAccess, networkManager: boolean): Validation {
  const resolver = networkManager ? 'networkmanager-dnsmasq' : 'dnsmasq';
  const queue = networkManager
    ? confDirFiles(system, '/etc/NetworkManager/dnsmasq.d')
    : ['/etc/dnsmasq.conf', ...confDirFiles(system, '/etc/dnsmasq.d,.dpkg-dist,.dpkg-old,.dpkg-new')];
  const seen = new Set<string>();
  let dnssec: string | undefined;
  let anchored = false;
  let uncheckedUnsigned: string | undefined;
  while (queue.length > 0 && seen.size < MAX_DNSMASQ_FILES) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const raw of (system.readFile(file) ?? '').split('\n')) {
      const line = raw.trim();
      if (/^dnssec$/.test(line)) dnssec ??= file;
      else if (/^trust-anchor=/.test(line)) anchored = true;
      else if (/^dnssec-check-unsigned=no$/.test(line)) uncheckedUnsigned = file;
      else if (/^conf-file=\//.test(line)) queue.push(line.slice('conf-file='.length).trim());
      else if (/^conf-dir=\//.test(line)) queue.push(...confDirFiles(system, line.slice('conf-dir='.length)));
    }
  }
  if (dnssec === undefined) return { validates: false, why: `${resolver} has no dnssec line, so it does not validate` };
  // Unsigned answers are then taken without asking whether the zone above is signed.
  if (uncheckedUnsigned !== undefined)
    return {
      validates: false,
      why: `${resolver} validates, but dnssec-check-unsigned=no in ${uncheckedUnsigned} lets unsigned answers through`,
    };
  const setting = `dnssec in ${dnssec}${anchored ? '' : ' (no trust-anchor line seen)'}`;
  return { validates: true, resolver, setting, negativeAnchors: [] };
}

/** Whether the system resolver of this kind validates, from its files. */
export function detectValidation(system: SystemAccess, resolver: ResolverKind): Validation {
  switch (resolver) {
    case 'systemd-resolved':
      return resolvedValidation(system);
    case 'dnsmasq':
    case 'networkmanager-dnsmasq':
      return dnsmasqValidation(system, resolver === 'networkmanager-dnsmasq');
    case 'macos':
      // mDNSResponder hands applications what the servers say, unvalidated.
      return { validates: false, why: 'the macOS resolver does not validate DNSSEC' };
    case 'windows':
      // The DNS client is a non-validating stub; only an NRPT rule asking for DNSSEC would change that, and devdns's does not.
      return { validates: false, why: 'the Windows DNS client does not validate DNSSEC' };
    case 'hosts':
      return { validates: false, why: 'names are routed through the hosts file, which DNSSEC does not touch' };
    case 'resolv.conf':
      return { validates: false, why: 'the C library resolver (resolv.conf) does not validate DNSSEC' };
  }
}

/**
 * A query with RD (the upstream recurses), CD (it answers even a zone it finds bogus, so doctor
 * sees the keys) and EDNS with DO (RFC 3225: DNSSEC records wanted), payload 1232 (RFC 6891 §6.2.5).
 */
export function dnssecQuery(name: string, type: number): Uint8Array {
  const opt: WireRecord = { name: '', type: QTYPE.OPT, klass: 1232, ttl: 0x8000, rdata: [] };
  return writeMessage({
    id: 0,
    flags: FLAG.RD | FLAG.CD,
    question: { name: name.replace(/\.$/, ''), type, klass: 1 },
    answer: [],
    authority: [],
    additional: [opt],
  }).bytes;
}

/** A reply's records, or why there are none to read. */
function readReply(bytes: Uint8Array, name: string, type: string): { answer: WireRecord[]; authority: WireRecord[] } {
  const reply = readMessage(bytes);
  if (!reply) throw new Error(`the reply to ${name} ${type} does not parse`);
  const rcode = reply.flags & 0xf;
  if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) throw new Error(`the upstream answered ${name} ${type} with rcode ${rcode}`);
  return reply;
}

/**
 * The real zone that holds `name` and whether it is signed. The zone is the owner of the SOA the
 * upstream gives for the name: in the answer at a zone's apex, in the authority section for any
 * other name, existing or not (RFC 2308 §3). A CNAME there leads the SOA elsewhere, so the parent
 * is asked next, up to the TLD. Signed: the zone's apex has a DNSKEY RRset and its parent a DS
 * RRset for it (RFC 4035 §5): keys without a DS are an island of trust no validator's chain
 * reaches, which it takes as unsigned (§4.3; a trust anchor of the user's own for it aside).
 */
export async function findZoneSigning(name: string, ask: AskUpstream): Promise<ZoneSigning> {
  const labels = normal(name).split('.');
  let zone: string | undefined;
  for (let at = 0; at < Math.min(labels.length, MAX_SOA_ASKS) && zone === undefined; at++) {
    const asked = labels.slice(at).join('.');
    const reply = readReply(await ask(asked, QTYPE.SOA), asked, 'SOA');
    zone = [...reply.answer, ...reply.authority]
      .filter((record) => record.type === QTYPE.SOA)
      .map((record) => normal(record.name))
      .find((owner) => atOrUnder(asked, owner));
  }
  if (zone === undefined) throw new Error(`the upstream named no zone holding ${name} (no SOA)`);
  const owned = (reply: { answer: WireRecord[] }, type: number) =>
    reply.answer.some((record) => record.type === type && normal(record.name) === zone);
  if (!owned(readReply(await ask(zone, DNSKEY), zone, 'DNSKEY'), DNSKEY)) return { zone, signed: false };
  // A DS question is answered from the parent's side (RFC 4035 §3.1.4.1).
  if (owned(readReply(await ask(zone, DS), zone, 'DS'), DS)) return { zone, signed: true };
  return { zone, signed: false, island: true };
}

/** The upstream doctor asks, by its setting's text, how to ask it, and how to let it go. */
export interface UpstreamAsker {
  label: string;
  ask: AskUpstream;
  /** Closes what the transport holds (a DNS over HTTPS connection). */
  close(): void;
}

/**
 * An asker for the first upstream devdns forwards to, through the transport devdns itself uses:
 * plain DNS (over TCP again when the reply comes back truncated), DNS over TLS or over HTTPS;
 * never devdns itself. After one question fails, the rest fail at once with the same error: an
 * upstream that is down costs one deadline, not one per override. Throws when there is none.
 */
export function upstreamAsker(upstream: readonly string[], own: { host: string; port: number }, sources?: UpstreamSources): UpstreamAsker {
  const specs = withSystemUpstreams(parseUpstreams(upstream.join(',')), sources);
  const usable = specs.find((spec) => !(spec.host === own.host && spec.port === own.port));
  if (usable === undefined)
    throw new Error(
      specs.length === 0
        ? 'upstream auto, and the system names no server devdns can use'
        : `the upstream setting names none but devdns itself (${upstream.join(',')})`,
    );
  const transport = transportFor(usable);
  let failed: Error | undefined;
  const ask: AskUpstream = async (name, type) => {
    if (failed) throw failed;
    const query = dnssecQuery(name, type);
    const question = { name, type, class: 1 };
    try {
      const reply = await transport.ask(query, question, ASK_TIMEOUT_MS);
      const truncated = reply.length >= 4 && (((reply[2] as number) << 8) & FLAG.TC) !== 0;
      return truncated && transport.retry ? await transport.retry(query, question, ASK_TIMEOUT_MS) : reply;
    } catch (error) {
      failed = error as Error;
      throw failed;
    }
  };
  return { label: formatUpstream(usable), ask, close: () => transport.close?.() };
}
