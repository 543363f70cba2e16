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

/** RRsets at one name, by type number. */
export type Node = Map<number, ResourceRecord[]>;

export interface ZoneIndex {
  /** Zone apexes, longest first, so the first match is the closest zone. */
  zones: string[];
  /** Names with records, apexes included (they have SOA and NS). */
  nodes: Map<string, Node>;
  /** Every name that exists: names with records and their ancestors inside the zone (RFC 8020). */
  existing: Set<string>;
  /** Names below an apex that have NS records: delegations to other servers. */
  cuts: Set<string>;
  soa: Map<string, ResourceRecord>;
  serial: number;
}

function toResource(record: DnsRecord): ResourceRecord {
  const { name, ttl, ...data } = record;
  return { name, ttl, data };
}

function addTo(nodes: Map<string, Node>, resource: ResourceRecord, type: number): void {
  let node = nodes.get(resource.name);
  if (!node) {
    node = new Map();
    nodes.set(resource.name, node);
  }
  const rrset = node.get(type);
  if (rrset) rrset.push(resource);
  else node.set(type, [resource]);
}

export function zoneFor(index: ZoneIndex, name: string): string | undefined {
  return index.zones.find((zone) => isAtOrBelow(name, zone));
}

export function buildZoneIndex(file: RecordFile): ZoneIndex {
  const zones = Object.keys(file.zones).sort((a, b) => b.length - a.length);
  const index: ZoneIndex = {
    zones,
    nodes: new Map(),
    existing: new Set(),
    cuts: new Set(),
    soa: new Map(),
    serial: Math.max(file.serial, 1),
  };
  for (const record of file.records) {
    addTo(index.nodes, toResource(record), typeNumber(record.type));
    const zone = zoneFor(index, record.name);
    if (zone === undefined) continue;
    if (record.type === 'NS' && record.name !== zone) index.cuts.add(record.name);
    // The name and every ancestor up to the apex exist (empty non-terminals, RFC 8020).
    for (let name = record.name; name !== zone && name.includes('.'); name = name.slice(name.indexOf('.') + 1)) {
      index.existing.add(name);
    }
  }
  for (const zone of zones) {
    index.existing.add(zone);
    const minimum = file.zones[zone]?.negativeTtl ?? DEFAULT_NEGATIVE_TTL;
    const soaData: SoaData = { type: 'SOA', mname: SERVER_NAME, rname: `hostmaster.${zone}`, serial: index.serial, ...SOA_TIMERS, minimum };
    const soa: ResourceRecord = { name: zone, ttl: minimum, data: soaData };
    index.soa.set(zone, soa);
    addTo(index.nodes, soa, QTYPE.SOA);
    if (!zone.endsWith('.arpa') && !index.nodes.has(`${PROBE_LABEL}.${zone}`)) {
      addTo(index.nodes, { name: `${PROBE_LABEL}.${zone}`, ttl: 0, data: { type: 'A', address: PROBE_ADDRESS } }, QTYPE.A);
      index.existing.add(`${PROBE_LABEL}.${zone}`);
    }
    // Apex NS: the user's when given, else devdns itself.
    if (!index.nodes.get(zone)?.has(QTYPE.NS)) {
      addTo(index.nodes, { name: zone, ttl: DEFAULT_TTL, data: { type: 'NS', target: SERVER_NAME } }, QTYPE.NS);
    }
  }
  return index;
}
