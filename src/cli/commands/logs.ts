// `devdns logs`: the recent queries (time, client, name, type, rcode, answer, µs); -f follows them.
// From the running daemon, or from the query log file when it is not running.
import { join } from 'node:path';
import type { QueryLogEntry } from '../../daemon/query-log.js';
import { QUERY_LOG_NAME } from '../../daemon/state.js';
import { InputError } from '../../errors.js';
import { parseInteger } from '../../records/record-input.js';
import { readHomeFile } from '../../store/home.js';
import { MIB } from '../../store/safe-file.js';
import type { CommandContext } from '../context.js';
import { findDaemon, requireDaemon } from '../daemon-link.js';

export interface LogsOptions {
  lines?: string;
  follow?: boolean;
  json?: boolean;
}

/** The query log rotates at log.size (1 MiB by default, 1 GiB at most); this reads either file whole. */
const MAX_LOG_READ_BYTES = 1024 * MIB + MIB;

function fromFile(home: string, limit: number): QueryLogEntry[] {
  const path = join(home, QUERY_LOG_NAME);
  let text = '';
  for (const file of [`${path}.1`, path]) {
    // Not there yet is fine; a link, a FIFO or another user's file in its place is refused.
    text += readHomeFile(home, file, MAX_LOG_READ_BYTES) ?? '';
  }
  const entries: QueryLogEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = line.trim() === '' ? undefined : (JSON.parse(line) as QueryLogEntry & { notLogged?: number });
      // Lines counting queries not written one by one under load have no name.
      if (entry?.name !== undefined) entries.push(entry);
    } catch {
      // a line cut by a crash
    }
  }
  return entries.slice(-limit);
}

export async function runLogs(context: CommandContext, options: LogsOptions): Promise<void> {
  const { output } = context;
  const limit = parseInteger(options.lines ?? 20, '-n', 1, 100_000);
  const print = (entry: QueryLogEntry) => {
    if (options.json) {
      output.data(JSON.stringify(entry));
      return;
    }
    const time = entry.time.slice(11, 23);
    const answer = entry.answer.length > 0 ? entry.answer.join(', ') : '-';
    const line = `${time}  ${entry.client.padEnd(21)} ${entry.name} ${entry.type} ${entry.rcode.padEnd(8)} ${answer} ${entry.micros}µs`;
    // Failures stand out: a name that does not resolve is the usual question.
    output.data(line, entry.rcode === 'NOERROR' ? undefined : entry.rcode === 'NXDOMAIN' ? 'red' : 'yellow');
  };
  if (options.follow) {
    const link = requireDaemon(context);
    await link.client.follow<QueryLogEntry>(`/queries?follow=1&limit=${limit}`, print);
    return;
  }
  const link = findDaemon(context);
  if (!link) {
    const entries = fromFile(context.home, limit);
    if (entries.length === 0) throw new InputError('logs', 'devdns is not running and has logged no queries', 'start it: devdns up');
    output.info('devdns is not running; these are the last queries it logged');
    for (const entry of entries) print(entry);
    return;
  }
  const { body } = await link.client.call<QueryLogEntry[]>('GET', `/queries?limit=${limit}`);
  for (const entry of body) print(entry);
}
