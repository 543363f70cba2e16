// The records file as text: the header pretty-printed, then one record per line. A hand edit or a
// diff still reads a record at a glance, and the file is a third the size of fully indented JSON
// (a million records fit in about 70 MB). Pure.
import type { DnsRecord, RecordFile } from './types.js';

/** Records per chunk: small enough that writing a chunk never holds up an answer for long. */
const RECORDS_PER_CHUNK = 2_000;

/**
 * Each run of records' text, by its first record, with the records it was made of: a later write
 * whose run holds the same records (all but the end, after an add) reuses the text.
 */
const runs = new WeakMap<DnsRecord, { first: boolean; records: DnsRecord[]; text: string }>();

function runText(records: readonly DnsRecord[], start: number, end: number): string {
  const first = records[start] as DnsRecord;
  const kept = runs.get(first);
  // The first run has no comma before it: a run is reused only where it was made for.
  if (
    kept &&
    kept.first === (start === 0) &&
    kept.records.length === end - start &&
    kept.records.every((record, i) => record === records[start + i])
  )
    return kept.text;
  // Joined once rather than appended to: appending leaves a tree of partial strings, several
  // times the text's size, until the text is first read.
  const lines: string[] = [];
  for (let i = start; i < end; i++) lines.push(`${i === 0 ? '' : ','}\n    ${JSON.stringify(records[i])}`);
  const text = lines.join('');
  runs.set(first, { first: start === 0, records: records.slice(start, end), text });
  return text;
}

/**
 * The text of `file`, in chunks that join to the whole: the header, each run of records, the end.
 * A caller in a hurry joins them; the daemon yields to its sockets between them.
 */
export function* recordFileChunks(file: RecordFile): Generator<string> {
  const zones = JSON.stringify(file.zones, null, 2).replaceAll('\n', '\n  ');
  const { records } = file;
  yield `{\n  "version": ${file.version},\n  "serial": ${file.serial},\n  "zones": ${zones},\n  "records": [`;
  for (let start = 0; start < records.length; start += RECORDS_PER_CHUNK) {
    yield runText(records, start, Math.min(start + RECORDS_PER_CHUNK, records.length));
  }
  yield `${records.length === 0 ? '' : '\n  '}]\n}\n`;
}

export function recordFileText(file: RecordFile): string {
  return [...recordFileChunks(file)].join('');
}
