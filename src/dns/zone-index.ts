// The records arranged for answering: RRsets by name and type, the names that exist (empty
// non-terminals too), zone cuts, and each zone's synthesised SOA and NS. Built once per change
// of the records, so that answering is lookups only. Pure.
import { isAtOrBelow } from '../records/names.js';
import { DEFAULT_TTL, type DnsRecord, type RecordFile } from '../records/types.js';
import { QTYPE, type ResourceRecord, type SoaData, typeNumber } from './protocol.js';

/** The server name in synthesised SOA and NS records: devdns itself, on this machine. */
export const SERVER_NAME = 'localhost';
/** Negative answers are cached this long unless the zone says otherwise (RFC 2308 §5: keep it short). */
export const DEFAULT_NEGATIVE_TTL = 5;
const SOA_TIMERS = { refresh: 3600, retry: 600, expire: 86400 };
/**
 * A name devdns answers in every forward zone, so `devdns doctor` can tell through the system
 * resolver whether lookups reach devdns: no other server knows it. TTL 0, so no cache keeps it.
 */
export const PROBE_LABEL = '_devdns-probe';
export const PROBE_ADDRESS = '127.0.83.83';

/**
 * RRsets at one name: each type present, by number, followed by its records, in the order the
 * types first appear (`[1, [a1, a2], 28, [aaaa]]`). A name has a few types at most, so a scan is
 * as quick as a Map and a fraction of its memory: at 100,000 names the index took 37 MB with a
 * Map per name, 22 MB like this.
 */
export type Node = Array<number | ResourceRecord[]>;

/** The RRset of `type` at `node`, or undefined. */
export function rrsetAt(node: Node | undefined, type: number): ResourceRecord[] | undefined {
  if (node === undefined) return undefined;
  for (let i = 0; i < node.length; i += 2) if (node[i] === type) return node[i + 1] as ResourceRecord[];
  return undefined;
}

/** Gives `node` exactly `rrset` as its RRset of `type`, in the place the type had or at the end. */
function setRRset(node: Node, type: number, rrset: ResourceRecord[]): void {
  for (let i = 0; i < node.length; i += 2) {
    if (node[i] === type) {
      node[i + 1] = rrset;
      return;
    }
  }
  node.push(type, rrset);
}

export interface ZoneIndex {
  /** Zone apexes, longest first, so the first match is the closest zone. */
  zones: string[];
  /**
   * The zones that override real names (ZoneSettings.override): devdns holds only some types of
   * some names there, and the rest is forwarded. Their apexes have no SOA or NS node and no
   * probe name (the real servers answer for the apex), but their SOA is kept for negative answers.
   */
  overrides: Set<string>;
  /** Names with records, apexes included (they have SOA and NS). */
  nodes: Map<string, Node>;
  /** Every name that exists: names with records and their ancestors inside the zone (RFC 8020). */
  existing: Set<string>;
  /** Names below an apex that have NS records: delegations to other servers. */
  cuts: Set<string>;
  soa: Map<string, ResourceRecord>;
  serial: number;
  /**
   * For a name below an apex: how many names with records lie below it, inside its zone. A name
   * exists while it has records or this is above 0, so that removing the last record of a name
   * can tell which of its ancestors stop existing (kept by {@link updateZoneIndex}).
   */
  below: Map<string, number>;
}

/**
 * A record as the engine answers with it: owner and TTL apart. The data is the record itself
 * (records are never changed in place; encoders read only the fields of its type), not a copy.
 */
function toResource(record: DnsRecord): ResourceRecord {
  return { name: record.name, ttl: record.ttl, data: record };
}

function addToNode(node: Node, resource: ResourceRecord, type: number): void {
  const rrset = rrsetAt(node, type);
  if (rrset) rrset.push(resource);
  else node.push(type, [resource]);
}

function addTo(nodes: Map<string, Node>, resource: ResourceRecord, type: number): void {
  const node = nodes.get(resource.name);
  if (node) addToNode(node, resource, type);
  else nodes.set(resource.name, [type, [resource]]);
}

