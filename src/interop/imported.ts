// What a parser makes of a file: records with the line they came from, what it skipped and why,
// and the lines it could not read. Shared by every import format.
import { DevdnsError } from '../errors.js';
import type { RecordData, ZoneSettings } from '../records/types.js';

/** A file among several read for one import (`--from`); without it, the file the user named. */
interface FromFile {
  file?: string;
}

export interface ImportedRecord extends FromFile {
  line: number;
  name: string;
  ttl: number | undefined;
  data: RecordData;
}

export interface ImportSkip extends FromFile {
  line: number;
  what: string;
  reason: string;
}

export interface ImportProblem extends FromFile {
  line: number;
  message: string;
}

export interface ParsedImport {
  records: ImportedRecord[];
  skipped: ImportSkip[];
  problems: ImportProblem[];
  /** Zone settings the file carries (devdns's own JSON). */
  zones?: Record<string, ZoneSettings>;
}

export function emptyImport(): ParsedImport {
  return { records: [], skipped: [], problems: [] };
}

/** Runs a validator for one line, turning its error into a problem on that line. */
export function onLine(parsed: ParsedImport, line: number, read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof DevdnsError)) throw error;
    parsed.problems.push({ line, message: `${error.message}${error.hint ? ` (${error.hint})` : ''}` });
  }
}
