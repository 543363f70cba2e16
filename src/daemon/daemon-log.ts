// The daemon's own log: what it says about itself (reloads, problems, dropped packets, failed
// requests), as one line each, rate-limited by kind, into daemon.log, rotated by size like the
// query log. Nothing here may stop the daemon: a packet flood gets a few lines a second and a
// count of the rest, and a write that fails (a full disk, a closed file) is counted and dropped.
// Also keeps a failed write to stdout or stderr from ending the process.
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { escapeControls } from '../records/terminal-text.js';
import { openForAppend } from '../store/safe-file.js';
import { makeRoom } from './log-file.js';

/** Set by the launcher for the daemon it starts in the background: the daemon writes its log itself. */
export const DAEMON_ENV = 'DEVDNS_DAEMON';
/** daemon.log is rotated to daemon.log.1 past this. */
export const DAEMON_LOG_MAX_BYTES = 1024 * 1024;
/** Lines a second of one kind; the rest are counted, and the count written when the second ends. */
export const DAEMON_LOG_LINES_PER_SECOND = 5;
/** A longer message is cut: one line must not fill the log. */
const MAX_LINE_CHARS = 1000;

/** A kind of message: lines of one kind are limited together. */
export type LogKind = 'dns' | 'dns-dropped' | 'control' | 'records' | 'reload' | 'hosts' | 'query-log' | 'output' | 'forward';

/**
 * At most `perSecond` lines of a kind in each second of the clock. What it refuses it counts;
 * the count is taken (and reset) by whoever reports it.
 */
export class RateLimiter {
  private readonly kinds = new Map<string, { second: number; lines: number; suppressed: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a line of this kind may be written now; false when it is counted instead. */
  admit(kind: string): boolean {
    const second = Math.floor(this.now() / 1000);
    let state = this.kinds.get(kind);
    if (!state) {
      state = { second, lines: 0, suppressed: 0 };
      this.kinds.set(kind, state);
    }
    if (state.second !== second) {
      state.second = second;
      state.lines = 0;
    }
    if (state.lines < this.perSecond) {
      state.lines++;
      return true;
    }
    state.suppressed++;
    return false;
  }

  /** The counts of refused lines since they were last taken, by kind; each is reset. */
  takeSuppressed(): Array<[string, number]> {
    const counts: Array<[string, number]> = [];
    for (const [kind, state] of this.kinds) {
      if (state.suppressed > 0) counts.push([kind, state.suppressed]);
      state.suppressed = 0;
    }
    return counts;
  }
}

/** Control characters (C0, DEL, C1) become `\xHH` and a long line is cut, so that one message is one line. */
export function oneLine(text: string): string {
  const clean = escapeControls(text);
  return clean.length > MAX_LINE_CHARS ? `${clean.slice(0, MAX_LINE_CHARS)}...` : clean;
}

/**
 * A log file appended one line at a time, `<ISO time> <line>`, rotated past `maxBytes`. Every
 * failure (ENOSPC, EIO, EBADF, a failed rename) is counted, the file closed so the next line
 * opens it again, and the line dropped; the first line that goes in afterwards says how many
 * did not.
 */
export class LogFile {
  private fd: number | undefined;
  /** Lines that could not be written, since the last that could; and why the last did not. */
  private lost = 0;
  private lostBecause = '';
  /** Lines lost in all. */
  failures = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = DAEMON_LOG_MAX_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  append(line: string): void {
    const time = new Date(this.now()).toISOString();
    let text = `${time} ${line}\n`;
    if (this.lost > 0) text = `${time} ${this.lost} daemon log lines could not be written (${this.lostBecause})\n${text}`;
    try {
      const bytes = Buffer.from(text);
      // The size on disk, not a count of our own: the daemon's stderr goes to the same file.
      let fd = this.open();
      const size = fstatSync(fd).size;
      if (makeRoom(this.path, size, bytes.length, this.maxBytes) !== size) fd = this.reopen();
      if (writeSync(fd, bytes) !== bytes.length) throw Object.assign(new Error('a short write'), { code: 'ENOSPC' });
      this.lost = 0;
    } catch (error) {
      this.lost++;
      this.failures++;
      this.lostBecause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      this.close();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // closed already (EBADF): nothing to do
    }
    this.fd = undefined;
  }

  private open(): number {
    this.fd ??= openForAppend(this.path);
    return this.fd;
  }

  private reopen(): number {
    this.close();
    return this.open();
  }
}

export interface DaemonLogOptions {
  /** Where admitted lines go. */
  write: (line: string) => void;
  linesPerSecond?: number;
  now?: () => number;
}

/** Rate-limited lines by kind; refused ones are counted in a line when their second is over. */
export class DaemonLog {
  private readonly limiter: RateLimiter;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: DaemonLogOptions) {
    this.now = options.now ?? Date.now;
    this.limiter = new RateLimiter(options.linesPerSecond ?? DAEMON_LOG_LINES_PER_SECOND, this.now);
  }

  log(kind: LogKind, line: string): void {
    if (this.limiter.admit(kind)) {
      this.options.write(oneLine(line));
      return;
    }
    // The count goes out when this second is over, whether or not more lines of the kind come.
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 1000 - (this.now() % 1000) + 1);
      this.timer.unref();
    }
  }

  /** Writes the counts of suppressed lines now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [kind, count] of this.limiter.takeSuppressed()) {
      this.options.write(`${kind}: suppressed ${count} similar message${count === 1 ? '' : 's'}`);
    }
  }

  close(): void {
    this.flush();
  }
}

/**
 * While the daemon runs, a failed write to stdout or stderr (its log on a full disk, a reader
 * gone) is counted and reported once to `onFailure`, instead of the CLI's handler ending the
 * process (bin/devdns.js exits on one, as a command should). Returns what puts the CLI's handlers
 * back. Uncaught errors are untouched: Node still writes them out once and exits.
 */
export function keepOutputFailuresFromStopping(
  onFailure: (stream: string, error: Error) => void,
  streams: Array<[string, NodeJS.WriteStream]> = [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ],
): () => void {
  const restores = streams.map(([name, stream]) => {
    const saved = stream.listeners('error') as Array<(error: Error) => void>;
    let told = false;
    const handler = (error: Error) => {
      if (told) return;
      told = true;
      onFailure(name, error);
    };
    stream.removeAllListeners('error');
    stream.on('error', handler);
    return () => {
      stream.off('error', handler);
      for (const listener of saved) stream.on('error', listener);
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}
