// Operations on the whole record file: add and remove records with every rule that spans records
// (zones, CNAME exclusivity, CNAME loops, one TTL per RRset). Pure: each returns a new file and
// reports exactly what it did.
import { InputError, NotFoundError, RiskyNameError } from '../errors.js';
import { isAtOrBelow } from './names.js';
import { describeRecord, formatRdata } from './presentation.js';
import { parseRdata } from './record-input.js';
import { rdataOctets, recordKind, targetName } from './record-types.js';
import { DEFAULT_TTL, DEFAULT_ZONE, type DnsRecord, makeRecord, type RecordData, type RecordFile, type RecordType } from './types.js';
import { proposeZone, zoneOf } from './zones.js';

/** Two records are the same record when owner, type and data match; the TTL is not part of it. */
export function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  return a.name === b.name && a.type === b.type && formatRdata(a) === formatRdata(b);
}

/**
 * The most an RRset may take on the wire. A message holds at most 65,535 octets over TCP
 * (RFC 1035 §4.2.2) and an RRset is never split across messages (RFC 2181 §9), so an RRset
 * near that size cannot be answered at all; devdns keeps it far below, about 1,000 A records.
 */
export const MAX_RRSET_OCTETS = 16 * 1024;

/** What one record takes in an answer: owner (a 2-octet pointer), type, class, TTL, length, RDATA. */
export function recordOctets(record: DnsRecord): number {
  return 2 + 10 + rdataOctets(record);
}

function rrsetTooLarge(record: DnsRecord, octets: number): string {
  return `the ${record.type} records of ${record.name} would take ${octets} octets in an answer; devdns keeps an RRset to ${MAX_RRSET_OCTETS} (RFC 2181 §9: it cannot be split)`;
}

export interface AddRequest {
  name: string;
  ttl: number | undefined;
  data: RecordData[];
  /** Claim a public or mDNS name (`.dev`, `.local`) anyway. */
  force?: boolean;
  /** The TTL of a new RRset when none is given (the `ttl` setting). */
  defaultTtl?: number;
}

export interface AddResult {
  file: RecordFile;
  added: DnsRecord[];
  /** Present already with the same data: nothing done. */
  unchanged: DnsRecord[];
  /** RRsets whose TTL the request changed. */
  retimed: Array<{ name: string; type: RecordType; from: number; to: number }>;
  zonesAdded: string[];
  warnings: string[];
}

export function addRecords(file: RecordFile, request: AddRequest): AddResult {
  const result: AddResult = { file, added: [], unchanged: [], retimed: [], zonesAdded: [], warnings: [] };
  let zones = file.zones;
  let zone = zoneOf(request.name, Object.keys(zones));
  if (zone === undefined) {
    const proposal = proposeZone(request.name);
    if (proposal.risk !== undefined && !request.force) throw riskyZoneError(request.name, proposal.risk);
    zone = proposal.zone;
    zones = { ...zones, [zone]: {} };
    result.zonesAdded.push(zone);
  }
  let records = file.records;
  for (const data of request.data) {
    const rrset = records.filter((r) => r.name === request.name && r.type === data.type);
    const ttl = request.ttl ?? rrset[0]?.ttl ?? request.defaultTtl ?? DEFAULT_TTL;
    const record = makeRecord(request.name, ttl, data);
    const existing = rrset.find((r) => sameRecord(r, record));
    // RFC 2181 §5.2: all records of an RRset share one TTL, so a new TTL applies to the whole set.
    const from = rrset[0]?.ttl;
    if (from !== undefined && from !== ttl) {
      records = records.map((r) => (r.name === record.name && r.type === record.type ? { ...r, ttl } : r));
      result.retimed.push({ name: record.name, type: record.type, from, to: ttl });
    }
    if (existing) {
      result.unchanged.push(record);
      continue;
    }
    checkCompatible(records, record, zone);
    const octets = rrset.reduce((sum, r) => sum + recordOctets(r), recordOctets(record));
    if (octets > MAX_RRSET_OCTETS)
      throw new InputError('value', rrsetTooLarge(record, octets), `remove some first: devdns ls ${record.name}`);
    records = [...records, record];
    checkNoCnameLoop(records, record);
    result.added.push(record);
    result.warnings.push(...targetWarnings(records, record));
  }
  if (request.ttl !== undefined) result.warnings.push(...otherTtls(records, request.name, request.ttl, request.data));
  if (result.added.length > 0 || result.retimed.length > 0) {
    result.file = { ...file, zones, records };
  } else {
    result.zonesAdded = [];
  }
  return result;
}