export function zoneFor(index: ZoneIndex, name: string): string | undefined {
  return index.zones.find((zone) => isAtOrBelow(name, zone));
}

/** The name one label up: `b.test` for `a.b.test`. */
const parentOf = (name: string) => name.slice(name.indexOf('.') + 1);

/** The name devdns answers itself in a forward zone, unless records or another zone's apex take it. */
function isProbeName(name: string, zone: string): boolean {
  return !zone.endsWith('.arpa') && name.length === zone.length + PROBE_LABEL.length + 1 && name.startsWith(`${PROBE_LABEL}.`);
}

function soaRecord(zone: string, serial: number, minimum: number): ResourceRecord {
  const soaData: SoaData = { type: 'SOA', mname: SERVER_NAME, rname: `hostmaster.${zone}`, serial, ...SOA_TIMERS, minimum };
  return { name: zone, ttl: minimum, data: soaData };
}

const probeRecord = (name: string): ResourceRecord => ({ name, ttl: 0, data: { type: 'A', address: PROBE_ADDRESS } });
const apexNsRecord = (zone: string): ResourceRecord => ({ name: zone, ttl: DEFAULT_TTL, data: { type: 'NS', target: SERVER_NAME } });

/** A name below `zone` gained its first record: it and its ancestors up to the apex exist (RFC 8020). */
function addOwner(index: ZoneIndex, name: string, zone: string): void {
  index.existing.add(name);
  for (let above = parentOf(name); above !== zone; above = parentOf(above)) {
    index.below.set(above, (index.below.get(above) ?? 0) + 1);
    index.existing.add(above);
  }
}

/** A name below `zone` lost its last record: it and the ancestors with nothing else below stop existing. */
function removeOwner(index: ZoneIndex, name: string, zone: string): void {
  if (!index.below.has(name)) index.existing.delete(name);
  for (let above = parentOf(name); above !== zone; above = parentOf(above)) {
    const count = (index.below.get(above) ?? 0) - 1;
    if (count > 0) {
      index.below.set(above, count);
      continue;
    }
    index.below.delete(above);
    // Still there with records of its own, or as the probe name (which always exists).
    if (!index.nodes.has(above) && !(isProbeName(above, zone) && !index.overrides.has(zone))) index.existing.delete(above);
  }
}

export function buildZoneIndex(file: RecordFile): ZoneIndex {
  const zones = Object.keys(file.zones).sort((a, b) => b.length - a.length);
  const index: ZoneIndex = {
    zones,
    overrides: new Set(zones.filter((zone) => file.zones[zone]?.override === true)),
    nodes: new Map(),
    existing: new Set(),
    cuts: new Set(),
    soa: new Map(),
    serial: Math.max(file.serial, 1),
    below: new Map(),
  };
  for (const record of file.records) {
    const node = index.nodes.get(record.name);
    const first = node === undefined;
    // A literal, sized as it is: an empty array grown by a push takes room for 17.
    if (node === undefined) index.nodes.set(record.name, [typeNumber(record.type), [toResource(record)]]);
    else addToNode(node, toResource(record), typeNumber(record.type));
    // Only a name's first record and NS records add anything below.
    if (!first && record.type !== 'NS') continue;
    const zone = zoneFor(index, record.name);
    if (zone === undefined || record.name === zone) continue;
    if (record.type === 'NS') index.cuts.add(record.name);
    // The name and every ancestor up to the apex exist (empty non-terminals, RFC 8020).
    if (first) addOwner(index, record.name, zone);
  }
  for (const zone of zones) {
    index.existing.add(zone);
    const soa = soaRecord(zone, index.serial, file.zones[zone]?.negativeTtl ?? DEFAULT_NEGATIVE_TTL);
    index.soa.set(zone, soa);
    if (index.overrides.has(zone)) continue;
    addTo(index.nodes, soa, QTYPE.SOA);
    if (!zone.endsWith('.arpa') && !index.nodes.has(`${PROBE_LABEL}.${zone}`)) {
      addTo(index.nodes, probeRecord(`${PROBE_LABEL}.${zone}`), QTYPE.A);
      index.existing.add(`${PROBE_LABEL}.${zone}`);
    }
    // Apex NS: the user's when given, else devdns itself.
    if (rrsetAt(index.nodes.get(zone), QTYPE.NS) === undefined) addTo(index.nodes, apexNsRecord(zone), QTYPE.NS);
  }
  return index;
}

