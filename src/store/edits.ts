// Record edits as one step each: validate the input, change the file under the writers' lock,
// report what changed. The CLI and the control API both edit through here, so they share rules.

import { dirname } from 'node:path';
import { answerQuestion } from '../dns/answer.js';
import { QTYPE, RCODE } from '../dns/protocol.js';
import { buildZoneIndex, type ZoneIndex, zoneFor } from '../dns/zone-index.js';
import { NotFoundError } from '../errors.js';
import { expiryAfter } from '../records/expiry.js';
import { normalizeName } from '../records/names.js';
import { type ParsedInput, parseRecordInput, parseType, type RecordInput } from '../records/record-input.js';
import { type AddResult, addRecords, type RemoveResult, removeRecords } from '../records/record-set.js';
import type { DnsRecord, RecordFile } from '../records/types.js';
import { loadServedRecords, type ServedRecords, USER_SOURCE } from './projects.js';
import { type Change, RecordStore } from './record-store.js';
import { loadSettings } from './settings.js';

/**
 * Where an edit is made: the records file under the writers' lock (a command), or the running
 * daemon's records (its one writer), and what is served, for the checks that look beyond the change.
 */
export interface RecordEditor {
  /** `touched`: the names whose records the change may have changed, when it can say (cheaper than comparing). */
  update<T>(change: (file: RecordFile) => Change<T>, touched?: (result: T) => Iterable<string>): Promise<T>;
  /** The records served, after the change. */
  served(): ServedRecords;
  /** The served records arranged for answering, after the change. */
  index(): ZoneIndex;
}

/** The editor of a command: the home's files, read afresh. */
export function fileEditor(home: string): RecordEditor {
  const store = new RecordStore(home);
  return {
    update: (change) => store.update(change),
    served: () => loadServedRecords(home),
    index: () => buildZoneIndex(loadServedRecords(home).file),
  };
}

export interface AddOutcome extends AddResult {
  /** Notes from reading the input, e.g. that a long TXT value was split. */
  notes: ParsedInput['notes'];
}

export interface AddRequest {
  force?: boolean | undefined;
  /** Take over a real name: its zone is an override (see RecordSetBuilder.add). */
  override?: boolean | undefined;
  /** The TTL of a record given without one (default: the ttl setting, read before the writers' lock). */
  defaultTtl?: number;
}

export async function addRecord(
  home: string,
  input: RecordInput,
  { force = false, override = false, ...request }: AddRequest = {},
  editor = fileEditor(home),
): Promise<AddOutcome> {
  // The input first: a mistake in what the user typed is the error to show, whatever the settings.
  const parsed = parseRecordInput(input);
  const defaultTtl = request.defaultTtl ?? loadSettings(home).ttl;
  const { lifetime, ...add } = parsed;
  const result = await editor.update(
    (file) => {
      // From when the change is made: a wait for the writers' lock does not shorten it.
      const expires = lifetime === undefined ? undefined : expiryAfter(Date.now(), lifetime);
      const outcome = addRecords(file, { ...add, force, override, defaultTtl, expires });
      return { file: outcome.file, result: outcome };
    },
    () => [parsed.name],
  );
  const aliases = result.added.filter((record) => record.type === 'CNAME');
  return { ...result, warnings: [...result.warnings, ...unresolvedAliases(editor, aliases)], notes: parsed.notes };
}

/**
 * A CNAME whose target is one of devdns's names (the user's records and the linked projects')
 * but leads to no address there: the name the user just made answers nothing a browser can use.
 * Asked of the same answering code the daemon runs, so wildcards and chains count as they will.
 * A target outside devdns's zones is someone else's name: the client's resolver follows it.
 */
function unresolvedAliases(editor: RecordEditor, aliases: readonly DnsRecord[]): string[] {
  if (aliases.length === 0) return [];
  let index: ZoneIndex;
  try {
    index = editor.index();
  } catch {
    return []; // an unreadable links file is reported by the commands that serve them
  }
  return aliases.flatMap((alias) => {
    const problem = missingAddress(index, alias.name);
    return problem === undefined ? [] : [`${alias.name} resolves to no address: ${problem}`];
  });
}

/** Why `name` gets no A or AAAA from devdns, or undefined when it gets one (or another server answers for it). */
function missingAddress(index: ZoneIndex, name: string): string | undefined {
  let why = '';
  for (const type of [QTYPE.A, QTYPE.AAAA]) {
    const response = answerQuestion(index, name, type);
    if (response.rcode === RCODE.SERVFAIL) return 'its chain of CNAMEs is too long to follow (devdns answers SERVFAIL)';
    // Below a delegation, another server answers.
    if (!response.authoritative || response.answer.some((rr) => rr.data.type === 'A' || rr.data.type === 'AAAA')) return undefined;
    const chain = response.answer.flatMap((rr) => (rr.data.type === 'CNAME' ? [rr.data.target] : []));
    const end = chain.at(-1) ?? name;
    // The chain leaves devdns's zones: that name's own servers give the address.
    if (zoneFor(index, end) === undefined) return undefined;
    const through = chain.length > 1 ? ` (through ${chain.slice(0, -1).join(', ')})` : '';
    const wildcard = index.nodes.has(`*.${end}`) ? ` (*.${end} covers the names below ${end}, not ${end} itself)` : '';
    why =
      response.rcode === RCODE.NXDOMAIN
        ? `its target ${end}${through} does not exist in devdns${wildcard}`
        : `its target ${end}${through} has no A or AAAA record in devdns${wildcard}`;
    why += `; add ${response.rcode === RCODE.NXDOMAIN ? 'it' : 'one'}, e.g. devdns add ${end} 127.0.0.1`;
  }
  return why;
}

export interface RemoveInput {
  name: string;
  type?: string | undefined;
  value?: string | undefined;
}

export async function removeRecord(home: string, input: RemoveInput, editor = fileEditor(home)): Promise<RemoveResult> {
  const request = {
    name: normalizeName(input.name, 'name', { wildcard: true }),
    type: input.type === undefined ? undefined : parseType(input.type),
    value: input.value,
  };
  try {
    return await editor.update(
      (file) => {
        const outcome = removeRecords(file, request);
        return { file: outcome.file, result: outcome };
      },
      (result) => result.removed.map((record) => record.name),
    );
  } catch (error) {
    throw error instanceof NotFoundError ? (fromLinkedProject(editor, request.name) ?? error) : error;
  }
}

/** A name `rm` cannot remove because a linked project file serves it: say which file, and how to change it. */
function fromLinkedProject(editor: RecordEditor, name: string): NotFoundError | undefined {
  let served: ServedRecords;
  try {
    served = editor.served();
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
