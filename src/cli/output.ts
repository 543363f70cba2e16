// Everything the CLI prints goes through here, and this is the only user of chalk and ora: data to
// stdout, messages to stderr, colour and spinners only on a TTY and never with NO_COLOR or TERM=dumb.
import { Chalk, type ChalkInstance } from 'chalk';
import { DevdnsError } from '../errors.js';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
}

function colourFor(stream: OutStream, env: CliIo['env']): ChalkInstance {
  const enabled = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return new Chalk({ level: enabled ? 1 : 0 });
}

export class Output {
  private out: ChalkInstance;
  private err: ChalkInstance;
  /** --quiet: no messages but warnings and errors (data still goes to stdout). */
  private quiet = false;
  private showVerbose = false;

  constructor(private readonly io: CliIo) {
    this.out = colourFor(io.stdout, io.env);
    this.err = colourFor(io.stderr, io.env);
  }

  /** Applies --quiet, --verbose and --json: quiet and JSON output go without colour or spinners. */
  configure(options: { quiet?: boolean; verbose?: boolean; json?: boolean }): void {
    this.quiet = options.quiet === true;
    this.showVerbose = options.verbose === true && !this.quiet;
    if (options.quiet || options.json) {
      this.out = new Chalk({ level: 0 });
      this.err = new Chalk({ level: 0 });
    }
  }

  /** A line for --verbose: what devdns is doing (files, commands). */
  verbose(line: string): void {
    if (this.showVerbose) this.io.stderr.write(`${this.err.dim(`> ${line}`)}\n`);
  }

  get stdoutIsTty(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** Colour for a table cell or a log line on stdout. */
  get paint(): ChalkInstance {
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
  data(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A message about what happened (stderr). */
  info(line: string): void {
    if (!this.quiet) this.io.stderr.write(`${line}\n`);
  }

  success(line: string): void {
    if (!this.quiet) this.io.stderr.write(`${this.err.green(line)}\n`);
  }

  warn(line: string): void {
    this.io.stderr.write(`${this.err.yellow(`warning: ${line}`)}\n`);
  }

  /** The one-line form of every error: `devdns: <what> (<hint>)`. */
  error(error: DevdnsError | Error): void {
    const hint = error instanceof DevdnsError && error.hint ? ` (${error.hint})` : '';
    this.io.stderr.write(`${this.err.red('devdns:')} ${error.message}${this.err.dim(hint)}\n`);
  }

  /** Columns padded to their widest cell; the header dimmed, columns coloured by `paint`. */
  table(header: readonly string[], rows: readonly (readonly string[])[], paint: Partial<Record<number, 'cyan' | 'yellow'>> = {}): void {
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
    const line = (cells: readonly string[], style?: (text: string, column: number) => string): string =>
      cells
        .map((cell, column) => {
          const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
          return style ? style(padded, column) : padded;
        })
        .join('  ');
    this.data(line(header, (text) => this.out.dim(text)));
    for (const row of rows) {
      this.data(
        line(row, (text, column) => {
          const colour = paint[column];
          return colour ? this.out[colour](text) : text;
        }),
      );
    }
  }
}
