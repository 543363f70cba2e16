// Which connections the control API lets in, and how long each may wait. Every listener has a cap;
// a connection that is not being answered (no request yet, a request whose headers trickle, an idle
// keep-alive) has a deadline of its own, exact to the millisecond, instead of Node's check that runs
// every 30 s. At the cap, the connection that has waited longest without a request is closed to
// make room, so idle or slow holders cannot lock the CLI out; when every slot is busy answering,
// the newcomer gets a prompt 503 with Retry-After, never a silent close.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorBody, ApiErrorCode } from './protocol.js';
import { API_ERRORS } from './protocol.js';

export interface AdmissionLimits {
  /** Connections open at once on this listener. */
  maxConnections: number;
  /** How long a connection may go without a complete request: from its start, or its last answer. */
  headersTimeoutMs: number;
  /** How long a connection must have waited without a request before it is closed to make room. */
  evictAfterMs: number;
}

interface Tracked {
  socket: Socket;
  gate: ConnectionGate;
  /** Requests received on this connection and not yet answered (pipelining may make it more than one). */
  busy: number;
  /** Of those, the ones whose handling waits for one of the MAX_PIPELINED places. */
  queued: Array<() => void>;
  waitingSince: number;
  timer: NodeJS.Timeout | undefined;
}

/** Requests handled at once on one connection; more that are pipelined wait their turn, and the connection is not read. */
const MAX_PIPELINED = 4;
/** How long a refused connection may linger so the client reads its answer before we close. */
const LINGER_MS = 1_000;
/**
 * Refused or evicted connections still lingering, across listeners; beyond it they are cut at once.
 * A burst of 1,000 is refused in one turn of the event loop, so this is not small; Node raises the
 * descriptor limit to the hard limit at start (thousands on Linux and macOS).
 */
const MAX_LINGERING = 1024;
let lingering = 0;

const tracked = new WeakMap<Socket, Tracked>();

const STATUS_TEXT: Partial<Record<number, string>> = { 408: 'Request Timeout', 503: 'Service Unavailable' };

/** An HTTP answer written straight to a socket, for connections the HTTP server never sees or has given up on. */
function rawAnswer(code: ApiErrorCode, message: string, hint?: string): string {
  const status = API_ERRORS[code];
  const body: ApiErrorBody = { error: { code, message, ...(hint ? { hint } : {}) } };
  const text = `${JSON.stringify(body)}\n`;
  return [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(text)}`,
    'cache-control: no-store',
    ...(status === 503 ? ['retry-after: 1'] : []),
    'connection: close',
    '',
    text,
  ].join('\r\n');
}

/**
 * Ends a connection after an answer. Closing with unread input makes the kernel send a reset,
 * which can destroy the answer before the client reads it: a connection whose request was never
 * read (`unread`) is closed once that request has arrived and been discarded, or after LINGER_MS.
 */
function closeAfter(socket: Socket, answer: string, unread: boolean): void {
  if (socket.destroyed) return;
  if (lingering >= MAX_LINGERING) {
    socket.destroy();
    return;
  }
  lingering += 1;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => {
    lingering -= 1;
    clearTimeout(timer);
  });
  let sent = false;
  let drained = !unread;
  const closeWhenDone = () => {
    if (sent && drained) socket.destroy();
  };
  socket.on('data', () => {
    drained = true;
    setImmediate(closeWhenDone);
  });
  socket.end(answer, () => {
    sent = true;
    closeWhenDone();
  });
  socket.resume();
}

export class ConnectionGate {
  private readonly open = new Set<Tracked>();

  constructor(
    private readonly http: Server,
    private readonly limits: AdmissionLimits,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** A new connection on this gate's listener: handed to the HTTP server, or answered 503. */
  admit(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.open.size >= this.limits.maxConnections && !this.makeRoom()) {
      closeAfter(socket, rawAnswer('busy', `the control API has ${this.open.size} connections open, its limit`, 'retry in a second'), true);
      return;
    }
    const entry: Tracked = { socket, gate: this, busy: 0, queued: [], waitingSince: Date.now(), timer: undefined };
    tracked.set(socket, entry);
    this.open.add(entry);
    socket.once('close', () => {
      clearTimeout(entry.timer);
      this.open.delete(entry);
    });
    this.wait(entry);
    this.http.emit('connection', socket);
  }

  /** Closes every connection (the daemon is stopping). */
  closeAll(): void {
    for (const entry of this.open) entry.socket.destroy();
  }

  /** Closes the connection that has waited longest without a request, if one has waited long enough. */
  private makeRoom(): boolean {
    const now = Date.now();
    let oldest: Tracked | undefined;
    for (const entry of this.open) {
      if (entry.busy === 0 && now - entry.waitingSince >= this.limits.evictAfterMs) {
        if (oldest === undefined || entry.waitingSince < oldest.waitingSince) oldest = entry;
      }
    }
    if (oldest === undefined) return false;
    // Answered as busy, not as a timeout: a client that was about to send its request (a burst)
    // retries, while a holder that never sends one has lost its place to the newcomer.
    this.expire(oldest, 'the control API is at its connection limit; this connection had sent no request', 'busy');
    return true;
  }

  private wait(entry: Tracked): void {
    entry.waitingSince = Date.now();
    clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => this.expire(entry, `no complete request within ${this.limits.headersTimeoutMs / 1000} s`),
      this.limits.headersTimeoutMs,
    );
  }

  private expire(entry: Tracked, message: string, code: ApiErrorCode = 'request-timeout'): void {
    clearTimeout(entry.timer);
    this.open.delete(entry);
    tracked.delete(entry.socket);
    closeAfter(entry.socket, code === 'busy' ? rawAnswer(code, message, 'retry in a second') : rawAnswer(code, message), false);
  }

  /**
   * A request whose headers have arrived: its connection has no deadline until it is answered, and
   * `handle` runs now, or once fewer than MAX_PIPELINED requests of its connection are handled.
   * A request on a connection already closed by its deadline is not handled at all.
   */
  static onRequest(request: IncomingMessage, response: ServerResponse, handle: () => void): void {
    const entry = tracked.get(request.socket);
    if (entry === undefined) return;
    entry.busy += 1;
    clearTimeout(entry.timer);
    response.once('close', () => {
      entry.busy -= 1;
      entry.queued.shift()?.();
      if (entry.queued.length === 0) entry.socket.resume();
      if (entry.busy === 0 && !entry.socket.destroyed && entry.gate.open.has(entry)) entry.gate.wait(entry);
    });
    if (entry.busy <= MAX_PIPELINED) {
      handle();
      return;
    }
    entry.queued.push(handle);
    entry.socket.pause();
  }
}
