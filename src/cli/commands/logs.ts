// `devdns logs`: the recent queries (time, client, name, type, rcode, answer, µs); -f follows them.
// From the running daemon, or from the query log file when it is not running.
import { type QueryLogEntry, ROUTES } from '../../control/protocol.js';
import { readQueryLogFile } from '../../daemon/query-log.js';
import { InputError } from '../../errors.js';
import { parseInteger } from '../../records/record-input.js';
import type { CommandContext } from '../context.js';
import { findDaemon, requireDaemon } from '../running-daemon.js';

export interface LogsOptions {
  lines?: string;
  follow?: boolean;
  json?: boolean;
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
    await requireDaemon(context).client.follow(ROUTES.queries, { follow: 1, limit }, print);
    return;
  }
  const daemon = findDaemon(context);
  if (!daemon) {
    const entries = readQueryLogFile(context.home, limit);
    if (entries.length === 0) throw new InputError('logs', 'the daemon is not running and has logged no queries', 'start it: devdns up');
    output.info('devdns is not running; these are the last queries it logged');
    for (const entry of entries) print(entry);
    return;
  }
  const { body } = await daemon.client.call(ROUTES.queries, { limit });
  for (const entry of body) print(entry);
}
