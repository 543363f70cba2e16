// Everything the CLI prints goes through here, and this is the only user of chalk and ora: data to
// stdout, messages to stderr, colour and spinners only on a TTY and never with NO_COLOR or TERM=dumb.
// chalk is loaded only when some output is in colour: scripts and pipes start without it.
import { DevdnsError } from '../errors.js';
import { escapeControls } from '../records/terminal-text.js';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
}

/** The styles devdns prints with; `level` 0 is no colour. A chalk instance is one. */
export interface Paint {
  readonly level: number;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
}

const asIs = (text: string) => text;
const PLAIN: Paint = { level: 0, red: asIs, green: asIs, yellow: asIs, cyan: asIs, dim: asIs };

function wantsColour(stream: OutStream, env: CliIo['env']): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** The Output for these streams, with chalk loaded only when one of them takes colour. */
export async function createOutput(io: CliIo): Promise<Output> {
  const out = wantsColour(io.stdout, io.env);
  const err = wantsColour(io.stderr, io.env);
  if (!out && !err) return new Output(io);
  const { Chalk } = await import('chalk');
  const colour = new Chalk({ level: 1 });
  return new Output(io, { out: out ? colour : PLAIN, err: err ? colour : PLAIN });
}

export class Output {
  private out: Paint;
  private err: Paint;
  /** --quiet: no messages but warnings and errors (data still goes to stdout). */
  private quiet = false;
  private showVerbose = false;

  /** Without `paint`, no colour: createOutput decides it from the streams. */
  constructor(
    private readonly io: CliIo,
    paint: { out: Paint; err: Paint } = { out: PLAIN, err: PLAIN },
  ) {
    this.out = paint.out;
    this.err = paint.err;
  }

  /** Applies --quiet, --verbose and --json: quiet and JSON output go without colour or spinners. */
  configure(options: { quiet?: boolean; verbose?: boolean; json?: boolean }): void {
    this.quiet = options.quiet === true;
    this.showVerbose = options.verbose === true && !this.quiet;
    if (options.quiet || options.json) {
      this.out = PLAIN;
      this.err = PLAIN;
    }
  }

  /** A line for --verbose: what devdns is doing (files, commands). */
  verbose(line: string): void {
    if (this.showVerbose) this.io.stderr.write(`${this.err.dim(`> ${escapeControls(line)}`)}\n`);
  }

  get stdoutIsTty(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** Colour for a table cell or a log line on stdout. */
  get paint(): Paint {
    return this.out;
  }

  /**
   * Runs `work` under a spinner on a TTY; elsewhere silently. The spinner is cleared either way,
   * so the messages that follow stand alone.
   */
  async withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
    // ora redraws forever on a terminal that reports no width (some CI ptys): no spinner there.
    const columns = (this.io.stderr as { columns?: number }).columns ?? 0;
    if (this.err.level === 0 || columns <= 0) return work();
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: this.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
    try {
      return await work();
    } finally {
      spinner.stop();
    }
  }

  /** A line of data (stdout). */
  /** A line of data, escaped (it quotes names and paths from files others wrote), then coloured if asked. */
  data(line: string, colour?: 'red' | 'yellow'): void {
    const text = escapeControls(line, '\t\n');
    this.io.stdout.write(`${colour ? this.out[colour](text) : text}\n`);
  }

  /** The header line of data in columns (`logs` on a terminal), dimmed. */
  dataHeader(line: string): void {
    this.io.stdout.write(`${this.out.dim(escapeControls(line))}\n`);
  }

  /** A line of data after a mark of ours (doctor's coloured ok/FAIL): the mark as it is, the rest escaped. */
  marked(mark: string, line: string): void {
    this.io.stdout.write(`${mark} ${escapeControls(line, '\t')}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A message about what happened (stderr). */
  info(line: string): void {
    if (!this.quiet) this.io.stderr.write(`${escapeControls(line)}\n`);
  }

  success(line: string): void {
    if (!this.quiet) this.io.stderr.write(`${this.err.green(escapeControls(line))}\n`);
  }

  warn(line: string): void {
    this.io.stderr.write(`${this.err.yellow(`warning: ${escapeControls(line)}`)}\n`);
  }

  /** The one-line form of every error: `devdns: <what> (<hint>)`. */
  error(error: DevdnsError | Error): void {
    // Messages quote names and lines from files and packets: their control bytes are escaped here, once.
    const hint = error instanceof DevdnsError && error.hint ? ` (${escapeControls(error.hint)})` : '';
    this.io.stderr.write(`${this.err.red('devdns:')} ${escapeControls(error.message)}${this.err.dim(hint)}\n`);
  }

  /** Columns padded to their widest cell; the header dimmed, columns coloured by `paint`. */
  table(header: readonly string[], rows: readonly (readonly string[])[], paint: Partial<Record<number, 'cyan' | 'yellow'>> = {}): void {
    // A loop, not Math.max(...cells): spreading 100,000 rows overflows the call stack.
    rows = rows.map((row) => row.map((cell) => escapeControls(cell)));
    const widths = header.map((title) => title.length);
    for (const row of rows) {
      for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.length);
    }
    const line = (cells: readonly string[], style?: (text: string, column: number) => string): string =>
      cells
        .map((cell, column) => {
          const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
          return style ? style(padded, column) : padded;
        })
        .join('  ');
    const lines = [line(header, (text) => this.out.dim(text))];
    for (const row of rows) {
      lines.push(
        line(row, (text, column) => {
          const colour = paint[column];
          return colour ? this.out[colour](text) : text;
        }),
      );
    }
    // One write: a line at a time is a system call a line.
    // Cells were escaped above; the colours added since are ours.
    this.io.stdout.write(`${lines.join('\n')}\n`);
  }
}
