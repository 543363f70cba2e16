// Record edits as one step each: validate the input, change the file under the writers' lock,
// report what changed. The CLI and the control API both edit through here, so they share rules.
import { dirname } from 'node:path';
import { NotFoundError } from '../errors.js';
import { normalizeName } from '../records/names.js';
import { type ParsedInput, parseRecordInput, parseType, type RecordInput } from '../records/record-input.js';
import { type AddResult, addRecords, type RemoveResult, removeRecords } from '../records/record-set.js';
import { loadServedRecords, USER_SOURCE } from './projects.js';
import { RecordStore } from './record-store.js';
import { loadSettings } from './settings.js';

export interface AddOutcome extends AddResult {
  /** Notes from reading the input, e.g. that a long TXT value was split. */
  notes: ParsedInput['notes'];
}

export interface AddRequest {
  force?: boolean | undefined;
  /** The TTL of a record given without one (default: the ttl setting, read before the writers' lock). */
  defaultTtl?: number;
}

export async function addRecord(home: string, input: RecordInput, { force = false, ...request }: AddRequest = {}): Promise<AddOutcome> {
  // The input first: a mistake in what the user typed is the error to show, whatever the settings.
  const parsed = parseRecordInput(input);
  const defaultTtl = request.defaultTtl ?? loadSettings(home).ttl;
  const result = await new RecordStore(home).update((file) => {
    const outcome = addRecords(file, { ...parsed, force, defaultTtl });
    return { file: outcome.file, result: outcome };
  });
  return { ...result, notes: parsed.notes };
}

export interface RemoveInput {
  name: string;
  type?: string | undefined;
  value?: string | undefined;
}

export async function removeRecord(home: string, input: RemoveInput): Promise<RemoveResult> {
  const request = {
    name: normalizeName(input.name, 'name', { wildcard: true }),
    type: input.type === undefined ? undefined : parseType(input.type),
    value: input.value,
  };
  try {
    return await new RecordStore(home).update((file) => {
      const outcome = removeRecords(file, request);
      return { file: outcome.file, result: outcome };
    });
  } catch (error) {
    throw error instanceof NotFoundError ? (fromLinkedProject(home, request.name) ?? error) : error;
  }
}

/** A name `rm` cannot remove because a linked project file serves it: say which file, and how to change it. */
function fromLinkedProject(home: string, name: string): NotFoundError | undefined {
  let served: ReturnType<typeof loadServedRecords>;
  try {
    served = loadServedRecords(home);
  } catch {
    return undefined;
  }
  const index = served.file.records.findIndex((record, i) => record.name === name && served.sources[i] !== USER_SOURCE);
  const source = served.sources[index];
  if (source === undefined) return undefined;
  return new NotFoundError(
    `${name} is not one of your records: it comes from the linked project file ${source}`,
    `change it in that file, which your team shares, or stop serving it: devdns unlink ${dirname(source)}`,
  );
}
