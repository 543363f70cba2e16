// What lets a command skip checking the records file: each devdns write leaves beside it the
// SHA-256 of the bytes it wrote and the devdns version that wrote them. What devdns writes is a
// file it read and checked, changed only through the same rules (record-set.ts: every value read
// by its type's reader, every rule across records applied to what changes; import and the JSON
// and project readers the same); a command whose file hashes the same, under the same version,
// takes it with JSON.parse alone: at 100,000 records about 250 ms less. Anything else (a hand
// edit, another version's file, no mark, a mark that cannot be read) is checked in full. The hash
// covers the bytes that are parsed, so no change between hashing and reading slips through; the
// mark is no secret, since whoever can write it can write the records file beside it. Root acting
// for a user never trusts a mark, nor writes one: the user could have written it. The daemon and
// doctor always check in full (RecordStoreOptions.checkInFull): what the daemon serves reaches
// every program, so a rule a change path missed is refused there rather than served.
import { crypto } from '../platform/builtins.js';
import { packageVersion } from '../platform/package-version.js';
import { verbose } from '../verbose.js';
import { actingFor } from './home.js';
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
  // Root acting for a user writes nothing more in their home than it must (the mark left before
  // no longer matches, and the user's next command checks the file).
  if (actingFor() !== undefined) return;
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