/** A --ttl sets one type's TTL: say which other types at the name keep theirs, and how to change them. */
function otherTtls(records: readonly DnsRecord[], name: string, ttl: number, data: readonly { type: RecordType }[]): string[] {
  const asked = new Set(data.map((d) => d.type));
  const others = new Map<RecordType, DnsRecord>();
  for (const record of records) if (record.name === name && !asked.has(record.type) && record.ttl !== ttl) others.set(record.type, record);
  return [...others.values()].map(
    (record) =>
      `${name} ${record.type} keeps ttl ${record.ttl}: a TTL belongs to one type's records (change it too: devdns add ${name} ${formatRdata(record)} -t ${record.type} --ttl ${ttl})`,
  );
}

function riskyZoneError(name: string, risk: 'public' | 'mdns'): RiskyNameError {
  const tld = name.split('.').at(-1);
  if (risk === 'mdns') {
    return new RiskyNameError(
      'mdns',
      `"${name}" is under .local, which belongs to mDNS (Bonjour, RFC 6762): lookups there stall for seconds`,
      `use a reserved name such as ${name.replace(/\.local$/, '.test')}, or add --force`,
    );
  }
  if (!name.includes('.')) {
    return new RiskyNameError(
      'public',
      `"${name}" is a single label: resolvers complete such a name with search domains instead of asking devdns for it`,
      `use a name under a reserved zone, such as ${name}.test; or add --force to serve .${name} as a zone`,
    );
  }
  return new RiskyNameError(
    'public',
    `"${name}" is under .${tld}, a public top-level domain: serving it hides real sites, and browsers may force HTTPS there (HSTS)`,
    `use a reserved name such as ${name.split('.')[0]}.test, or add --force if you own it`,
  );
}

/** RFC 1034 §3.6.2 and RFC 2181 §10.1: a CNAME owns its name alone, and not at a zone apex. */
function checkCompatible(records: readonly DnsRecord[], record: DnsRecord, zone: string): void {
  const atName = records.filter((r) => r.name === record.name);
  const hint = `remove what is there first: devdns rm ${record.name}`;
  if (record.type === 'CNAME') {
    if (record.name === zone) {
      throw new InputError(
        'name',
        `"${record.name}" is the apex of zone ${zone}, where a CNAME cannot be (it would hide the zone's SOA and NS)`,
        'use an A or AAAA record at the apex',
      );
    }
    const cname = atName.find((r) => r.type === 'CNAME');
    if (cname) {
      throw new InputError('name', `"${record.name}" has a CNAME already (${formatRdata(cname)}); a name has at most one`, hint);
    }
    const other = atName[0];
    if (other) {
      throw new InputError(
        'name',
        `"${record.name}" has ${other.type} data; a CNAME cannot share its name with other records (RFC 1034 §3.6.2)`,
        hint,
      );
    }
  } else if (atName.some((r) => r.type === 'CNAME')) {
    throw new InputError('name', `"${record.name}" is a CNAME; it cannot also have ${record.type} data (RFC 1034 §3.6.2)`, hint);
  }
}

/** The CNAME target of each name, for chasing chains. */
function cnameTargets(records: readonly DnsRecord[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const r of records) if (r.type === 'CNAME') targets.set(r.name, r.target);
  return targets;
}

function checkNoCnameLoop(records: readonly DnsRecord[], record: DnsRecord): void {
  if (record.type !== 'CNAME') return;
  const targets = cnameTargets(records);
  const chain = [record.name];
  for (let name = targets.get(record.name); name !== undefined; name = targets.get(name)) {
    chain.push(name);
    if (name === record.name) {
      throw new InputError('value', `this CNAME makes a loop: ${chain.join(' -> ')}`, 'point it at a name that ends in address records');
    }
  }
}

/** RFC 2181 §10.3: MX and SRV targets must be names with addresses, not aliases. */
function targetWarnings(records: readonly DnsRecord[], record: DnsRecord): string[] {
  const target = recordKind(record.type).hostTarget ? targetName(record) : undefined;
  if (target === undefined || !cnameTargets(records).has(target)) return [];
  return [`${record.type} target ${target} is a CNAME; RFC 2181 §10.3 says it must name a host with A/AAAA records`];
}

export interface RemoveRequest {
  name: string;
  type?: RecordType | undefined;
  value?: string | undefined;
}

export interface RemoveResult {
  file: RecordFile;
  removed: DnsRecord[];
  zonesRemoved: string[];
}

