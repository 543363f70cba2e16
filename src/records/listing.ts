// Records as `ls --json` and the control API list them: sorted in DNS order, data in presentation form.
import { formatRdata } from './presentation.js';
import { compareRecords } from './record-set.js';
import type { DnsRecord, RecordFile } from './types.js';
import { zoneOf } from './zones.js';

export interface ListedRecord {
  name: string;
  type: string;
  ttl: number;
  value: string;
  zone: string;
  /** "user", or the path of the linked project file the record comes from. */
  source?: string;
}

export function listRecord(record: DnsRecord, zones: readonly string[]): ListedRecord {
  return { name: record.name, type: record.type, ttl: record.ttl, value: formatRdata(record), zone: zoneOf(record.name, zones) ?? '' };
}

/**
 * The records whose name contains `pattern` (case-insensitive, trailing dot ignored), or all;
 * with `sources` (one per record), each listed with where it comes from.
 */
export function listRecords(file: RecordFile, pattern?: string, sources?: readonly string[]): ListedRecord[] {
  const needle = pattern?.toLowerCase().replace(/\.$/, '');
  const zones = Object.keys(file.zones);
  return file.records
    .map((record, index) => ({ record, source: sources?.[index] }))
    .filter(({ record }) => needle === undefined || record.name.includes(needle))
    .sort((a, b) => compareRecords(a.record, b.record))
    .map(({ record, source }) => ({ ...listRecord(record, zones), ...(source === undefined ? {} : { source }) }));
}
