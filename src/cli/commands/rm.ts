// `devdns rm`: remove the records that match name, type and value; say what went. With the daemon
// running, the daemon makes the change (the one writer); else the command writes the file.
import { ROUTES } from '../../control/protocol.js';
import type { CommandContext } from '../context.js';
import { afterDaemonEdit, editThroughDaemon } from '../daemon-edits.js';

export async function runRm(context: CommandContext, name: string, value: string | undefined, options: { type?: string }): Promise<void> {
  const selector = { name, ...(options.type === undefined ? {} : { type: options.type }), ...(value === undefined ? {} : { value }) };
  const sent = await editThroughDaemon(context, ROUTES.removeRecords, selector);
  if (sent !== undefined) {
    print(context, sent.removed, sent.zonesRemoved);
    await afterDaemonEdit(context, sent.zonesRemoved.length > 0);
    return;
  }
  const [{ removeRecord }, { describeRecord }] = await Promise.all([
    import('../../store/edits.js'),
    import('../../records/presentation.js'),
  ]);
  const result = await removeRecord(context.home, { name, type: options.type, value });
  print(context, result.removed.map(describeRecord), result.zonesRemoved);
  await (await import('../running-daemon.js')).notifyDaemon(context, result.zonesRemoved.length > 0);
}

function print({ output }: CommandContext, removed: readonly string[], zonesRemoved: readonly string[]): void {
  for (const record of removed) output.success(`removed ${record}`);
  for (const zone of zonesRemoved) output.info(`no longer serving zone ${zone} (no records left in it)`);
}
