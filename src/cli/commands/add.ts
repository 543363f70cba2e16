// `devdns add`: add the record, say exactly what changed, and have a running daemon answer it now.
import { describeRecord } from '../../records/presentation.js';
import type { RecordInput } from '../../records/record-input.js';
import { addRecord } from '../../store/edits.js';
import type { CommandContext } from '../context.js';
import { notifyDaemon } from '../running-daemon.js';

export interface AddOptions extends Omit<RecordInput, 'name' | 'value'> {
  force?: boolean;
}

export async function runAdd(context: CommandContext, name: string, value: string | undefined, options: AddOptions): Promise<void> {
  const { output } = context;
  const { force, ...fields } = options;
  const result = await addRecord(context.home, { ...fields, name, value }, { force: force === true });
  for (const note of result.notes) output.info(note);
  for (const zone of result.zonesAdded) output.info(`now serving zone ${zone}`);
  for (const record of result.added) output.success(`added ${describeRecord(record)} (ttl ${record.ttl})`);
  for (const record of result.unchanged) output.info(`${describeRecord(record)} exists already; nothing added`);
  for (const change of result.retimed) output.info(`ttl of ${change.name} ${change.type} changed from ${change.from} to ${change.to}`);
  for (const warning of result.warnings) output.warn(warning);
  if (result.added.length > 0 || result.retimed.length > 0) await notifyDaemon(context);
}
