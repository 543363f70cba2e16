// The JSON files devdns writes itself (daemon state, settings, links, the setup journal and root's
// copy of it): read with safe-file.ts's limits, checked by their owner, and replaced atomically.
// The records file is not among them: conf owns it.
import { DevdnsError, StoreError } from '../errors.js';
import { parseStrictJson } from '../records/strict-json.js';
import { ensurePrivateHome, writeHomeFile } from './home.js';
import { type ReadLimits, readTextSafely, writeFileAtomically } from './safe-file.js';

export interface JsonReadLimits extends ReadLimits {
  /** Hand-edited files: RFC 8259 only, duplicate keys refused, errors with line and column. */
  strict?: boolean;
}

/**
 * A file that was read but does not hold what its reader expects. `stage` says whether the text
 * is not JSON or the value failed the reader's check; `detail` is why, without the path.
 */
export class JsonContentError extends Error {
  override readonly name = 'JsonContentError';
  constructor(
    readonly path: string,
    readonly stage: 'syntax' | 'check',
    readonly detail: string,
    options?: { cause: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}

/**
 * The file's value as `check` returns it, or undefined when there is no file. Refusals of the file
 * itself (UnsafeFileError) and errors opening it are thrown as they are; bad JSON and a failed
 * check become JsonContentError, for the owner to name in its own words.
 */
export function readJson<T>(path: string, check: (raw: unknown) => T, limits: JsonReadLimits): T | undefined {
  const text = readTextSafely(path, limits);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = limits.strict ? parseStrictJson(text) : JSON.parse(text);
  } catch (error) {
    throw new JsonContentError(path, 'syntax', (error as Error).message, { cause: error });
  }
  try {
    return check(raw);
  } catch (error) {
    throw new JsonContentError(path, 'check', (error as Error).message, { cause: error });
  }
}

export interface JsonWriteOptions {
  /**
   * A file of root's own outside any home (its journal copy): written by this process, never as
   * the user root acts for. Files in the home are written by the home's rules (writeHomeFile).
   */
  rootOwned?: boolean;
}

/** Replaces the file with `value` as indented JSON: a temp file renamed over it, mode 0600. */
export function writeJsonAtomic(path: string, value: unknown, options: JsonWriteOptions = {}): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (options.rootOwned) writeFileAtomically(path, text);
  else writeHomeFile(path, text);
}

/**
 * Writes a JSON file in the home, made private first (and checked as every command checks it).
 * A failure that is not already a DevdnsError becomes a StoreError with `code`, naming the file.
 */
export function saveHomeJson(home: string, path: string, value: unknown, code: string): void {
  try {
    ensurePrivateHome(home);
    writeJsonAtomic(path, value);
  } catch (error) {
    if (error instanceof DevdnsError) throw error;
    throw new StoreError(
      code,
      path,
      `could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'check the directory',
    );
  }
}
