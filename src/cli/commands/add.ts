// `devdns add`: add the record, say exactly what changed, and have it answered at once. With the
// daemon running, the daemon makes the change (the one writer); else the command writes the file.
import { ROUTES } from '../../control/protocol.js';
import { InputError } from '../../errors.js';
import { timeLeft } from '../../records/duration.js';
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
  /** Each record added, in presentation form, its TTL and when it ends. */
  added: ReadonlyArray<{ text: string; ttl: number; expires?: string | undefined }>;
  unchanged: readonly string[];
  retimed: ReadonlyArray<{ name: string; type: string; from: number; to: number }>;
  /** Records there already whose end changed. */
  renewed: ReadonlyArray<{ text: string; expires?: string | undefined }>;
  warnings: readonly string[];
}

/**
 * `devdns override` takes a real name from every program on this machine: it asks first on a
 * terminal, and elsewhere needs --force (as `add` does for a public name).
 */
async function consentToOverride(name: string, force: boolean | undefined): Promise<void> {
  if (force) return;
  if (!process.stdin.isTTY)
    throw new InputError(
      'name',
      `overriding ${name} takes the real name over for every program on this machine`,
      'run it in a terminal to be asked, or add --force',
    );
  const { confirm } = await import('../privilege.js');
  const question = `Take ${name} over on this machine? Its addresses will come from devdns, not the real servers.`;
  if (!(await confirm(question, false))) throw new InputError('name', `${name} was not overridden`, 'nothing changed');
}

export async function runAdd(context: CommandContext, name: string, value: string | undefined, options: AddOptions): Promise<void> {
  const { force, override, ...fields } = options;
  if (override) await consentToOverride(name, force);
  const flags = { force: force === true, ...(override ? { override: true } : {}) };
  const sent = await editThroughDaemon(context, ROUTES.addRecord, { ...fields, name, value, ...flags });
  if (sent !== undefined) {
    const text = (r: { name: string; type: string; value: string }) => `${r.name} ${r.type} ${r.value}`;
    const report: AddReport = {
      ...sent,
      added: sent.added.map((r) => ({ text: text(r), ttl: r.ttl, expires: r.expires })),
      unchanged: sent.unchanged.map(text),
      renewed: (sent.renewed ?? []).map((r) => ({ text: text(r), expires: r.expires })),
      // A daemon of an earlier version said its warnings among the notes.
      warnings: sent.warnings ?? [],
    };
    print(context, report, override === true);
    if (report.added.length > 0 || report.retimed.length > 0 || report.renewed.length > 0)
      await afterDaemonEdit(context, report.zonesAdded.length > 0);
    return;
  }
  const [{ addRecord }, { describeRecord }] = await Promise.all([import('../../store/edits.js'), import('../../records/presentation.js')]);
  const result = await addRecord(context.home, { ...fields, name, value }, flags);
  print(
    context,
    {
      ...result,
      added: result.added.map((r) => ({ text: describeRecord(r), ttl: r.ttl, expires: r.expires })),
      unchanged: result.unchanged.map(describeRecord),
      renewed: result.renewed.map((r) => ({ text: describeRecord(r), expires: r.expires })),
    },
    override === true,
  );
  if (result.added.length > 0 || result.retimed.length > 0 || result.renewed.length > 0)
    await (await import('../running-daemon.js')).notifyDaemon(context, result.zonesAdded.length > 0);
}

/** When a record ends, as the add reports it: the time and the time left. */
const until = (expires: string | undefined): string =>
  expires === undefined ? '' : `; ends at ${expires.slice(0, 16).replace('T', ' ')} UTC, in ${timeLeft(expires, Date.now())}`;

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
  for (const record of report.added) output.success(`added ${record.text} (ttl ${record.ttl}${until(record.expires)})`);
  for (const record of report.unchanged) output.info(`${record} exists already; nothing added`);
  for (const record of report.renewed)
    output.info(record.expires === undefined ? `${record.text} no longer ends` : `${record.text} now ends${until(record.expires)}`);
  for (const change of report.retimed) output.info(`ttl of ${change.name} ${change.type} changed from ${change.from} to ${change.to}`);
  for (const warning of report.warnings) output.warn(warning);
}
