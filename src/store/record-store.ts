// The records file on disk: the only place that imports conf and proper-lockfile.
// Reads are plain and strict; writes are serialised across processes by a lock around
// read-change-replace, and replace atomically (conf: temp file, fsync, rename). A file that does
// not parse is reported and never written.
import { mkdirSync, readFileSync } from 'node:fs';
import { StoreError } from '../errors.js';
import { checkRecordFile } from '../records/record-file.js';
import { nextSerial } from '../records/record-set.js';
import { emptyRecordFile, type RecordFile } from '../records/types.js';
import { verbose } from '../verbose.js';
import { recordsPath } from './paths.js';
import { JsonSyntaxError, parseStrictJson } from './strict-json.js';

/** What a change to the file returns: the new file (the same object when nothing changed) and a report. */
export interface Change<T> {
  file: RecordFile;
  result: T;
}

/** How long a writer waits for others to finish (50 writers at once take about a second here). */
const LOCK_WAIT_MS = 20_000;
/** A lock whose holder died is taken over after this long (proper-lockfile refreshes live locks). */
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

export class RecordStore {
  readonly path: string;

  constructor(
    readonly home: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.path = recordsPath(home);
  }

  /** The records as they are on disk; no file yet is an empty set. */
  read(): RecordFile {
    verbose(`reading ${this.path}`);
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRecordFile();
      throw new StoreError(
        'records-unreadable',
        this.path,
        `cannot be read: ${describeFileError(error)}`,
        'check the file and its permissions',
      );
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
   * When the change throws or changes nothing, the file is not written.
   */
  async update<T>(change: (file: RecordFile) => Change<T>): Promise<T> {
    // Load the writers before taking the lock, so that the lock is held for milliseconds.
    const [{ default: Conf }, lockfile] = await Promise.all([import('conf'), import('proper-lockfile')]);
    this.ensureHome();
    const release = await this.lock(lockfile.lock);
    try {
      const current = this.read();
      const { file, result } = change(current);
      if (file !== current) this.write(Conf, { ...file, serial: nextSerial(current.serial, this.now()) });
      return result;
    } finally {
      await release().catch(() => undefined);
    }
  }

  ensureHome(): void {
    try {
      mkdirSync(this.home, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(
        'home-unwritable',
        this.home,
        `cannot be created: ${describeFileError(error)}`,
        'set DEVDNS_HOME to a directory you can write',
      );
    }
  }

  /** Takes the writers' lock, waiting while another devdns command holds it; any other failure is final. */
  private async lock(lock: typeof import('proper-lockfile').lock): Promise<() => Promise<void>> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        return await lock(this.path, {
          realpath: false,
          lockfilePath: `${this.path}.lock`,
          stale: LOCK_STALE_MS,
          retries: 0,
          // A lock lost to a stall longer than LOCK_STALE_MS: the write that follows may race; say so.
          onCompromised: (error) => {
            process.emitWarning(`devdns: lost the lock on ${this.path}: ${error.message}`);
          },
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
          throw new StoreError(
            'records-unwritable',
            this.path,
            `cannot be locked for writing: ${describeFileError(error)}`,
            'check that the directory is writable',
          );
        }
        if (Date.now() > deadline) {
          throw new StoreError(
            'records-locked',
            this.path,
            'is locked by another devdns command that has not finished',
            `try again; if no devdns command is running, remove ${this.path}.lock`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
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
        serialize: (value) => `${JSON.stringify(value, null, 2)}\n`,
      });
      verbose(`writing ${this.path} (temp file and rename)`);
      conf.store = file;
    } catch (error) {
      throw new StoreError(
        'records-unwritable',
        this.path,
        `could not be written: ${describeFileError(error)}; the previous version is unchanged`,
        'free some space or fix the permissions, then run the command again',
      );
    }
  }
}
