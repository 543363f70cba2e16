// Operations on the whole record file: add and remove records with every rule that spans records
// (zones, CNAME exclusivity, CNAME loops, one TTL per RRset). Pure: each returns a new file and
// reports exactly what it did.
import { InputError, NotFoundError, RiskyNameError } from '../errors.js';
import { isAtOrBelow } from './names.js';
import { describeRecord, formatRdata } from './presentation.js';
import { parseRdata } from './record-input.js';
import { rdataOctets, recordKind, targetName } from './record-types.js';
import { DEFAULT_TTL, DEFAULT_ZONE, type DnsRecord, makeRecord, type RecordData, type RecordFile, type RecordType } from './types.js';
import { answeredInFull, proposeZone, usableZone, zoneOf } from './zones.js';

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
  /**
   * `devdns override`: the name is a real one to take over. Its zone is the name itself (for
   * `*.x`, the subtree under x), made an override zone, unless one of ours holds it already.
   */
  override?: boolean;
  /**
   * When the records end (`--for`), as ISO 8601 UTC; undefined: never. A record that exists
   * already takes the request's end, so an add without --for makes a temporary record lasting.
   */
  expires?: string | undefined;
}

export interface AddResult {
  file: RecordFile;
  added: DnsRecord[];
  /** Present already with the same data: nothing done. */
  unchanged: DnsRecord[];
  /** RRsets whose TTL the request changed. */
  retimed: Array<{ name: string; type: RecordType; from: number; to: number }>;
  /** Present already with the same data, whose end the request changed: as they are now. */
  renewed: DnsRecord[];
  zonesAdded: string[];
  warnings: string[];
}

export function addRecords(file: RecordFile, request: AddRequest): AddResult {
  const set = RecordSetBuilder.continuing(file);
  const step = set.add(request);
  return { file: set.file(), ...step };
}

/**
 * Each builder by the records array it last made: an add to a file that a builder made continues
 * with that builder, so a long-lived writer (the daemon) pays for the lookup tables once, not per add.
 */
const builders = new WeakMap<readonly DnsRecord[], RecordSetBuilder>();

/** What one request did to a {@link RecordSetBuilder}: an {@link AddResult} without the file. */
export type AddStep = Omit<AddResult, 'file'>;

/**
 * Adds many requests to one file, each with exactly the rules and results of {@link addRecords},
 * in time proportional to the records added: it keeps the records at each name and the CNAME
 * targets, so no rule looks at the whole file. A request that fails changes nothing.
 */
export class RecordSetBuilder {
  #original: RecordFile;
  /** The records array file() last made: while it is the file's, the builder can take the next add. */
  #made: readonly DnsRecord[] | undefined;
  #zones: RecordFile['zones'];
  readonly #zoneNames: Set<string>;
  readonly #records: DnsRecord[];
  /**
   * Positions in #records of the records at each name, in file order: a number where a name has
   * one record, as most do (an array for each of 100,000 names took 6 MB). Made once the builder
   * has looked up a few names; before that a name's records are found by a scan, so a command
   * that adds one record to a large file does not index all of it (about 50 ms at 100,000).
   */
  #atName: Map<string, number | number[]> | undefined;
  #lookups = 0;
  readonly #targets: Map<string, string>;
  #changed = false;

  constructor(file: RecordFile) {
    this.#original = file;
    this.#zones = file.zones;
    this.#zoneNames = new Set(Object.keys(file.zones));
    this.#records = [...file.records];
    this.#targets = cnameTargets(this.#records);
  }

