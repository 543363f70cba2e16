// Records as `ls --json` and the control API list them: sorted in DNS order, data in presentation form.
import { formatRdata } from './presentation.js';
import { compareOrdered, orderLabels } from './record-set.js';
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
  /** When the record ends (`add --for`), ISO 8601 UTC; absent: never. */
  expires?: string;
}

export function listRecord(record: DnsRecord, zones: readonly string[]): ListedRecord {
  const listed = {
    name: record.name,
    type: record.type,
    ttl: record.ttl,
    value: formatRdata(record),
    zone: zoneOf(record.name, zones) ?? '',
  };
  return record.expires === undefined ? listed : { ...listed, expires: record.expires };
}

/** What a pattern matches: names that contain it, case-insensitive, a trailing dot ignored. */
const needleOf = (pattern: string | undefined) => pattern?.toLowerCase().replace(/\.$/, '');

/** How many records {@link listRecords} would list for `pattern`, without listing them. */
export function countListed(file: RecordFile, pattern?: string): number {
  const needle = needleOf(pattern);
  if (needle === undefined) return file.records.length;
  let count = 0;
  for (const record of file.records) if (record.name.includes(needle)) count++;
  return count;
}

/**
 * The records whose name contains `pattern` (case-insensitive, trailing dot ignored), or all;
 * with `sources` (one per record), each listed with where it comes from.
 */
export function listRecords(file: RecordFile, pattern?: string, sources?: readonly string[]): ListedRecord[] {
  const needle = needleOf(pattern);
  const zones = Object.keys(file.zones);
  // Picked first, then sorted, each name split once: at 100,000 records a listing of 11,000 took
  // 50-80 ms of the daemon's time when every record was mapped and each comparison split names.
  const picked: Array<{ record: DnsRecord; labels: string[]; source: string | undefined }> = [];
  for (const [index, record] of file.records.entries()) {
    if (needle === undefined || record.name.includes(needle))
      picked.push({ record, labels: orderLabels(record), source: sources?.[index] });
  }
  return picked
    .sort((a, b) => compareOrdered(a.record, a.labels, b.record, b.labels))
    .map(({ record, source }) => ({ ...listRecord(record, zones), ...(source === undefined ? {} : { source }) }));
}
