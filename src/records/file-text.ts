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

const headerText = (file: RecordFile) =>
  `{\n  "version": ${file.version},\n  "serial": ${file.serial},\n  "zones": ${JSON.stringify(file.zones, null, 2).replaceAll('\n', '\n  ')},\n  "records": [`;
const endText = (file: RecordFile) => `${file.records.length === 0 ? '' : '\n  '}]\n}\n`;

/**
 * The text of `file`, in chunks that join to the whole: the header, each run of records, the end.
 * A caller in a hurry joins them; the daemon yields to its sockets between them.
 */
export function* recordFileChunks(file: RecordFile): Generator<string> {
  const { records } = file;
  yield headerText(file);
  for (let start = 0; start < records.length; start += RECORDS_PER_CHUNK) {
    yield runText(records, start, Math.min(start + RECORDS_PER_CHUNK, records.length));
  }
  yield endText(file);
}

/**
 * Takes `text` as the text of `file`'s runs, for a file read from text that recordFileChunks
 * made (one record a line): the next write after a change reuses what did not change, as it
 * would in the process that wrote the text. Nothing is kept unless the text has the layout
 * throughout: the same header and end, and one line for each record.
 */
export function rememberFileText(file: RecordFile, text: string): void {
  const { records } = file;
  const header = headerText(file);
  const end = endText(file);
  const recordsEnd = text.length - end.length;
  if (records.length === 0 || !text.startsWith(header) || !text.endsWith(end)) return;
  // Where each record's text starts: at its comma (none for the first), then "\n    " and the record.
  const starts: number[] = [];
  let at = header.length;
  for (let index = 0; index < records.length; index++) {
    if (index % RECORDS_PER_CHUNK === 0) starts.push(at);
    const lead = index === 0 ? '\n    ' : ',\n    ';
    if (!text.startsWith(lead, at)) return;
    // A record's JSON has no newline: its line ends at the next one, the next record's comma before it.
    const lineEnd = text.indexOf('\n', at + lead.length);
    at = index === records.length - 1 ? lineEnd : lineEnd - 1;
    if (lineEnd === -1) return;
  }
  if (at !== recordsEnd) return;
  starts.push(at);
  for (let run = 0; run + 1 < starts.length; run++) {
    const start = run * RECORDS_PER_CHUNK;
    const runRecords = records.slice(start, start + RECORDS_PER_CHUNK);
    runs.set(runRecords[0] as DnsRecord, { first: start === 0, records: runRecords, text: text.slice(starts[run], starts[run + 1]) });
  }
}

export function recordFileText(file: RecordFile): string {
  return [...recordFileChunks(file)].join('');
}
