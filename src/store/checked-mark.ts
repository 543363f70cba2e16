// What lets a reader skip checking the records file: each devdns write leaves beside it the
// SHA-256 of the bytes it wrote, which devdns checked before writing, and the devdns version that
// checked them. A reader whose file hashes the same, under the same version, reads what devdns
// wrote and checked, and takes it with JSON.parse alone: at 100,000 records that is about 250 ms
// less per command. Anything else (a hand edit, another version's file, no mark, a mark that
// cannot be read) is read and checked in full. The hash covers the text that is parsed, so no
// change between hashing and reading can slip through; the mark is no secret, since whoever can
// write it can write the records file beside it. Root acting for a user never trusts a mark: the
// user could have written it.
import { crypto } from '../platform/builtins.js';
import { packageVersion } from '../platform/package-version.js';
import { verbose } from '../verbose.js';
import { homePath } from './paths.js';
import { type ReadLimits, readTextSafely, writeFileAtomically } from './safe-file.js';

/** The mark is a line of JSON: anything larger is not one. */
const MAX_MARK_BYTES = 1024;

interface Mark {
  devdns: string;
  sha256: string;
}

function sha256(data: string | Uint8Array): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}

/**
 * Leaves the mark for `data`, just written to the records file in `home`. The records are written
 * whatever happens here: a mark that cannot be written leaves the last one, which no longer
 * matches, and the next reader checks the file in full.
 */
export function markChecked(home: string, data: string | Uint8Array): void {
  try {
    const mark: Mark = { devdns: packageVersion(), sha256: sha256(data) };
    writeFileAtomically(homePath(home, 'recordsChecked'), `${JSON.stringify(mark)}\n`);
  } catch (error) {
    verbose(`could not leave the checked mark beside the records: ${(error as Error).message}`);
  }
}

/**
 * Whether `data`, read from the records file in `home` with `limits`, is what devdns last wrote
 * there and checked. Never throws: a mark that cannot be read is no mark.
 */
export function isMarkedChecked(home: string, data: string | Uint8Array, limits: ReadLimits): boolean {
  // The home's files belong to another user when root acts for one (sudo devdns ...).
  if (limits.owner !== undefined && limits.owner !== process.getuid?.()) return false;
  let mark: unknown;
  try {
    const markText = readTextSafely(homePath(home, 'recordsChecked'), { ...limits, maxBytes: MAX_MARK_BYTES });
    if (markText === undefined) return false;
    mark = JSON.parse(markText);
  } catch {
    return false;
  }
  if (typeof mark !== 'object' || mark === null) return false;
  const { devdns, sha256: hash } = mark as Partial<Mark>;
  return devdns === packageVersion() && typeof hash === 'string' && hash === sha256(data);
}
