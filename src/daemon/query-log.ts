// The query log: the recent queries in memory (a bounded ring, for `devdns logs` and the control
// API), the same appended to a file as JSON lines (rotated at a bounded size), and live
// subscribers for `devdns logs -f`. Recording a query makes no text: entries hold references to
// the question and the response, and become text only when read or written. File writes are
// batched, asynchronous (answering never waits for the disk) and one at a time, and happen only
// when there is something to write, so an idle daemon does nothing. Under load the file takes at
// most `maxFileLinesPerSecond` queries a second and a line counting the rest: at tens of
// thousands of queries a second, writing each as JSON would cost more than answering it. The
// file's reader is here too: `devdns logs` reads it when the daemon is not running.

import { appendFile } from 'node:fs/promises';
import type { QueryLogEntry } from '../control/protocol.js';
import { describeData } from '../dns/describe.js';
import type { Response } from '../dns/protocol.js';
import { RCODE_NAMES, typeName } from '../dns/protocol.js';
import { readHomeFile } from '../store/home.js';
import { homePath, rotatedPath } from '../store/paths.js';
import { APPEND_FLAGS, appendError, MIB } from '../store/safe-file.js';
import type { AnsweredQuery, AnswerSummary, QuerySource } from './dns-service.js';
import { fileSize, makeRoom } from './log-file.js';

export type { QueryLogEntry };

/** The log's view of a response, made once per response object (cached replies share one). */
const summaries = new WeakMap<object, { rcode: string; answer: string[] }>();

/** An answered query as the log shows it. */
export function toLogEntry(query: AnsweredQuery): QueryLogEntry {
  const { response } = query;
  let summary = typeof response.rcode === 'string' ? (response as AnswerSummary) : summaries.get(response);
  if (!summary) {
    const own = response as Response;
    summary = {
      rcode: RCODE_NAMES[own.rcode] ?? String(own.rcode),
      answer: own.answer.map((record) => describeData(record.data)),
    };
    summaries.set(response, summary);
  }
  return {
    time: new Date(query.at).toISOString(),
    client: `${query.address}#${query.port}`,
    transport: query.transport,
    name: query.question.name || '.',
    type: typeName(query.question.type),
    rcode: summary.rcode,
    answer: summary.answer,
    micros: query.micros,
    source: query.source ?? 'record',
    ...(query.upstream === undefined ? {} : { upstream: query.upstream }),
  };
}

export interface QueryLogOptions {
  /** Entries kept in memory. */
  capacity?: number;
  /** The file is rotated (to `<path>.1`) when it would grow past this. */
  maxFileBytes?: number;
  /** How long entries wait to be written together. */
  flushMs?: number;
  /** Queries a second written to the file one by one; the rest are counted. */
  maxFileLinesPerSecond?: number;
  onError?: (error: Error) => void;
}

export const DEFAULT_QUERY_LOG_CAPACITY = 1000;
export const DEFAULT_QUERY_LOG_BYTES = 1024 * 1024;
export const DEFAULT_FILE_LINES_PER_SECOND = 1000;

/**
 * The recent queries, column by column in arrays made once: recording one stores numbers and
 * references to objects that live on anyway (the cached question and response), so under load
 * nothing recorded outlives the young generation to be collected later from the old one.
 */
class Ring {
  private readonly at: Float64Array;
  private readonly port: Uint16Array;
  private readonly micros: Uint32Array;
  private readonly tcp: Uint8Array;
  private readonly address: string[];
  private readonly question: Array<AnsweredQuery['question'] | undefined>;
  private readonly response: Array<AnsweredQuery['response'] | undefined>;
  /** Where each answer came from; undefined for devdns's records (most of them). */
  private readonly source: Array<QuerySource | undefined>;
  private readonly upstream: Array<string | undefined>;
  private next = 0;
  private size = 0;
  /** The address of the last query, kept once: most queries come from the same few. */
  private lastAddress = '';

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.port = new Uint16Array(capacity);
    this.micros = new Uint32Array(capacity);
    this.tcp = new Uint8Array(capacity);
    this.address = new Array<string>(capacity).fill('');
    this.question = new Array(capacity).fill(undefined);
    this.response = new Array(capacity).fill(undefined);
    this.source = new Array(capacity).fill(undefined);
    this.upstream = new Array(capacity).fill(undefined);
  }

  push(query: AnsweredQuery): void {
    if (this.capacity === 0) return;
    const i = this.next;
    if (query.address !== this.lastAddress) this.lastAddress = query.address;
    this.at[i] = query.at;
    this.port[i] = query.port;
    this.micros[i] = Math.min(query.micros, 0xffffffff);
    this.tcp[i] = query.transport === 'tcp' ? 1 : 0;
    this.address[i] = this.lastAddress;
    this.question[i] = query.question;
    this.response[i] = query.response;
    this.source[i] = query.source === 'record' ? undefined : query.source;
    this.upstream[i] = query.upstream;
    this.next = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The last `limit` queries, oldest first. */
  last(limit: number): AnsweredQuery[] {
    const count = Math.min(limit, this.size);
    const queries: AnsweredQuery[] = [];
    for (let k = count; k > 0; k--) {
      const i = (this.next - k + this.capacity) % this.capacity;
      const question = this.question[i];
      const response = this.response[i];
      if (!question || !response) continue;
      queries.push({
        at: this.at[i] ?? 0,
        address: this.address[i] ?? '',
        port: this.port[i] ?? 0,
        transport: this.tcp[i] ? 'tcp' : 'udp',
        question,
        response,
        micros: this.micros[i] ?? 0,
        ...(this.source[i] === undefined ? {} : { source: this.source[i] }),
        ...(this.upstream[i] === undefined ? {} : { upstream: this.upstream[i] }),
      });
    }
    return queries;
  }
}

