// `devdns rm`: remove the records that match name, type and value; say what went.
import { normalizeName } from '../../records/names.js';
import { describeRecord } from '../../records/presentation.js';
import { parseType } from '../../records/record-input.js';
import { removeRecords } from '../../records/record-set.js';
import { RecordStore } from '../../store/record-store.js';
import type { CommandContext } from '../context.js';

export async function runRm(context: CommandContext, name: string, value: string | undefined, options: { type?: string }): Promise<void> {
  const request = {
    name: normalizeName(name, 'name', { wildcard: true }),
    type: options.type === undefined ? undefined : parseType(options.type),
    value,
  };
  const store = new RecordStore(context.home);
  const result = await store.update((file) => {
    const outcome = removeRecords(file, request);
    return { file: outcome.file, result: outcome };
  });
  for (const record of result.removed) context.output.success(`removed ${describeRecord(record)}`);
  for (const zone of result.zonesRemoved) context.output.info(`no longer serving zone ${zone} (no records left in it)`);
}
