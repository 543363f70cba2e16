// The CLI's side of the control API: authenticated JSON requests to the daemon's routes (typed in
// control/protocol.ts), over its Unix domain socket when the state file names one, else over TCP
// on loopback. A daemon too busy to take the request (503, before it did anything) is asked again
// until the deadline.
import type { IncomingMessage } from 'node:http';
import { DevdnsError } from '../errors.js';
import { http } from '../platform/builtins.js';
import type { ApiErrorBody, QueryParameters, Route } from './protocol.js';

export interface ControlEndpoint {
  control: { host: string; port: number };
  controlSocket?: string;
  token: string;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** A route's request is optional where it may be undefined (GET /status takes nothing). */
type RequestArgument<Request> = undefined extends Request ? [request?: Request] : [request: Request];

/** The path and body a route's request becomes: query parameters for GET, else a JSON body. */
function requestOf(route: Route<unknown, unknown>, request: unknown): { path: string; body: unknown } {
  if (route.method !== 'GET') return { path: route.path, body: request };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries((request ?? {}) as QueryParameters)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return { path: text === '' ? route.path : `${route.path}?${text}`, body: undefined };
}

const TIMEOUT_MS = 5_000;
/** The longest pause between tries when the daemon answers 503 with Retry-After. */
const MAX_RETRY_PAUSE_MS = 250;

/** Where a request goes: the socket (Host: localhost, as curl --unix-socket sends) or host:port. */
function destination(endpoint: ControlEndpoint): {
  where: string;
  target: { socketPath: string } | { host: string; port: number };
  host: string;
} {
  const socketPath = endpoint.controlSocket;
  if (socketPath !== undefined) return { where: socketPath, target: { socketPath }, host: 'localhost' };
  const { host, port } = endpoint.control;
  return { where: `${host}:${port}`, target: { host, port }, host: `${host}:${port}` };
}

/**
 * The request reached the daemon but no answer came back (a timeout, the daemon stopping): what
 * it asked may or may not have been done, so it is never sent again on its own.
 */
export class DaemonUnansweredError extends DevdnsError {
  override readonly name = 'DaemonUnansweredError';
  constructor(message: string) {
    super('daemon-no-answer', message, 'check devdns status and devdns logs; devdns restart may help');
  }
}

export class ControlClient {
  constructor(private readonly endpoint: ControlEndpoint) {}

  private open(
    method: string,
    path: string,
    body: unknown,
    onResponse: (response: IncomingMessage) => void,
    onError: (error: Error) => void,
  ): void {
    const { where, target, host } = destination(this.endpoint);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http().request(
      {
        ...target,
        method,
        path,
        headers: {
          host,
          authorization: `Bearer ${this.endpoint.token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      onResponse,
    );
    let connected = false;
    request.on('socket', (socket) => {
      // A reused or already open socket has connected before.
      if (!socket.connecting) connected = true;
      socket.once('connect', () => {
        connected = true;
      });
    });
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) =>
      onError(
        connected
          ? new DaemonUnansweredError(`the devdns daemon on ${where} did not answer: ${error.code ?? error.message}`)
          : new DevdnsError(
              'daemon-unreachable',
              `cannot reach the devdns daemon on ${where}: ${error.code ?? error.message}`,
              'check devdns status; devdns restart may help',
            ),
      ),
    );
    request.end(payload);
  }

  /**
   * One request; an API error becomes a DevdnsError with the API's code and message. A 503 with
   * Retry-After means the daemon refused it unread (too many connections or bodies at once): it
   * is sent again after a short pause, until the deadline.
   */
  async call<Request, Response>(route: Route<Request, Response>, ...[request]: RequestArgument<Request>): Promise<ApiResponse<Response>> {
    const { path, body } = requestOf(route, request);
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const answer = await this.once<Response>(route.method, path, body);
      if (!('retryAfterMs' in answer)) return answer;
      const pause = Math.min(answer.retryAfterMs, MAX_RETRY_PAUSE_MS, deadline - Date.now());
      if (pause <= 0) throw answer.error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private once<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T> | { retryAfterMs: number; error: DevdnsError }> {
    return new Promise((resolve, reject) => {
      this.open(
        method,
        path,
        body,
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              return reject(
                new DevdnsError('daemon-bad-answer', `the daemon answered ${response.statusCode} with something other than JSON`),
              );
            }
            const status = response.statusCode ?? 0;
            if (status >= 400) {
              const { error } = parsed as ApiErrorBody;
              const failure = new DevdnsError(error?.code ?? 'api-error', error?.message ?? `HTTP ${status}`, error?.hint);
              const retryAfter = Number(response.headers['retry-after']);
              if (status === 503 && Number.isFinite(retryAfter)) return resolve({ retryAfterMs: retryAfter * 1000, error: failure });
              return reject(failure);
            }
            resolve({ status, body: parsed as T });
          });
          response.on('error', reject);
        },
        reject,
      );
    });
  }

  /** A route's stream of JSON lines; `onValue` sees each; resolves when the daemon ends the stream. */
  follow<Request, Item>(route: Route<Request, Item[]>, request: Request, onValue: (value: Item) => void): Promise<void> {
    const { path } = requestOf(route, request);
    return new Promise((resolve, reject) => {
      this.open(
        route.method,
        path,
        undefined,
        (response) => {
          if ((response.statusCode ?? 0) >= 400) {
            response.resume();
            return reject(new DevdnsError('api-error', `the daemon answered ${response.statusCode}`));
          }
          // A follow stream may stay quiet for a long time: no timeout once it is open.
          response.socket.setTimeout(0);
          let pending = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            pending += chunk;
            let newline = pending.indexOf('\n');
            while (newline >= 0) {
              const line = pending.slice(0, newline);
              pending = pending.slice(newline + 1);
              if (line.trim() !== '') onValue(JSON.parse(line) as Item);
              newline = pending.indexOf('\n');
            }
          });
          response.on('end', resolve);
          response.on('error', reject);
        },
        reject,
      );
    });
  }
}
