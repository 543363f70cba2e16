// `devdns add`: add the record, say exactly what changed, and have it answered at once. With the
// daemon running, the daemon makes the change (the one writer); else the command writes the file.
import { ROUTES } from '../../control/protocol.js';
import type { RecordInput } from '../../records/record-input.js';
import type { CommandContext } from '../context.js';
import { afterDaemonEdit, editThroughDaemon } from '../daemon-edits.js';

export interface AddOptions extends Omit<RecordInput, 'name' | 'value'> {
  force?: boolean;
  /** `devdns override`: take over a real name. */
  override?: boolean;
}

/** What a browser still does with a real name devdns answers for (said when an override begins). */
const OVERRIDE_CAVEATS = [
  'browsers still apply what they know of the real site: an HSTS-preloaded domain loads over HTTPS only, so serve HTTPS locally',
  'cookies set by the real site are sent to your local one (they share the name); use a private window to keep them apart',
  'where the system resolver validates DNSSEC and the real domain is signed, the override fails there: devdns doctor checks',
];

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
  const { force, override, ...fields } = options;
  const flags = { force: force === true, ...(override ? { override: true } : {}) };
  const sent = await editThroughDaemon(context, ROUTES.addRecord, { ...fields, name, value, ...flags });
  if (sent !== undefined) {
    const text = (r: { name: string; type: string; value: string }) => `${r.name} ${r.type} ${r.value}`;
    const report: AddReport = {
      ...sent,
      added: sent.added.map((r) => ({ text: text(r), ttl: r.ttl })),
      unchanged: sent.unchanged.map(text),
      // A daemon of an earlier version said its warnings among the notes.
      warnings: sent.warnings ?? [],
    };
    print(context, report, override === true);
    if (report.added.length > 0 || report.retimed.length > 0) await afterDaemonEdit(context);
    return;
  }
  const [{ addRecord }, { describeRecord }] = await Promise.all([import('../../store/edits.js'), import('../../records/presentation.js')]);
  const result = await addRecord(context.home, { ...fields, name, value }, flags);
  print(
    context,
    {
      ...result,
      added: result.added.map((r) => ({ text: describeRecord(r), ttl: r.ttl })),
      unchanged: result.unchanged.map(describeRecord),
    },
    override === true,
  );
  if (result.added.length > 0 || result.retimed.length > 0) await (await import('../running-daemon.js')).notifyDaemon(context);
}

function print({ output }: CommandContext, report: AddReport, override: boolean): void {
  for (const note of report.notes) output.info(note);
  for (const zone of report.zonesAdded) {
    if (!override) {
      output.info(`now serving zone ${zone}`);
      continue;
    }
    output.info(`now overriding ${zone}: its addresses come from devdns, its other types and names from the real servers`);
    for (const caveat of OVERRIDE_CAVEATS) output.warn(caveat);
  }
  for (const record of report.added) output.success(`added ${record.text} (ttl ${record.ttl})`);
  for (const record of report.unchanged) output.info(`${record} exists already; nothing added`);
  for (const change of report.retimed) output.info(`ttl of ${change.name} ${change.type} changed from ${change.from} to ${change.to}`);
  for (const warning of report.warnings) output.warn(warning);
}
