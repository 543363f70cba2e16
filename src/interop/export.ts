// The records in other tools' formats: an RFC 1035 master file per zone (for BIND, NSD, Knot,
// CoreDNS), a hosts file, dnsmasq lines, and devdns's own JSON, which `devdns import` reads back
// losslessly. Pure: a RecordFile in, text out, with notes on what a format cannot hold, and which
// text goes to which file.
import { join } from 'node:path';
import { SOA_WIRE } from '../dns/protocol.js';
import { buildZoneIndex, rrsetAt } from '../dns/zone-index.js';
import { InputError } from '../errors.js';
import { isWildcardName } from '../records/names.js';
import { absoluteName, formatFields, formatRdata } from '../records/presentation.js';
import { compareRecords } from '../records/record-set.js';
import { DEFAULT_TTL, type DnsRecord, type RecordFile } from '../records/types.js';
import { zoneOf } from '../records/zones.js';

export const EXPORT_FORMATS = ['zone', 'hosts', 'json', 'dnsmasq'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface Exported {
  text: string;
  /** What the format could not hold, and why. */
  notes: string[];
}

function recordsOf(file: RecordFile, zone: string | undefined): DnsRecord[] {
  const zones = Object.keys(file.zones);
  return [...file.records].filter((r) => zone === undefined || zoneOf(r.name, zones) === zone).sort(compareRecords);
}

/** A name relative to the zone's origin: `@` for the apex, `www` for www.<zone>. */
function relativeName(name: string, zone: string): string {
  if (name === zone) return '@';
  return name.endsWith(`.${zone}`) ? name.slice(0, -(zone.length + 1)) : absoluteName(name);
}

/**
 * The comment that marks an override zone in a zone file devdns writes, read back by the zone
 * parser: `; devdns: override api.example.com`.
 */
export const OVERRIDE_MARK = '; devdns: override';

/**
 * An override zone as a master file: its records alone. devdns holds some names of a real domain
 * there, not the domain: the SOA it keeps for its negative answers is no server's, and the real
 * servers answer for SOA and NS, so a file with them would claim the whole domain with a made-up
 * SOA. Without an SOA, another server will not load it as a zone, which is right; `devdns import`
 * reads the mark and makes it an override again.
 */
function exportOverrideZone(file: RecordFile, zone: string): string {
  const records = recordsOf(file, zone);
  const width = Math.max(1, ...records.map((r) => relativeName(r.name, zone).length));
  const lines = [
    `; zone ${zone}, exported by devdns: an override of a real domain, so no SOA or NS`,
    `${OVERRIDE_MARK} ${zone}`,
    `$ORIGIN ${absoluteName(zone)}`,
    ...records.map(
      (record) =>
        `${relativeName(record.name, zone).padEnd(width)}  ${String(record.ttl).padStart(5)}  IN  ${record.type.padEnd(5)}  ${formatRdata(record)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** One zone as an RFC 1035 master file, with the SOA and NS devdns synthesises (or the user's NS); an override's records alone. */
export function exportZone(file: RecordFile, zone: string): string {
  if (file.zones[zone]?.override === true) return exportOverrideZone(file, zone);
  const index = buildZoneIndex(file);
  const soa = index.soa.get(zone);
  const apexNs = rrsetAt(index.nodes.get(zone), 2) ?? [];
  const records = recordsOf(file, zone).filter((r) => !(r.type === 'NS' && r.name === zone));
  const width = Math.max(1, ...records.map((r) => relativeName(r.name, zone).length));
  const line = (owner: string, ttl: number, type: string, data: string) =>
    `${owner.padEnd(width)}  ${String(ttl).padStart(5)}  IN  ${type.padEnd(5)}  ${data}`;
  const lines = [
    `; zone ${zone}, exported by devdns`,
    `$ORIGIN ${absoluteName(zone)}`,
    `$TTL ${soa?.data.type === 'SOA' ? soa.data.minimum : 5}`,
  ];
  if (soa?.data.type === 'SOA') lines.push(line('@', soa.ttl, 'SOA', formatFields(SOA_WIRE, soa.data)));
  for (const ns of apexNs) if (ns.data.type === 'NS') lines.push(line('@', ns.ttl, 'NS', absoluteName(ns.data.target)));
  for (const record of records) lines.push(line(relativeName(record.name, zone), record.ttl, record.type, formatRdata(record)));
  return `${lines.join('\n')}\n`;
}

export function exportHosts(file: RecordFile, zone?: string): Exported {
  const notes: string[] = [];
  const lines = ['# exported by devdns'];
  for (const record of recordsOf(file, zone)) {
    if (record.type !== 'A' && record.type !== 'AAAA') continue;
    if (isWildcardName(record.name)) {
      notes.push(`skipped ${record.name} ${record.type}: a hosts file has no wildcards`);
      continue;
    }
    lines.push(`${record.address} ${record.name}`);
  }
  return { text: `${lines.join('\n')}\n`, notes };
}

/** dnsmasq's own syntax for each type; what it has no syntax for is noted and left out. */
export function exportDnsmasq(file: RecordFile, zone?: string): Exported {
  const notes: string[] = [];
  const lines = ['# exported by devdns'];
  const records = recordsOf(file, zone);
  const addresses = new Map<string, { list: string[]; ttl: number }>();
  for (const record of records) {
    switch (record.type) {
      case 'A':
      case 'AAAA':
        if (isWildcardName(record.name)) {
          // dnsmasq's address=/domain/ also answers the domain itself, unlike an RFC 4592 wildcard.
          const base = record.name.slice(2);
          lines.push(`address=/${base}/${record.address}`);
          notes.push(`${record.name}: address=/${base}/ also answers ${base} itself`);
        } else {
          addresses.set(record.name, { list: [...(addresses.get(record.name)?.list ?? []), record.address], ttl: record.ttl });
        }
        break;
      case 'CNAME':
        lines.push(`cname=${record.name},${record.target}${record.ttl === DEFAULT_TTL ? '' : `,${record.ttl}`}`);
        break;
      case 'MX':
        lines.push(`mx-host=${record.name},${record.exchange},${record.priority}`);
        break;
      case 'SRV':
        lines.push(`srv-host=${record.name},${record.target},${record.port},${record.priority},${record.weight}`);
        break;
      case 'TXT':
        // dnsmasq unescapes \\ and \" in quoted strings and takes other bytes as they are.
        lines.push(`txt-record=${record.name},${record.strings.map((text) => `"${text.replace(/[\\"]/g, '\\$&')}"`).join(',')}`);
        break;
      case 'PTR':
        lines.push(`ptr-record=${record.name},${record.target}`);
        break;
      case 'CAA': {
        // No CAA syntax: dns-rr with the RDATA in hex (RFC 8659 §4.1: flags, tag length, tag, value).
        const tag = Buffer.from(record.tag);
        const hex = Buffer.concat([Buffer.from([record.flags, tag.length]), tag, Buffer.from(record.value)]).toString('hex');
        lines.push(`dns-rr=${record.name},257,${hex}`);
        break;
      }
      case 'NS':
        notes.push(`skipped ${record.name} NS: dnsmasq does not serve delegations`);
        break;
    }
  }
  // host-record and cname carry a TTL; dnsmasq's other record options have none.
  for (const [name, { list, ttl }] of addresses) lines.push(`host-record=${name},${list.join(',')}${ttl === DEFAULT_TTL ? '' : `,${ttl}`}`);
  return { text: `${lines.join('\n')}\n`, notes };
}

/** devdns's own format: the records file, which import reads back as it was. */
export function exportJson(file: RecordFile, zone?: string): Exported {
  const zones = zone === undefined ? file.zones : { [zone]: file.zones[zone] ?? {} };
  const records = recordsOf(file, zone);
  return { text: `${JSON.stringify({ version: file.version, serial: file.serial, zones, records }, null, 2)}\n`, notes: [] };
}

export interface ExportRequest {
  format: ExportFormat;
  /** Only this zone, which the file must serve. */
  zone?: string | undefined;
  /** -o: a file, or a directory for one zone file each; undefined for stdout. */
  output?: string | undefined;
  /** Whether `output` names an existing directory (the caller looks; this module does no I/O). */
  outputIsDirectory: boolean;
}

export interface ExportPlan {
  notes: string[];
  /** A directory to make first (`-o zones/` for several zones). */
  makeDirectory?: string;
  /** What to write, in order: to `path`, or to stdout when it is undefined. */
  writes: Array<{ path: string | undefined; text: string }>;
}

/** What an export writes where. A zone file holds one zone: several go to a directory, one file each, or to stdout in turn. */
export function planExport(file: RecordFile, { format, zone, output, outputIsDirectory }: ExportRequest): ExportPlan {
  if (format !== 'zone') {
    const exported =
      format === 'hosts' ? exportHosts(file, zone) : format === 'dnsmasq' ? exportDnsmasq(file, zone) : exportJson(file, zone);
    return { notes: exported.notes, writes: [{ path: output, text: exported.text }] };
  }
  const zones = zone === undefined ? Object.keys(file.zones) : [zone];
  const several = output !== undefined && zones.length > 1 && !outputIsDirectory;
  if (several && !output.endsWith('/'))
    throw new InputError(
      '-o',
      `${zones.length} zones (${zones.join(', ')}) make ${zones.length} zone files`,
      'give --zone, or a directory: -o zones/',
    );
  const intoDirectory = output !== undefined && (outputIsDirectory || several);
  const overrides = zones.filter((name) => file.zones[name]?.override === true);
  return {
    notes: overrides.map(
      (name) =>
        `${name}: an override, written without SOA or NS (the real servers answer those), so other servers will not load it as a zone; devdns import reads it back as an override`,
    ),
    ...(several ? { makeDirectory: output } : {}),
    writes: zones.map((name) => ({
      path: output === undefined ? undefined : intoDirectory ? join(output, `${name}.zone`) : output,
      text: exportZone(file, name),
    })),
  };
}
