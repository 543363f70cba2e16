// `devdns add`: parse the record, add it under the store's lock, say exactly what changed.
import { describeRecord } from '../../records/presentation.js';
import { parseRecordInput, type RecordInput } from '../../records/record-input.js';
import { addRecords } from '../../records/record-set.js';
import { RecordStore } from '../../store/record-store.js';
import type { CommandContext } from '../context.js';

export interface AddOptions extends Omit<RecordInput, 'name' | 'value'> {
  force?: boolean;
}

export async function runAdd(context: CommandContext, name: string, value: string | undefined, options: AddOptions): Promise<void> {
  const { output } = context;
  const parsed = parseRecordInput({ ...options, name, value });
  const store = new RecordStore(context.home);
  const result = await store.update((file) => {
    const outcome = addRecords(file, { ...parsed, force: options.force === true });
    return { file: outcome.file, result: outcome };
  });
  for (const note of parsed.notes) output.info(note);
  for (const zone of result.zonesAdded) output.info(`now serving zone ${zone}`);
  for (const record of result.added) output.success(`added ${describeRecord(record)} (ttl ${record.ttl})`);
  for (const record of result.unchanged) output.info(`${describeRecord(record)} exists already; nothing added`);
  for (const change of result.retimed) output.info(`ttl of ${change.name} ${change.type} changed from ${change.from} to ${change.to}`);
  for (const warning of result.warnings) output.warn(warning);
}