/**
 * Brings `index` (built from an earlier set) up to date with `file` in place, where only the
 * records at the names in `names` changed: each such name gets exactly `recordsAt(name)`, which
 * are file's records at it in file order. Afterwards the index is what {@link buildZoneIndex}
 * would make of `file`, in time proportional to the records at those names and their depth.
 * Returns false, leaving the index untouched, when it cannot (the zones or their settings
 * differ): the caller then builds afresh. Answers made from the index before are stale after
 * (a Responder is given the index again, to empty its cache).
 */
export function updateZoneIndex(
  index: ZoneIndex,
  file: RecordFile,
  names: Iterable<string>,
  recordsAt: (name: string) => readonly DnsRecord[],
): boolean {
  const zoneNames = Object.keys(file.zones);
  if (zoneNames.length !== index.zones.length) return false;
  for (const zone of zoneNames) {
    const soa = index.soa.get(zone);
    if (soa === undefined || soa.ttl !== (file.zones[zone]?.negativeTtl ?? DEFAULT_NEGATIVE_TTL)) return false;
    if ((file.zones[zone]?.override === true) !== index.overrides.has(zone)) return false;
  }
  const serial = Math.max(file.serial, 1);
  if (serial !== index.serial) {
    index.serial = serial;
    for (const zone of index.zones) {
      // New records rather than a changed field: an answer made before keeps the serial it had.
      const soa = soaRecord(zone, serial, (index.soa.get(zone) as ResourceRecord).ttl);
      index.soa.set(zone, soa);
      const apex = index.overrides.has(zone) ? undefined : index.nodes.get(zone);
      if (apex) setRRset(apex, QTYPE.SOA, [soa]);
    }
  }
  for (const name of names) updateName(index, name, recordsAt(name));
  return true;
}

/** Gives one name exactly `records`, with what buildZoneIndex adds there and what follows above it. */
function updateName(index: ZoneIndex, name: string, records: readonly DnsRecord[]): void {
  const zone = zoneFor(index, name);
  const override = zone !== undefined && index.overrides.has(zone);
  const apex = name === zone && !override;
  const probe = zone !== undefined && !apex && !override && isProbeName(name, zone);
  let node: Node | undefined;
  for (const record of records) {
    if (node === undefined) node = [typeNumber(record.type), [toResource(record)]];
    else addToNode(node, toResource(record), typeNumber(record.type));
  }
  if (apex) {
    node ??= [];
    setRRset(node, QTYPE.SOA, [index.soa.get(name) as ResourceRecord]);
    if (rrsetAt(node, QTYPE.NS) === undefined) node.push(QTYPE.NS, [apexNsRecord(name)]);
  } else if (probe && node === undefined) {
    node = [QTYPE.A, [probeRecord(name)]];
  }
  // Below an apex, only the names other than the probe have a node exactly when they have records.
  const counted = zone !== undefined && name !== zone && !probe;
  const had = counted && index.nodes.has(name);
  if (node === undefined) index.nodes.delete(name);
  else index.nodes.set(name, node);
  index.cuts.delete(name);
  if (zone !== undefined && name !== zone && records.some((record) => record.type === 'NS')) index.cuts.add(name);
  if (!counted) return;
  const has = records.length > 0;
  if (has && !had) addOwner(index, name, zone);
  else if (!has && had) removeOwner(index, name, zone);
}