export class QueryLog {
  private readonly ring: Ring;
  private total = 0;
  private pending: AnsweredQuery[] = [];
  private second = 0;
  private linesThisSecond = 0;
  private notWritten = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The write in progress, or the last one; the next batch waits for it. */
  private writing: Promise<void> = Promise.resolve();
  private fileBytes: number;
  private readonly subscribers = new Set<(entry: QueryLogEntry) => void>();
  private readonly maxFileBytes: number;
  private readonly maxLinesPerSecond: number;

  constructor(
    private readonly path: string,
    private readonly options: QueryLogOptions = {},
  ) {
    this.ring = new Ring(options.capacity ?? DEFAULT_QUERY_LOG_CAPACITY);
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_QUERY_LOG_BYTES;
    this.maxLinesPerSecond = options.maxFileLinesPerSecond ?? DEFAULT_FILE_LINES_PER_SECOND;
    this.fileBytes = fileSize(path);
  }

  /** Queries recorded since the start. */
  get count(): number {
    return this.total;
  }

  /** On the hot path: no text is made here; the file gets it in batches. */
  record(query: AnsweredQuery): void {
    this.ring.push(query);
    this.total++;
    const second = Math.floor(query.at / 1000);
    if (second !== this.second) {
      this.second = second;
      this.linesThisSecond = 0;
    }
    if (this.linesThisSecond < this.maxLinesPerSecond) {
      this.linesThisSecond++;
      this.pending.push(query);
    } else {
      this.notWritten++;
    }
    // Small batches: a large one holds up answering while it is turned into JSON.
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 20);
    if (this.subscribers.size > 0) {
      const entry = toLogEntry(query);
      for (const subscriber of this.subscribers) subscriber(entry);
    }
  }

  /** The last `limit` entries, oldest first. */
  recent(limit = this.ring.capacity): QueryLogEntry[] {
    return this.ring.last(limit).map(toLogEntry);
  }

  subscribe(listener: (entry: QueryLogEntry) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** Writes what is waiting, after any write in progress; resolves when it is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.pending.length === 0 && this.notWritten === 0) return;
    let chunk = this.pending.map((query) => `${JSON.stringify(toLogEntry(query))}\n`).join('');
    if (this.notWritten > 0) chunk += `${JSON.stringify({ time: new Date().toISOString(), notLogged: this.notWritten })}\n`;
    this.pending = [];
    this.notWritten = 0;
    try {
      const bytes = Buffer.byteLength(chunk);
      this.fileBytes = makeRoom(this.path, this.fileBytes, bytes, this.maxFileBytes);
      // Never through a link planted at the name, never blocking on a FIFO there.
      await appendFile(this.path, chunk, { mode: 0o600, flag: APPEND_FLAGS });
      this.fileBytes += bytes;
    } catch (error) {
      this.options.onError?.(appendError(this.path, error));
    }
  }

  /** Writes the rest and lets the subscribers go. */
  async close(): Promise<void> {
    this.subscribers.clear();
    await this.flush();
  }
}

/** The query log rotates at log.size (1 MiB by default, 1 GiB at most); the reader takes either file whole. */
const MAX_LOG_READ_BYTES = 1024 * MIB + MIB;

/** The last `limit` queries the daemon of `home` wrote to its query log (and the rotated one before it). */
export function readQueryLogFile(home: string, limit: number): QueryLogEntry[] {
  const path = homePath(home, 'queryLog');
  let text = '';
  for (const file of [rotatedPath(path), path]) {
    // Not there yet is fine; a link, a FIFO or another user's file in its place is refused.
    text += readHomeFile(home, file, MAX_LOG_READ_BYTES) ?? '';
  }
  const entries: QueryLogEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = line.trim() === '' ? undefined : (JSON.parse(line) as QueryLogEntry & { notLogged?: number });
      // Lines counting queries not written one by one under load have no name.
      if (entry?.name !== undefined) entries.push(entry);
    } catch {
      // a line cut by a crash
    }
  }
  return entries.slice(-limit);
}
