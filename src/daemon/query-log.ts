// The query log: the recent queries in memory (a bounded ring, for `devdns logs` and the control
// API), the same appended to a file as JSON lines (rotated at a bounded size), and live
// subscribers for `devdns logs -f`. File writes are batched and happen only when there is
// something to write, so an idle daemon does nothing. Under load the file takes at most
// `maxFileLinesPerSecond` queries a second and a line counting the rest: at tens of thousands of
// queries a second, writing each as JSON would cost more than answering it.
import { appendFileSync, renameSync, statSync } from 'node:fs';

export interface QueryLogEntry {
  /** ISO 8601, UTC. */
  time: string;
  /** `address#port`. */
  client: string;
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  rcode: string;
  /** The answer records, `TYPE value` each. */
  answer: string[];
  micros: number;
}

/** An entry as recorded on the hot path: the time as a number, turned into text only when read. */
export interface RawQueryLogEntry extends Omit<QueryLogEntry, 'time'> {
  at: number;
}

function toEntry(raw: RawQueryLogEntry): QueryLogEntry {
  const { at, ...rest } = raw;
  return { time: new Date(at).toISOString(), ...rest };
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

export class QueryLog {
  private readonly ring: RawQueryLogEntry[] = [];
  private next = 0;
  private total = 0;
  private pending: RawQueryLogEntry[] = [];
  private second = 0;
  private linesThisSecond = 0;
  private notWritten = 0;
  private timer: NodeJS.Timeout | undefined;
  private fileBytes: number;
  private readonly subscribers = new Set<(entry: QueryLogEntry) => void>();
  private readonly capacity: number;
  private readonly maxFileBytes: number;

  constructor(
    private readonly path: string,
    private readonly options: QueryLogOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_QUERY_LOG_CAPACITY;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_QUERY_LOG_BYTES;
    try {
      this.fileBytes = statSync(path).size;
    } catch {
      this.fileBytes = 0;
    }
  }

  /** Queries recorded since the start. */
  get count(): number {
    return this.total;
  }

  /** On the hot path: no text is made here; the file gets it in batches. */
  record(entry: RawQueryLogEntry): void {
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
    const second = Math.floor(entry.at / 1000);
    if (second !== this.second) {
      this.second = second;
      this.linesThisSecond = 0;
    }
    if (this.linesThisSecond < (this.options.maxFileLinesPerSecond ?? DEFAULT_FILE_LINES_PER_SECOND)) {
      this.linesThisSecond++;
      this.pending.push(entry);
    } else {
      this.notWritten++;
    }
    // Small batches: a large one blocks answering while it is turned into JSON.
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 20);
    if (this.subscribers.size > 0) {
      const readable = toEntry(entry);
      for (const subscriber of this.subscribers) subscriber(readable);
    }
  }

  /** The last `limit` entries, oldest first. */
  recent(limit = this.capacity): QueryLogEntry[] {
    const ordered = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - limit)).map(toEntry);
  }

  subscribe(listener: (entry: QueryLogEntry) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.notWritten === 0) return;
    let chunk = this.pending.map((entry) => `${JSON.stringify(toEntry(entry))}\n`).join('');
    if (this.notWritten > 0) chunk += `${JSON.stringify({ time: new Date().toISOString(), notLogged: this.notWritten })}\n`;
    this.pending = [];
    this.notWritten = 0;
    try {
      const bytes = Buffer.byteLength(chunk);
      if (this.fileBytes > 0 && this.fileBytes + bytes > this.maxFileBytes) {
        renameSync(this.path, `${this.path}.1`);
        this.fileBytes = 0;
      }
      appendFileSync(this.path, chunk, { mode: 0o600 });
      this.fileBytes += bytes;
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  close(): void {
    this.flush();
    this.subscribers.clear();
  }
}
