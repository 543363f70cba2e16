// `devdns add`: add the record, say exactly what changed, and have it answered at once. With the
// daemon running, the daemon makes the change (the one writer); else the command writes the file.
import { ROUTES } from '../../control/protocol.js';
import type { RecordInput } from '../../records/record-input.js';
import type { CommandContext } from '../context.js';
import { afterDaemonEdit, editThroughDaemon } from '../daemon-edits.js';

export interface AddOptions extends Omit<RecordInput, 'name' | 'value'> {
  force?: boolean;
}

/** What an add did, as printed: the same whoever made the change. */
interface AddReport {
  notes: readonly string[];
  zonesAdded: readonly string[];
  /** Each record added, in presentation form, and its TTL. */
  added: ReadonlyArray<{ text: string; ttl: number }>;
  unchanged: readonly string[];
  retimed: ReadonlyArray<{ name: string; type: string; from: number; to: number }>;
  warnings: readonly string[];
}

export async function runAdd(context: CommandContext, name: string, value: string | undefined, options: AddOptions): Promise<void> {
  const { force, ...fields } = options;
  const sent = await editThroughDaemon(context, ROUTES.addRecord, { ...fields, name, value, force: force === true });
  if (sent !== undefined) {
    const text = (r: { name: string; type: string; value: string }) => `${r.name} ${r.type} ${r.value}`;
    const report: AddReport = {
      ...sent,
      added: sent.added.map((r) => ({ text: text(r), ttl: r.ttl })),
      unchanged: sent.unchanged.map(text),
      // A daemon of an earlier version said its warnings among the notes.
      warnings: sent.warnings ?? [],
    };
    print(context, report);
    if (report.added.length > 0 || report.retimed.length > 0) await afterDaemonEdit(context);
    return;
  }
  const [{ addRecord }, { describeRecord }] = await Promise.all([import('../../store/edits.js'), import('../../records/presentation.js')]);
  const result = await addRecord(context.home, { ...fields, name, value }, { force: force === true });
  print(context, {
    ...result,
    added: result.added.map((r) => ({ text: describeRecord(r), ttl: r.ttl })),
    unchanged: result.unchanged.map(describeRecord),
  });
  if (result.added.length > 0 || result.retimed.length > 0) await (await import('../running-daemon.js')).notifyDaemon(context);
}

function print({ output }: CommandContext, report: AddReport): void {
  for (const note of report.notes) output.info(note);
  for (const zone of report.zonesAdded) output.info(`now serving zone ${zone}`);
  for (const record of report.added) output.success(`added ${record.text} (ttl ${record.ttl})`);
  for (const record of report.unchanged) output.info(`${record} exists already; nothing added`);
  for (const change of report.retimed) output.info(`ttl of ${change.name} ${change.type} changed from ${change.from} to ${change.to}`);
  for (const warning of report.warnings) output.warn(warning);
}
