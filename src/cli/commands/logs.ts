// `devdns logs`: the recent queries (time, client, name, type, rcode, answer, µs, where the answer
// came from); -f follows them.
// On a terminal a header and aligned columns; piped, tab-separated fields for scripts.
// From the running daemon, or from the query log file when it is not running.
import { type QueryLogEntry, ROUTES } from '../../control/protocol.js';
import { readQueryLogFile } from '../../daemon/query-log.js';
import { PROBE_LABEL } from '../../dns/zone-index.js';
import { InputError } from '../../errors.js';
import { parseInteger } from '../../records/record-input.js';
import { escapeControls } from '../../records/terminal-text.js';
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

/** The columns on a terminal: the answer last, as it is the one cell of any length. */
const HEADER = ['TIME', 'CLIENT', 'NAME', 'TYPE', 'RESULT', 'µs', 'FROM', 'ANSWER'];
const MICROS = 5;
/**
 * -f's starting widths, before any query is known: a time, an IPv4 client and port, a usual
 * name, a type, an rcode, a duration. A wider cell widens its column from then on; none is cut.
 */
const FOLLOW_WIDTHS = [12, 21, 24, 5, 8, 5, 8];

/** A query's fields, escaped here so that widths count what the terminal shows. */
function fields(entry: QueryLogEntry): {
  time: string;
  client: string;
  name: string;
  type: string;
  rcode: string;
  answer: string;
  micros: string;
  from: string;
} {
  const answer = entry.answer.length > 0 ? entry.answer.join(', ') : '-';
  return {
    time: entry.time.slice(11, 23),
    client: escapeControls(entry.client),
    name: escapeControls(entry.name),
    type: escapeControls(entry.type),
    rcode: escapeControls(entry.rcode),
    answer: escapeControls(answer),
    micros: String(entry.micros),
    // The upstream that answered, else the source; lines of earlier versions are devdns's records.
    from: escapeControls(entry.source === 'upstream' && entry.upstream !== undefined ? entry.upstream : (entry.source ?? 'record')),
  };
}

/** Terminal rows: columns padded to `widths` (the duration right-aligned), which grow to fit. */
class Columns {
  private readonly widths: number[];
  constructor(widths: readonly number[]) {
    this.widths = HEADER.slice(0, -1).map((title, column) => Math.max(title.length, widths[column] ?? 0));
  }

  static fitting(rows: ReadonlyArray<readonly string[]>): Columns {
    const widths: number[] = [];
    for (const row of rows) for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.length);
    return new Columns(widths);
  }

  line(cells: readonly string[]): string {
    return cells
      .map((cell, column) => {
        if (column === cells.length - 1) return cell;
        const width = Math.max(this.widths[column] ?? 0, cell.length);
        this.widths[column] = width;
        return column === MICROS ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ');
  }
}

const row = (entry: QueryLogEntry): string[] => {
  const f = fields(entry);
  return [f.time, f.client, f.name, f.type, f.rcode, f.micros, f.from, f.answer];
};

export async function runLogs(context: CommandContext, options: LogsOptions): Promise<void> {
  const { output } = context;
  const limit = parseInteger(options.lines ?? 20, '-n', 1, 100_000);
  const shown = (entries: readonly QueryLogEntry[]) => (options.probes ? entries : entries.filter((e) => !isProbe(e))).slice(-limit);
  const asked = options.probes ? limit : Math.min(100_000, limit + PROBE_ROOM);
  // On a terminal: a header and aligned columns. Piped: tab-separated fields, no header, for cut and awk.
  const table = output.stdoutIsTty && !options.json;
  let columns: Columns | undefined;
  const start = (widths: Columns) => {
    columns = widths;
    output.dataHeader(columns.line(HEADER));
  };
  const print = (entry: QueryLogEntry) => {
    if (!options.probes && isProbe(entry)) return;
    if (options.json) {
      output.data(JSON.stringify(entry));
      return;
    }
    const f = fields(entry);
    // Piped, a new field goes last: scripts that cut the others keep working.
    const line = columns
      ? columns.line(row(entry))
      : [f.time, f.client, f.name, f.type, f.rcode, f.answer, `${f.micros}µs`, f.from].join('\t');
    // Failures stand out: a name that does not resolve is the usual question.
    output.data(line, entry.rcode === 'NOERROR' ? undefined : entry.rcode === 'NXDOMAIN' ? 'red' : 'yellow');
  };
  if (options.follow) {
    const daemon = requireDaemon(context);
    if (table) start(new Columns(FOLLOW_WIDTHS));
    await daemon.client.follow(ROUTES.queries, { follow: 1, limit }, print);
    return;
  }
  const printAll = (entries: readonly QueryLogEntry[]) => {
    if (table) start(Columns.fitting([HEADER, ...entries.map(row)]));
    for (const entry of entries) print(entry);
  };
  const daemon = findDaemon(context);
  if (!daemon) {
    const entries = shown(readQueryLogFile(context.home, asked));
    if (entries.length === 0) throw new InputError('logs', 'the daemon is not running and has logged no queries', 'start it: devdns up');
    output.info('devdns is not running; these are the last queries it logged');
    printAll(entries);
    return;
  }
  const { body } = await daemon.client.call(ROUTES.queries, { limit: asked });
  const entries = shown(body);
  if (entries.length > 0) printAll(entries);
}