  /** The positions of the records at `name`, as #atName keeps them. */
  #positionsAt(name: string): number | number[] | undefined {
    if (this.#atName === undefined && ++this.#lookups > SCANS_BEFORE_INDEX) this.#atName = positionsByName(this.#records);
    if (this.#atName !== undefined) return this.#atName.get(name);
    const records = this.#records;
    let found: number | number[] | undefined;
    for (let index = 0; index < records.length; index++) {
      if ((records[index] as DnsRecord).name !== name) continue;
      if (found === undefined) found = index;
      else if (typeof found === 'number') found = [found, index];
      else found.push(index);
    }
    return found;
  }

  /**
   * A builder for `file`: the one that made it when `file` is still what that builder holds
   * (same records array and zones), else a new one.
   */
  static continuing(file: RecordFile): RecordSetBuilder {
    const set = builders.get(file.records);
    if (set === undefined || set.#made !== file.records || set.#zones !== file.zones) return new RecordSetBuilder(file);
    set.#original = file;
    set.#changed = false;
    return set;
  }

  /** The file with every request added so far: the same object when none changed anything. */
  file(): RecordFile {
    if (!this.#changed) return this.#original;
    const records = [...this.#records];
    this.#made = records;
    builders.set(records, this);
    return { ...this.#original, zones: this.#zones, records };
  }

  /** Adds one request, as {@link addRecords} does; on an error the set is left as it was. */
  add(request: AddRequest): AddStep {
    const step: AddStep = { added: [], unchanged: [], retimed: [], renewed: [], zonesAdded: [], warnings: [] };
    let zone = zoneAmong(request.name, this.#zoneNames);
    let newZone: string | undefined;
    if (request.override) {
      const taken = overrideZone(request.name, zone, this.#zones);
      if (taken !== zone) {
        zone = taken;
        newZone = taken;
      }
    } else if (zone === undefined) {
      const proposal = proposeZone(request.name);
      if (proposal.risk !== undefined && !request.force) throw riskyZoneError(request.name, proposal.risk);
      zone = usableZone(proposal.zone, 'name');
      newZone = zone;
    }
    const found = this.#positionsAt(request.name);
    const positions = found === undefined ? [] : typeof found === 'number' ? [found] : found;
    // Everything a request changes is at its one name, so undoing it needs only what was there.
    const before = {
      length: this.#records.length,
      positions: positions.length,
      atName: positions.map((i) => this.#records[i] as DnsRecord),
    };
    const hadTarget = this.#targets.get(request.name);
    try {
      for (const data of request.data) {
        const atName = () => positions.map((i) => this.#records[i] as DnsRecord);
        const rrset = positions.filter((i) => this.#records[i]?.type === data.type);
        const rrsetRecords = rrset.map((i) => this.#records[i] as DnsRecord);
        const ttl = request.ttl ?? rrsetRecords[0]?.ttl ?? request.defaultTtl ?? DEFAULT_TTL;
        const record = makeRecord(request.name, ttl, data);
        if (request.expires !== undefined) record.expires = request.expires;
        const existing = rrsetRecords.find((r) => sameRecord(r, record));
        // RFC 2181 §5.2: all records of an RRset share one TTL, so a new TTL applies to the whole set.
        const from = rrsetRecords[0]?.ttl;
        if (from !== undefined && from !== ttl) {
          for (const i of rrset) this.#records[i] = { ...(this.#records[i] as DnsRecord), ttl };
          step.retimed.push({ name: record.name, type: record.type, from, to: ttl });
        }
        if (existing) {
          if (existing.expires === record.expires) step.unchanged.push(record);
          else {
            const at = rrset.find((i) => sameRecord(this.#records[i] as DnsRecord, record)) as number;
            const { expires: _ended, ...lasting } = this.#records[at] as DnsRecord;
            const renewed = (record.expires === undefined ? lasting : { ...lasting, expires: record.expires }) as DnsRecord;
            this.#records[at] = renewed;
            step.renewed.push(renewed);
          }
          continue;
        }
        checkCompatible(atName(), record, request.override || this.#zones[zone]?.override ? undefined : zone);
        const octets = rrsetRecords.reduce((sum, r) => sum + recordOctets(r), recordOctets(record));
        if (octets > MAX_RRSET_OCTETS)
          throw new InputError('value', rrsetTooLarge(record, octets), `remove some first: devdns ls ${record.name}`);
        positions.push(this.#records.length);
        this.#records.push(record);
        if (record.type === 'CNAME') this.#targets.set(record.name, record.target);
        checkNoCnameLoop(this.#targets, record);
        step.added.push(record);
        step.warnings.push(...targetWarnings(this.#targets, record));
      }
    } catch (error) {
      this.#records.length = before.length;
      positions.length = before.positions;
      for (const [k, i] of positions.entries()) this.#records[i] = before.atName[k] as DnsRecord;
      if (found === undefined) this.#atName?.delete(request.name);
      else this.#atName?.set(request.name, found);
      if (hadTarget === undefined) this.#targets.delete(request.name);
      else this.#targets.set(request.name, hadTarget);
      throw error;
    }
    if (positions !== found && positions.length > 0)
      this.#atName?.set(request.name, positions.length === 1 ? (positions[0] as number) : positions);
    if (request.ttl !== undefined) {
      const atName = positions.map((i) => this.#records[i] as DnsRecord);
      step.warnings.push(...otherTtls(atName, request.name, request.ttl, request.data));
    }
    if (step.added.length > 0 || step.retimed.length > 0 || step.renewed.length > 0) {
      this.#changed = true;
      if (newZone !== undefined) {
        this.#zones = { ...this.#zones, [newZone]: request.override ? { override: true } : {} };
        this.#zoneNames.add(newZone);
        step.zonesAdded.push(newZone);
      }
    }
    return step;
  }
}

/**
 * The zone an override of `name` goes in: the override zone that holds it already, or a new one
 * at the name (for `*.x`, at x). A name in one of the user's own zones is a record, not an
 * override; a whole top-level domain is refused (every real name under it would be taken).
 */
function overrideZone(name: string, current: string | undefined, zones: RecordFile['zones']): string {
  if (answeredInFull(zones, current)) {
    throw new InputError(
      'name',
      `${name} is in your zone ${current}, which devdns answers in full`,
      `add it as a record: devdns add ${name} ...`,
    );
  }
  if (current !== undefined) return current;
  const zone = usableZone(name.startsWith('*.') ? name.slice(2) : name, 'name');
  if (!zone.includes('.')) {
    throw new InputError('name', `${zone} is a whole top-level domain`, `override the names you need under it, e.g. api.example.${zone}`);
  }
  return zone;
}

/** The longest of `zones` that holds `name` (as {@link zoneOf}), found by the name's suffixes. */
function zoneAmong(name: string, zones: ReadonlySet<string>): string | undefined {
  if (zones.has(name)) return name;
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const suffix = name.slice(dot + 1);
    if (zones.has(suffix)) return suffix;
  }
  return undefined;
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

/**
 * RFC 1034 §3.6.2 and RFC 2181 §10.1: a CNAME owns its name alone, and not at a zone apex.
 * `zone` is the apex where devdns keeps an SOA and NS: undefined in an override, whose apex is the
 * real servers' (a CNAME may take over a real name).
 */
function checkCompatible(records: readonly DnsRecord[], record: DnsRecord, zone: string | undefined): void {
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

/** Names a builder looks up by scanning its records before it indexes them. */
const SCANS_BEFORE_INDEX = 8;

/** The positions of the records at each name, as RecordSetBuilder keeps them. */
function positionsByName(records: readonly DnsRecord[]): Map<string, number | number[]> {
  const atName = new Map<string, number | number[]>();
  for (let index = 0; index < records.length; index++) {
    const { name } = records[index] as DnsRecord;
    const positions = atName.get(name);
    if (positions === undefined) atName.set(name, index);
    else if (typeof positions === 'number') atName.set(name, [positions, index]);
    else positions.push(index);
  }
  return atName;
}

/** The CNAME target of each name, for chasing chains. */
function cnameTargets(records: readonly DnsRecord[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const r of records) if (r.type === 'CNAME') targets.set(r.name, r.target);
  return targets;
}

function checkNoCnameLoop(targets: ReadonlyMap<string, string>, record: DnsRecord): void {
  if (record.type !== 'CNAME') return;
  const chain = [record.name];
  for (let name = targets.get(record.name); name !== undefined; name = targets.get(name)) {
    chain.push(name);
    if (name === record.name) {
      throw new InputError('value', `this CNAME makes a loop: ${chain.join(' -> ')}`, 'point it at a name that ends in address records');
    }
  }
}

/** RFC 2181 §10.3: MX and SRV targets must be names with addresses, not aliases. */
function targetWarnings(targets: ReadonlyMap<string, string>, record: DnsRecord): string[] {
  const target = recordKind(record.type).hostTarget ? targetName(record) : undefined;
  if (target === undefined || !targets.has(target)) return [];
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
  const { zones, zonesRemoved } = zonesLeft(file.zones, matches, records);
  return { file: { ...file, zones, records }, removed: matches, zonesRemoved };
}

/**
 * The zones once `removed` are gone and `records` are left: a zone that only existed for the
 * removed records goes with them. `test` is always served, and a zone with settings of its own
 * stays; an override has no other reason to be.
 */
export function zonesLeft(
  before: RecordFile['zones'],
  removed: readonly DnsRecord[],
  records: readonly DnsRecord[],
): { zones: RecordFile['zones']; zonesRemoved: string[] } {
  const zones = { ...before };
  const zonesRemoved: string[] = [];
  for (const zone of new Set(removed.map((r) => zoneOf(r.name, Object.keys(zones))))) {
    if (zone === undefined || zone === DEFAULT_ZONE || Object.keys(zones[zone] ?? {}).some((key) => key !== 'override')) continue;
    if (records.some((r) => isAtOrBelow(r.name, zone))) continue;
    delete zones[zone];
    zonesRemoved.push(zone);
  }
  return { zones, zonesRemoved };
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
  const zoneOfName = zoneFinder(Object.keys(file.zones));
  const targets = new Map<string, string>();
  // The records so far at each name: every rule here is about one name, so each check is short.
  // Most names have one record, kept as it is; a second makes it a list.
  const atNames = new Map<string, DnsRecord | DnsRecord[]>();
  // The octets of each RRset, kept once a name has a second record (`name type` keys).
  const rrsetOctets = new Map<string, number>();
  const records = file.records;
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as DnsRecord;
    const zone = zoneOfName(record.name);
    if (zone === undefined) return `${where(index, record)} is in none of the zones listed under "zones"`;
    const seen = atNames.get(record.name);
    let octets = recordOctets(record);
    if (seen === undefined) {
      // The first record at its name: only the rules about the record alone apply.
      const apex = file.zones[zone]?.override ? undefined : zone;
      const problem = checkAlone(record, apex, targets);
      if (problem !== undefined) return `${where(index, record)}: ${problem}`;
      if (octets > MAX_RRSET_OCTETS) return `${where(index, record)}: ${rrsetTooLarge(record, octets)}`;
      atNames.set(record.name, record);
      continue;
    }
    const atName = Array.isArray(seen) ? seen : [seen];
    if (atName.some((r) => sameRecord(r, record))) return `${where(index, record)} appears twice`;
    const rrsetTtl = atName.find((r) => r.type === record.type)?.ttl;
    if (rrsetTtl !== undefined && rrsetTtl !== record.ttl) {
      return `${where(index, record)} has ttl ${record.ttl} where the rest of its RRset has ${rrsetTtl} (RFC 2181 §5.2)`;
    }
    try {
      // checkCompatible finds a problem only where a CNAME is, new or already there.
      if (record.type === 'CNAME' || atName.some((r) => r.type === 'CNAME'))
        checkCompatible(atName, record, file.zones[zone]?.override ? undefined : zone);
      if (record.type === 'CNAME') {
        targets.set(record.name, record.target);
        checkNoCnameLoop(targets, record);
      }
    } catch (error) {
      return `${where(index, record)}: ${error instanceof InputError ? error.detail : (error as Error).message}`;
    }
    const key = `${record.name} ${record.type}`;
    // The first time a name's RRset is counted here, its records so far are summed once.
    octets += rrsetOctets.get(key) ?? atName.reduce((sum, r) => (r.type === record.type ? sum + recordOctets(r) : sum), 0);
    if (octets > MAX_RRSET_OCTETS) return `${where(index, record)}: ${rrsetTooLarge(record, octets)}`;
    rrsetOctets.set(key, octets);
    atName.push(record);
    if (atName !== seen) atNames.set(record.name, atName);
  }
  return undefined;
}

/**
 * {@link zoneOf} for many names against the same zones. A few zones are compared in place, the
 * longest first, with nothing allocated; many are looked up by the name's suffixes.
 */
function zoneFinder(zones: readonly string[]): (name: string) => string | undefined {
  if (zones.length > 8) {
    const set = new Set(zones);
    return (name) => zoneAmong(name, set);
  }
  const longestFirst = [...zones].sort((a, b) => b.length - a.length);
  return (name) => longestFirst.find((zone) => isAtOrBelow(name, zone));
}

/** A record in a problem: its place in the file and what it is. */
function where(index: number, record: DnsRecord): string {
  return `records[${index}] (${describeRecord(record)})`;
}

/**
 * The rules of {@link findSetProblem} for a record with none before it at its name: what
 * checkCompatible and checkNoCnameLoop say of it then, without building their messages unless
 * there is a problem.
 */
function checkAlone(record: DnsRecord, zone: string | undefined, targets: Map<string, string>): string | undefined {
  if (record.type !== 'CNAME') return undefined;
  try {
    checkCompatible([], record, zone);
    targets.set(record.name, record.target);
    checkNoCnameLoop(targets, record);
  } catch (error) {
    return error instanceof InputError ? error.detail : (error as Error).message;
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

/** Values in one order whatever the locale of the process that sorts them (`ls` and the daemon alike). */
let valueCollator: Intl.Collator | undefined;
function compareValues(a: string, b: string): number {
  valueCollator ??= new Intl.Collator('en');
  return valueCollator.compare(a, b);
}

/** The labels of a record's name from the right: what DNS canonical order compares first. */
export function orderLabels(record: DnsRecord): string[] {
  return record.name.split('.').reverse();
}

/**
 * {@link compareRecords} with each name's {@link orderLabels} made already: a sort of many records
 * makes them once per record rather than once per comparison.
 */
export function compareOrdered(a: DnsRecord, left: readonly string[], b: DnsRecord, right: readonly string[]): number {
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    if (l !== r) return l < r ? -1 : 1;
  }
  return (
    left.length - right.length || recordKind(a.type).listRank - recordKind(b.type).listRank || compareValues(formatRdata(a), formatRdata(b))
  );
}

/** DNS canonical order (RFC 4034 §6.1: by labels from the right), then type, then data. */
export function compareRecords(a: DnsRecord, b: DnsRecord): number {
  return compareOrdered(a, orderLabels(a), b, orderLabels(b));
}
