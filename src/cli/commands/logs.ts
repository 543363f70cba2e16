// `devdns logs`: the recent queries (time, client, name, type, rcode, answer, µs); -f follows them.
// From the running daemon, or from the query log file when it is not running.
import { type QueryLogEntry, ROUTES } from '../../control/protocol.js';
import { readQueryLogFile } from '../../daemon/query-log.js';
import { PROBE_LABEL } from '../../dns/zone-index.js';
import { InputError } from '../../errors.js';
import { parseInteger } from '../../records/record-input.js';
import type { CommandContext } from '../context.js';
import { findDaemon, requireDaemon } from '../running-daemon.js';

export interface LogsOptions {
  lines?: string;
  follow?: boolean;
  json?: boolean;
  probes?: boolean;
}

/** `devdns doctor`'s own questions (_devdns-probe.ZONE): noise in the log unless asked for. */
const isProbe = (entry: QueryLogEntry) => entry.name.toLowerCase().startsWith(`${PROBE_LABEL}.`);
/** Room for a few doctor runs' probes among the last N queries. */
const PROBE_ROOM = 50;

export async function runLogs(context: CommandContext, options: LogsOptions): Promise<void> {
  const { output } = context;
  const limit = parseInteger(options.lines ?? 20, '-n', 1, 100_000);
  const shown = (entries: readonly QueryLogEntry[]) => (options.probes ? entries : entries.filter((e) => !isProbe(e))).slice(-limit);
  const asked = options.probes ? limit : Math.min(100_000, limit + PROBE_ROOM);
  const print = (entry: QueryLogEntry) => {
    if (!options.probes && isProbe(entry)) return;
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
    const entries = shown(readQueryLogFile(context.home, asked));
    if (entries.length === 0) throw new InputError('logs', 'the daemon is not running and has logged no queries', 'start it: devdns up');
    output.info('devdns is not running; these are the last queries it logged');
    for (const entry of entries) print(entry);
    return;
  }
  const { body } = await daemon.client.call(ROUTES.queries, { limit: asked });
  for (const entry of shown(body)) print(entry);
}