/** Removes every record at `name` that matches the type and value given; nothing matching is an error. */
export function removeRecords(file: RecordFile, request: RemoveRequest): RemoveResult {
  const { name, type, value } = request;
  // With -t the value must be valid for that type, even when nothing could match it.
  const wanted = type !== undefined && value !== undefined ? formatRdata(parseRdata(type, value)) : undefined;
  const candidates = file.records.filter((r) => r.name === name && (type === undefined || r.type === type));
  const matches = value === undefined ? candidates : candidates.filter((r) => (wanted ?? rdataIn(r.type, value)) === formatRdata(r));
  if (matches.length === 0) {
    const what = [request.type, request.name, request.value].filter(Boolean).join(' ');
    throw new NotFoundError(`no record matches ${what}`, `see what there is: devdns ls ${request.name}`);
  }
  const records = file.records.filter((r) => !matches.includes(r));
  const zones = { ...file.zones };
  const zonesRemoved: string[] = [];
  // A zone that only existed for the removed records goes with them; `test` is always served.
  for (const zone of new Set(matches.map((r) => zoneOf(r.name, Object.keys(zones))))) {
    if (zone === undefined || zone === DEFAULT_ZONE || Object.keys(zones[zone] ?? {}).length > 0) continue;
    if (records.some((r) => isAtOrBelow(r.name, zone))) continue;
    delete zones[zone];
    zonesRemoved.push(zone);
  }
  return { file: { ...file, zones, records }, removed: matches, zonesRemoved };
}

/** The presentation form of `value` read as data of `type`, or undefined when it is not valid for that type. */
function rdataIn(type: RecordType, value: string): string | undefined {
  try {
    return formatRdata(parseRdata(type, value));
  } catch {
    return undefined;
  }
}

/** Checks the rules that span records, for a file read from disk; returns the first problem found. */
export function findSetProblem(file: RecordFile): string | undefined {
  const zoneNames = Object.keys(file.zones);
  const seen: DnsRecord[] = [];
  // The records so far at each name: every rule here is about one name, so each check is short.
  const atNames = new Map<string, DnsRecord[]>();
  const rrsetOctets = new Map<string, number>();
  for (const [index, record] of file.records.entries()) {
    const where = () => `records[${index}] (${describeRecord(record)})`;
    const zone = zoneOf(record.name, zoneNames);
    if (zone === undefined) return `${where()} is in none of the zones listed under "zones"`;
    const atName = atNames.get(record.name) ?? [];
    if (atName.some((r) => sameRecord(r, record))) return `${where()} appears twice`;
    const rrsetTtl = atName.find((r) => r.type === record.type)?.ttl;
    if (rrsetTtl !== undefined && rrsetTtl !== record.ttl) {
      return `${where()} has ttl ${record.ttl} where the rest of its RRset has ${rrsetTtl} (RFC 2181 §5.2)`;
    }
    try {
      checkCompatible(atName, record, zone);
      if (record.type === 'CNAME') checkNoCnameLoop([...seen, record], record);
    } catch (error) {
      return `${where()}: ${error instanceof InputError ? error.detail : (error as Error).message}`;
    }
    const key = `${record.name} ${record.type}`;
    const octets = (rrsetOctets.get(key) ?? 0) + recordOctets(record);
    if (octets > MAX_RRSET_OCTETS) return `${where()}: ${rrsetTooLarge(record, octets)}`;
    rrsetOctets.set(key, octets);
    seen.push(record);
    atName.push(record);
    atNames.set(record.name, atName);
  }
  return undefined;
}

/**
 * The next SOA serial: `yyyymmddnn` by the UTC date when that is ahead, else one more than before,
 * so it rises on every change even when the clock jumps back (RFC 1982 needs only "greater").
 */
export function nextSerial(previous: number, now: Date): number {
  const dated = (now.getUTCFullYear() * 10_000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate()) * 100;
  return Math.min(Math.max(previous + 1, dated), 0xffffffff);
}

/** DNS canonical order (RFC 4034 §6.1: by labels from the right), then type, then data. */
export function compareRecords(a: DnsRecord, b: DnsRecord): number {
  const left = a.name.split('.').reverse();
  const right = b.name.split('.').reverse();
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    if (l !== r) return l < r ? -1 : 1;
  }
  return (
    left.length - right.length || recordKind(a.type).listRank - recordKind(b.type).listRank || formatRdata(a).localeCompare(formatRdata(b))
  );
}
