// Record edits as one step each: validate the input, change the file under the writers' lock,
// report what changed. The CLI and the control API both edit through here, so they share rules.
import { normalizeName } from '../records/names.js';
import { type ParsedInput, parseRecordInput, parseType, type RecordInput } from '../records/record-input.js';
import { type AddResult, addRecords, type RemoveResult, removeRecords } from '../records/record-set.js';
import { RecordStore } from './record-store.js';

export interface AddOutcome extends AddResult {
  /** Notes from reading the input, e.g. that a long TXT value was split. */
  notes: ParsedInput['notes'];
}

export interface AddRequest {
  force?: boolean | undefined;
  /** The TTL of a record given without one: the caller's settings, read before the writers' lock. */
  defaultTtl: number;
}

export async function addRecord(home: string, input: RecordInput, { force = false, defaultTtl }: AddRequest): Promise<AddOutcome> {
  const parsed = parseRecordInput(input);
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
  return new RecordStore(home).update((file) => {
    const outcome = removeRecords(file, request);
    return { file: outcome.file, result: outcome };
  });
}
