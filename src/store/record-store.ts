// The records file on disk: the only place that imports conf.
// Reads are plain and strict; writes are serialised across processes by a lock around
// read-change-replace, and replace atomically (conf: temp file, fsync, rename). A file that does
// not parse is reported and never written.
import { hostname } from 'node:os';
import { DevdnsError, StoreError } from '../errors.js';
import { checkRecordFile } from '../records/record-file.js';
import { nextSerial } from '../records/record-set.js';
import { JsonSyntaxError, parseStrictJson } from '../records/strict-json.js';
import { emptyRecordFile, type RecordFile } from '../records/types.js';
import { verbose } from '../verbose.js';
import { ensurePrivateHome, readHomeFile } from './home.js';
import { homePath, recordsPath } from './paths.js';
import { MIB } from './safe-file.js';

/** What a change to the file returns: the new file (the same object when nothing changed) and a report. */
export interface Change<T> {
  file: RecordFile;
  result: T;
}

/**
 * The largest records file read: about 600,000 records. A file far past what anyone types is a
 * mistake or an attack (a link to /dev/zero), and is refused before it is read.
 */
export const MAX_RECORDS_BYTES = 64 * MIB;

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

export class RecordStore {
  readonly path: string;

  constructor(
    readonly home: string,
    private readonly now: () => Date = () => new Date(),
    /** The largest file read or written (tests give a small one). */
    private readonly maxBytes = MAX_RECORDS_BYTES,
  ) {
    this.path = recordsPath(home);
  }

  /** The records as they are on disk; no file yet is an empty set. */
  read(): RecordFile {
    verbose(`reading ${this.path}`);
    let text: string | undefined;
    try {
      text = readHomeFile(this.home, this.path, this.maxBytes);
    } catch (error) {
      throw fileFailure(error, 'records-unreadable', this.path, 'cannot be read', 'check the file and its permissions');
    }
    if (text === undefined) return emptyRecordFile();
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
   * When the change throws or changes nothing, the file is not written.
   */
  async update<T>(change: (file: RecordFile) => Change<T>): Promise<T> {
    // Load the writers before taking the lock, so that the lock is held for milliseconds.
    const { default: Conf } = await import('conf');
    this.ensureHome();
    const release = await this.lock();
    try {
      const current = this.read();
      const { file, result } = change(current);
      if (file !== current) this.write(Conf, { ...file, serial: nextSerial(current.serial, this.now()) });
      return result;
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

  private write(Conf: typeof import('conf').default, file: RecordFile): void {
    try {
      const conf = new Conf<RecordFile>({
        cwd: this.home,
        configName: 'records',
        clearInvalidConfig: false,
        configFileMode: 0o600,
        accessPropertiesByDotNotation: false,
        // A file devdns could not read back is never written: every later command would refuse it.
        serialize: (value) => {
          const text = `${JSON.stringify(value, null, 2)}\n`;
          const bytes = Buffer.byteLength(text);
          if (bytes > this.maxBytes)
            throw new StoreError(
              'records-too-large',
              this.path,
              `would take ${size(bytes)} with ${file.records.length} records, over devdns's limit of ${size(this.maxBytes)}; nothing was written`,
              'import fewer names, or remove some first (devdns ls shows them)',
            );
          return text;
        },
      });
      verbose(`writing ${this.path} (temp file and rename)`);
      conf.store = file;
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
