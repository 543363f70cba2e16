// The records file on disk. Reads are plain and strict; writes are serialised across processes by
// a lock around read-change-replace, and replace atomically (records-writer.ts, through conf). A
// file that does not parse is reported and never written. A long-lived reader (the daemon) keeps
// what it last read or wrote, and reads again only when the file changed on disk.
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { DevdnsError, StoreError } from '../errors.js';
import { liveRecords } from '../records/expiry.js';
import { recordFileChunks, rememberFileText } from '../records/file-text.js';
import { checkRecordFile } from '../records/record-file.js';
import { nextSerial } from '../records/record-set.js';
import { JsonSyntaxError, parseStrictJson } from '../records/strict-json.js';
import { emptyRecordFile, type RecordFile } from '../records/types.js';
import { verbose } from '../verbose.js';
import { isMarkedChecked } from './checked-mark.js';
import { ensurePrivateHome, homeReadLimits } from './home.js';
import { homePath, recordsPath } from './paths.js';
import type { RecordsFileWriter } from './records-writer.js';
import { MIB, type ReadLimits, readFileSafely } from './safe-file.js';

/** What a change to the file returns: the new file (the same object when nothing changed) and a report. */
export interface Change<T> {
  file: RecordFile;
  result: T;
}

/**
 * The largest records file read: about 3,500,000 records of one line each. A file far past what
 * anyone imports is a mistake or an attack (a link to /dev/zero), and is refused before it is read.
 */
export const MAX_RECORDS_BYTES = 256 * MIB;

/** How long a writer waits for others to finish (50 writers at once take about a second here). */
const LOCK_WAIT_MS = 20_000;
/** A lock held from another host (a shared home), whose holder cannot be asked, is taken over after this long. */
const LOCK_STALE_MS = 10_000;

const FILE_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a parent of it is not a directory',
  EISDIR: 'it is a directory',
};

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return FILE_ERRORS[code] ? `${FILE_ERRORS[code]} (${code})` : (error as Error).message;
}

/** A failure to read or make a file, as the store reports it: devdns's own errors pass as they are. */
function fileFailure(error: unknown, code: string, path: string, failed: string, hint: string): DevdnsError {
  if (error instanceof DevdnsError) return error;
  return new StoreError(code, path, `${failed}: ${describeFileError(error)}`, hint);
}

