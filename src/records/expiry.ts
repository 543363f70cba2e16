// Records that end: `add --for 30m` and `override --for 2h` give a record an `expires` time, and
// from then on nothing that reads the records sees it, whether or not the daemon was running to
// remove it. Pure: the time is given. (`--for` itself is read by duration.ts.)
import { zonesLeft } from './record-set.js';
import type { DnsRecord, RecordFile } from './types.js';

/** An `expires` value as the file keeps it: an ISO 8601 UTC time in its normal form (toISOString's). */
export function isExpiryText(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24) return false;
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value;
}

/** The time `seconds` from `now`, as a record's `expires`. */
export const expiryAfter = (now: number, seconds: number): string => new Date(now + seconds * 1000).toISOString();

/** Whether a record has ended by `now` (ms since the epoch). */
export const hasExpired = (record: DnsRecord, now: number): boolean => record.expires !== undefined && Date.parse(record.expires) <= now;

/**
 * The file as it stands at `now`: without the records that have ended, and without a zone that
 * only existed for them (an override, say), as `rm` would leave it. The same object when nothing
 * has ended, so that callers can tell.
 */
export function liveRecords(file: RecordFile, now: number): RecordFile {
  if (!file.records.some((record) => hasExpired(record, now))) return file;
  const ended = file.records.filter((record) => hasExpired(record, now));
  const records = file.records.filter((record) => !hasExpired(record, now));
  return { ...file, zones: zonesLeft(file.zones, ended, records).zones, records };
}

/** When the next record ends (ms since the epoch), or undefined when none will. */
export function nextExpiry(file: RecordFile): number | undefined {
  let next: number | undefined;
  for (const record of file.records) {
    if (record.expires === undefined) continue;
    const time = Date.parse(record.expires);
    if (next === undefined || time < next) next = time;
  }
  return next;
}
