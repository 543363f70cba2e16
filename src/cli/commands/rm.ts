// `devdns rm`: remove the records that match name, type and value; say what went.
import { describeRecord } from '../../records/presentation.js';
import { removeRecord } from '../../store/edits.js';
import type { CommandContext } from '../context.js';
import { notifyDaemon } from '../running-daemon.js';

export async function runRm(context: CommandContext, name: string, value: string | undefined, options: { type?: string }): Promise<void> {
  const result = await removeRecord(context.home, { name, type: options.type, value });
  for (const record of result.removed) context.output.success(`removed ${describeRecord(record)}`);
  for (const zone of result.zonesRemoved) context.output.info(`no longer serving zone ${zone} (no records left in it)`);
  await notifyDaemon(context);
}