const size = (bytes: number) => (bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${bytes} bytes`);

export interface RecordStoreOptions {
  now?: () => Date;
  /** The largest file read or written (tests give a small one). */
  maxBytes?: number;
  /**
   * Keep the file last read or written, with its stamp, and read again only when the file on disk
   * is another (a long-lived process: the daemon). A command reads once and need not.
   */
  keep?: boolean;
  /**
   * Check the file in full even when devdns's mark says it wrote and checked it (checked-mark.ts):
   * the daemon, which serves what it reads to every program, and doctor, whose business it is.
   */
  checkInFull?: boolean;
  /** Write through this (the daemon's worker thread, so that answers go on meanwhile) rather than in this thread. */
  writer?: RecordsFileWriter;
  /**
   * After each write by update(), before its callers hear of it: the file before and after, and
   * the names the changes touched (undefined when one of them could not say).
   */
  onWrite?: (before: RecordFile, after: RecordFile, touched: ReadonlySet<string> | undefined) => void;
  /**
   * Once no change handed to update() is left, whether the last writes worked or failed: what was
   * put off while writing (a reload of a hand edit) can run now.
   */
  onIdle?: () => void;
}

/** Which file is on disk: inode, size and change times. Every devdns write is a rename to a new inode. */
export function fileStamp(path: string): string {
  try {
    const stats = statSync(path, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch {
    return '-';
  }
}

interface Queued {
  change: (file: RecordFile) => Change<unknown>;
  touched: ((result: unknown) => Iterable<string>) | undefined;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Lets sockets and timers run between chunks of a long piece of work. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RecordStore {
  readonly path: string;
  private readonly now: () => Date;
  private readonly maxBytes: number;
  private kept: { stamp: string; file: RecordFile } | undefined;

  constructor(
    readonly home: string,
    private readonly options: RecordStoreOptions = {},
  ) {
    this.path = recordsPath(home);
    this.now = options.now ?? (() => new Date());
    this.maxBytes = options.maxBytes ?? MAX_RECORDS_BYTES;
  }

  /** The records as they are on disk, without those that have ended (expiry.ts); no file yet is an empty set. */
  read(): RecordFile {
    return liveRecords(this.readKept(false), this.now().getTime());
  }

  /** Whether the file on disk still holds records that have ended (the next write leaves them out). */
  holdsEnded(): boolean {
    const file = this.readKept(false);
    return liveRecords(file, this.now().getTime()) !== file;
  }

  /** read(), for a change that will be written when `forWrite`: then the text read is kept for the write. */
  private readKept(forWrite: boolean): RecordFile {
    if (!this.options.keep) return this.readFile(forWrite);
    // Stamped before reading: a write during the read changes the stamp, so the next read reads again.
    const stamp = fileStamp(this.path);
    if (this.kept?.stamp === stamp && stamp !== '-') return this.kept.file;
    this.kept = undefined;
    const file = this.readFile(forWrite);
    this.kept = { stamp, file };
    return file;
  }

  private readFile(forWrite: boolean): RecordFile {
    verbose(`reading ${this.path}`);
    let bytes: Buffer | undefined;
    let limits: ReadLimits;
    try {
      limits = homeReadLimits(this.home, this.maxBytes);
      bytes = readFileSafely(this.path, limits);
    } catch (error) {
      throw fileFailure(error, 'records-unreadable', this.path, 'cannot be read', 'check the file and its permissions');
    }
    if (bytes === undefined) return emptyRecordFile();
    const text = bytes.toString('utf8');
    // What devdns wrote and checked, byte for byte, is taken as it is (checked-mark.ts).
    if (!this.options.checkInFull && isMarkedChecked(this.home, bytes, limits)) {
      const file = JSON.parse(text) as RecordFile;
      // The write to come reuses the text of what it leaves unchanged.
      if (forWrite) rememberFileText(file, text);
      return file;
    }
    const hint = 'fix it by hand, or move it away to start afresh; devdns never overwrites a file it cannot read';
    let raw: unknown;
    try {
      raw = parseStrictJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new StoreError('records-invalid', this.path, `is not valid JSON: ${error.message}`, hint);
      throw error;
    }
    const checked = checkRecordFile(raw);
    if (!checked.ok) throw new StoreError('records-invalid', this.path, `is not a valid records file: ${checked.problem}`, hint);
    return checked.file;
  }

  /**
   * Applies `change` to the current records under the cross-process lock and writes the result.
   * When the change throws or changes nothing, the file is not written. With a background writer,
   * changes that arrive while a write is under way are applied in turn and written together:
   * each sees the records as the ones before it left them, and each settles once its write did.
   */
  update<T>(change: (file: RecordFile) => Change<T>, touched?: (result: T) => Iterable<string>): Promise<T> {
    if (this.options.writer === undefined) return this.updateNow(change);
    return new Promise<T>((resolve, reject) => {
      this.queued.push({
        change,
        touched: touched as Queued['touched'],
        resolve: resolve as (result: unknown) => void,
        reject,
      });
      void this.writeQueued();
    });
  }

  /** Whether a write by update() is under way or waiting. */
  busy(): boolean {
    return this.writing !== undefined || this.queued.length > 0;
  }

  private readonly queued: Queued[] = [];
  private writing: Promise<void> | undefined;

  /** Resolves once every change handed to update() has been written or has failed. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async updateNow<T>(change: (file: RecordFile) => Change<T>): Promise<T> {
    // Load the writer before taking the lock, so that the lock is held for milliseconds.
    const writer = await import('./records-writer.js');
    const Conf = await writer.loadConf();
    return this.locked(() => {
      const current = this.readKept(true);
      // Records that have ended leave the file with the next write.
      const { file, result } = change(liveRecords(current, this.now().getTime()));
      if (file !== current) {
        const next = { ...file, serial: nextSerial(current.serial, this.now()) };
        const chunks = [...recordFileChunks(next)];
        this.checkSize(next, chunks);
        this.describeFailure(() => writer.writeRecordsText(Conf, this.home, chunks.join('')));
        this.keep(next);
      }
      return result;
    });
  }

  /** Writes the queued changes, a batch at a time, until none are left. */
  private async writeQueued(): Promise<void> {
    if (this.writing) return;
    this.writing = (async () => {
      try {
        while (this.queued.length > 0) await this.writeBatch(this.queued.splice(0));
      } finally {
        this.writing = undefined;
        this.options.onIdle?.();
      }
    })();
    await this.writing;
  }

  private async writeBatch(batch: Queued[]): Promise<void> {
    const done: Array<{ item: Queued; result: unknown }> = [];
    const failed = new Set<Queued>();
    try {
      await this.locked(async () => {
        const current = this.readKept(true);
        // Records that have ended leave the file with this write (every name may then differ).
        const live = liveRecords(current, this.now().getTime());
        let file = live;
        for (const item of batch) {
          try {
            const change = item.change(file);
            file = change.file;
            done.push({ item, result: change.result });
          } catch (error) {
            failed.add(item);
            item.reject(error);
          }
        }
        if (file === current) return;
        const next = { ...file, serial: nextSerial(current.serial, this.now()) };
        await this.writeInBackground(next);
        this.keep(next);
        let touched: Set<string> | undefined = live === current ? new Set<string>() : undefined;
        for (const { item, result } of done) {
          if (item.touched === undefined) touched = undefined;
          else if (touched) for (const name of item.touched(result)) touched.add(name);
        }
        this.options.onWrite?.(current, next, touched);
      });
    } catch (error) {
      // Nothing of the batch reached the disk (the file unreadable, the lock or the write failed):
      // every change in it failed that had not already.
      for (const item of batch) if (!failed.has(item)) item.reject(error);
      return;
    }
    for (const { item, result } of done) item.resolve(result);
  }

  private keep(file: RecordFile): void {
    if (this.options.keep) this.kept = { stamp: fileStamp(this.path), file };
  }

  /** Runs `work` holding the writers' lock (the home made first). */
  private async locked<T>(work: () => T | Promise<T>): Promise<T> {
    this.ensureHome();
    const release = await this.lock();
    try {
      return await work();
    } finally {
      try {
        release();
      } catch {
        // Gone already (a dead-lock breaker judged wrongly): nothing of ours to remove.
      }
    }
  }

  ensureHome(): void {
    try {
      ensurePrivateHome(this.home);
    } catch (error) {
      throw fileFailure(error, 'home-unwritable', this.home, 'cannot be created', 'set DEVDNS_HOME to a directory you can write');
    }
  }

  /** Takes the writers' lock, waiting while another live devdns command holds it; any other failure is final. */
  private async lock(): Promise<() => void> {
    // Loaded here, not at the top: commands that only read (ls) never need it.
    const { acquireLock, LockError } = await import('./file-lock.js');
    try {
      return await acquireLock(homePath(this.home, 'recordsLock'), { waitMs: LOCK_WAIT_MS, staleMs: LOCK_STALE_MS });
    } catch (error) {
      if (!(error instanceof LockError)) throw error;
      const { failure } = error;
      if (failure.kind === 'error') {
        throw new StoreError(
          'records-unwritable',
          this.path,
          `cannot be locked for writing: ${describeFileError(failure.error)}`,
          'check that the directory is writable',
        );
      }
      const holder = failure.holder
        ? ` (pid ${failure.holder.pid}${failure.holder.host === hostname() ? '' : ` on ${failure.holder.host}`})`
        : '';
      throw new StoreError(
        'records-locked',
        this.path,
        `is locked by another devdns command that has not finished${holder}`,
        `try again; if no devdns command is running, remove ${homePath(this.home, 'recordsLock')}`,
      );
    }
  }

  /** The daemon's write: the text made a chunk at a time, then written by the worker thread. */
  private async writeInBackground(file: RecordFile): Promise<void> {
    const chunks: string[] = [];
    for (const chunk of recordFileChunks(file)) {
      chunks.push(chunk);
      await yieldToOthers();
    }
    const bytes = this.checkSize(file, chunks);
    try {
      await this.options.writer?.write(this.home, chunks, bytes);
    } catch (error) {
      this.describeFailure(() => {
        throw error;
      });
    }
  }

  /** A file devdns could not read back is never written: every later command would refuse it. */
  private checkSize(file: RecordFile, chunks: readonly string[]): number {
    let bytes = 0;
    for (const chunk of chunks) bytes += Buffer.byteLength(chunk);
    if (bytes > this.maxBytes)
      throw new StoreError(
        'records-too-large',
        this.path,
        `would take ${size(bytes)} with ${file.records.length} records, over devdns's limit of ${size(this.maxBytes)}; nothing was written`,
        'import fewer names, or remove some first (devdns ls shows them)',
      );
    return bytes;
  }

  /** Runs a write, reporting a failure as the store does: devdns's own errors as they are. */
  private describeFailure<T>(write: () => T): T {
    try {
      verbose(`writing ${this.path} (temp file and rename)`);
      return write();
    } catch (error) {
      if (error instanceof DevdnsError) throw error;
      throw new StoreError(
        'records-unwritable',
        this.path,
        `could not be written: ${describeFileError(error)}; the previous version is unchanged`,
        'free some space or fix the permissions, then run the command again',
      );
    }
  }
}
