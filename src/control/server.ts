// The control API's HTTP server: every defence of HOSTILE-INPUTS 1.2 in front of the handlers.
// In order: the Host header must name loopback and our port (DNS rebinding), no Origin (a web
// page), the bearer token (compared in constant time), a known route and method, JSON bodies
// only for changes, at most 64 KiB, within a deadline, parsed strictly with no __proto__ keys.
// No CORS headers, ever. Errors are JSON with a stable code. It listens on TCP (127.0.0.1) and,
// where there is one, on a Unix domain socket only its user can open; the same checks hold on
// both, and each listener has its own connection cap (admission.ts), so one cannot crowd out
// the other.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { DevdnsError, PortInUseError } from '../errors.js';
import { parseStrictJson } from '../records/strict-json.js';
import { ConnectionGate } from './admission.js';
import { API_ERRORS, type ApiErrorBody, type ApiErrorCode, MAX_BODY_BYTES, ROUTES, type Route, type RouteName } from './protocol.js';
import { clearStaleSocket, removeSocketPlace, type SocketPlace } from './socket-place.js';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  query: URLSearchParams;
  /** The parsed JSON body of a POST or DELETE; objects have no prototype. */
  body: Record<string, unknown> | undefined;
}

/** A JSON answer, or a stream of JSON lines that runs until the client or the server closes. */
export interface StreamResult {
  stream: (send: (value: unknown) => void, onClose: (cleanup: () => void) => void) => void;
}
export type ApiResult<Body = unknown> = { status: number; body: Body } | StreamResult;

/** What a route answers, as protocol.ts declares it. */
type ResponseOf<R> = R extends Route<unknown, infer Response> ? Response : never;

/** One handler per route, each checked against the body its route declares. */
export type Handlers = {
  [Name in RouteName]: (
    request: ApiRequest,
  ) => ApiResult<ResponseOf<(typeof ROUTES)[Name]>> | Promise<ApiResult<ResponseOf<(typeof ROUTES)[Name]>>>;
};

/** How much the API gives each client; every listener has its own connections and streams. */
export interface ControlLimits {
  /** How long a connection may go without complete request headers (from its start or last answer). */
  headersTimeoutMs: number;
  /** How long a request's body may take to arrive once its headers have. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Connections open at once, per listener. */
  maxConnections: number;
  /** `GET /queries?follow` streams open at once, per listener; they count as connections too. */
  maxStreams: number;
  /** Body bytes held at once across all requests. */
  maxBodyBytesInFlight: number;
  /** How long a connection must have waited without a request before it may be closed for a new one. */
  evictAfterMs: number;
}

export const DEFAULT_LIMITS: ControlLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  maxStreams: 8,
  maxBodyBytesInFlight: 1024 * 1024,
  // 0: at the cap, the connection that has waited longest without a request always makes way.
  // Any minimum age lets a flood of half-open connections, each younger than it, hold every slot.
  evictAfterMs: 0,
};

/** A stream whose reader has fallen this far behind is cut off rather than buffered without end. */
const MAX_STREAM_BACKLOG_BYTES = 1024 * 1024;

export interface ControlServerOptions {
  host: string;
  port: number;
  /** A Unix domain socket to listen on as well: the CLI's own way in. */
  socket?: SocketPlace;
  token: string;
  handlers: Handlers;
  limits?: Partial<ControlLimits>;
  onError?: (error: Error) => void;
}

export interface ControlServer {
  port: number;
  /** The Unix domain socket's path, when there is one. */
  socketPath: string | undefined;
  /** Closes both listeners and every connection, and removes the socket; again, it waits for the same close. */
  close(): Promise<void>;
}

/** What a listener shares with the checks: the Host names it accepts and its stream count. */
interface Listener {
  allowedHosts: () => string[];
  hostRule: string;
  streams: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const digest = (text: string) => createHash('sha256').update(text).digest();

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } };
  send(response, API_ERRORS[error.code], body, { connection: 'close', ...headers });
}

function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = findForbiddenKey(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The body bytes all requests hold at once, against a limit, so many requests together stay bounded. */
interface BodyBudget {
  used: number;
  max: number;
}

const busy = () => new ApiError('busy', 'the control API is receiving too many request bodies at once', 'retry in a second');

/**
 * Reads a body of at most MAX_BODY_BYTES that must arrive within `timeoutMs` (a trickle is cut
 * off), and within what the budget has left.
 */
function readBody(request: IncomingMessage, timeoutMs: number, budget: BodyBudget): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new ApiError('body-too-large', `the body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      budget.used -= size;
      request.removeAllListeners('data');
    };
    const fail = (error: Error) => {
      if (settled) return;
      settle();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new ApiError('request-timeout', `the body did not arrive within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    request.on('data', (chunk: Buffer) => {
      if (size + chunk.length > MAX_BODY_BYTES) return fail(new ApiError('body-too-large', `the body is over ${MAX_BODY_BYTES} bytes`));
      if (budget.used + chunk.length > budget.max) return fail(busy());
      size += chunk.length;
      budget.used += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (settled) return;
      settle();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', fail);
  });
}

/** Listens on a Unix domain socket that only this user can open: created under umask 077, then chmod 0600. */
function listenOnSocket(server: NetServer, path: string): Promise<void> {
  clearStaleSocket(path);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new DevdnsError(
          'socket-failed',
          `cannot listen on the control socket ${path}: ${error.code ?? error.message}`,
          'set DEVDNS_HOME to a shorter path on a local disk',
        ),
      ),
    );
    // The socket file is made while listen() runs (synchronously): the umask covers exactly it.
    const umask = process.umask(0o177);
    try {
      server.listen({ path, backlog: 1024 }, () => {
        chmodSync(path, 0o600);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

function listenOnTcp(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError('control (TCP)', host, port) : error);
    });
    server.listen({ host, port, exclusive: true, backlog: 1024 }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const limits: ControlLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const expectedToken = digest(options.token);
  const budget: BodyBudget = { used: 0, max: limits.maxBodyBytesInFlight };
  const streams = new Set<ServerResponse>();
  let port = options.port;
  const tcp: Listener = {
    allowedHosts: () => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`],
    hostRule: 'the Host header must name 127.0.0.1, localhost or [::1] with this port',
    streams: 0,
  };
  // curl --unix-socket and Node's socketPath send the URL's host: localhost.
  const unix: Listener = { allowedHosts: () => ['localhost'], hostRule: 'the Host header must be localhost on the socket', streams: 0 };
  const onSocket = new WeakSet<Socket>();
  const listenerOf = (request: IncomingMessage) => (onSocket.has(request.socket) ? unix : tcp);

  const checkRequest = (request: IncomingMessage): { route: RouteName; url: URL } => {
    // DNS rebinding: a page served from evil.example resolving to 127.0.0.1 still sends its own Host.
    const listener = listenerOf(request);
    if (!listener.allowedHosts().includes((request.headers.host ?? '').toLowerCase())) {
      throw new ApiError('bad-host', listener.hostRule);
    }
    // A browser sends Origin with cross-site requests; command-line clients do not.
    if (request.headers.origin !== undefined) throw new ApiError('origin-refused', 'requests from web pages are refused');
    const given = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expectedToken)) {
      throw new ApiError('unauthorized', 'a valid bearer token is required', 'send Authorization: Bearer $(devdns token)');
    }
    const url = new URL(request.url ?? '/', 'http://control');
    const routes = (Object.keys(ROUTES) as RouteName[]).filter((name) => ROUTES[name].path === url.pathname);
    if (routes.length === 0) throw new ApiError('not-found', `no such endpoint: ${url.pathname}`);
    const route = routes.find((name) => ROUTES[name].method === request.method);
    if (route === undefined) {
      const allowed = routes.map((name) => ROUTES[name].method).join(', ');
      throw Object.assign(new ApiError('method-not-allowed', `${request.method} is not allowed on ${url.pathname}; use ${allowed}`), {
        allow: allowed,
      });
    }
    return { route, url };
  };

  const parseBody = async (request: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
    if (request.method !== 'POST' && request.method !== 'DELETE') return undefined;
    // Only JSON changes state: a cross-site "simple" request can only send form or text types.
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new ApiError('unsupported-media-type', 'send the body as application/json');
    const text = await readBody(request, limits.requestTimeoutMs, budget);
    if (text.trim() === '') return Object.create(null) as Record<string, unknown>;
    let value: unknown;
    try {
      value = parseStrictJson(text);
    } catch (error) {
      throw new ApiError('invalid-json', `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ApiError('invalid-body', 'the body must be a JSON object');
    const forbidden = findForbiddenKey(value);
    if (forbidden !== undefined) throw new ApiError('forbidden-key', `the key "${forbidden}" is not allowed`);
    return value as Record<string, unknown>;
  };

  const openStream = (request: IncomingMessage, response: ServerResponse, stream: StreamResult['stream']): void => {
    const listener = listenerOf(request);
    if (listener.streams >= limits.maxStreams) {
      throw new ApiError('too-many-streams', `${listener.streams} streams are open, the limit`, 'close another devdns logs -f');
    }
    listener.streams += 1;
    response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // Now, not with the first line: a quiet log would otherwise leave the client waiting for headers.
    response.flushHeaders();
    streams.add(response);
    const cleanups: Array<() => void> = [];
    response.on('close', () => {
      listener.streams -= 1;
      streams.delete(response);
      for (const cleanup of cleanups) cleanup();
    });
    stream(
      (value) => {
        if (response.destroyed) return;
        // A reader that does not read would make us buffer every query from now on.
        if (response.writableLength > MAX_STREAM_BACKLOG_BYTES) response.destroy();
        else response.write(`${JSON.stringify(value)}\n`);
      },
      (cleanup) => cleanups.push(cleanup),
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const { route, url } = checkRequest(request);
      const body = await parseBody(request);
      const result = await options.handlers[route]({ query: url.searchParams, body });
      if ('stream' in result) return openStream(request, response, result.stream);
      send(response, result.status, result.body);
    } catch (error) {
      if (error instanceof ApiError) {
        const allow = (error as ApiError & { allow?: string }).allow;
        const headers: Record<string, string> = allow
          ? { allow }
          : error.code === 'unauthorized'
            ? { 'www-authenticate': 'Bearer' }
            : API_ERRORS[error.code] === 503 || API_ERRORS[error.code] === 429
              ? { 'retry-after': '1' }
              : {};
        sendError(response, error, headers);
        // Read nothing more of a refused request: the answer says "connection: close".
        if (!request.complete) response.on('finish', () => request.socket.destroy());
        return;
      }
      options.onError?.(error as Error);
      sendError(response, new ApiError('internal', 'the daemon could not handle this request'));
    }
  };

  const http: Server = createServer((request, response) => {
    ConnectionGate.onRequest(request, response, () => {
      handle(request, response).catch((error: Error) => options.onError?.(error));
    });
  });
  // Connections come from the listeners below, which enforce the deadlines themselves (admission.ts):
  // Node's own headersTimeout and requestTimeout are checked only every 30 s, and only for servers
  // that listen themselves.
  http.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const gateLimits = {
    maxConnections: limits.maxConnections,
    headersTimeoutMs: limits.headersTimeoutMs,
    evictAfterMs: limits.evictAfterMs,
  };
  const tcpGate = new ConnectionGate(http, gateLimits);
  const unixGate = new ConnectionGate(http, gateLimits);
  const tcpServer = createNetServer((socket) => tcpGate.admit(socket));
  const unixServer = createNetServer((socket) => {
    onSocket.add(socket);
    unixGate.admit(socket);
  });

  let socketPath: string | undefined;
  let closed: Promise<void> | undefined;
  // Once: a second close must not remove a socket another server has since made at the same path.
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const stream of streams) stream.end();
      const closing = [tcpServer, unixServer]
        .filter((server) => server.listening)
        .map((server) => new Promise<void>((done) => server.close(() => done())));
      tcpGate.closeAll();
      unixGate.closeAll();
      await Promise.all(closing);
      if (options.socket !== undefined && socketPath !== undefined) removeSocketPlace(options.socket);
    })();
    return closed;
  };
  try {
    port = await listenOnTcp(tcpServer, options.host, options.port);
    if (options.socket !== undefined) {
      await listenOnSocket(unixServer, options.socket.path);
      socketPath = options.socket.path;
    }
  } catch (error) {
    await close();
    if (options.socket?.dir !== undefined) removeSocketPlace(options.socket);
    throw error;
  }
  for (const server of [tcpServer, unixServer]) server.on('error', (error) => options.onError?.(error));
  return { port, socketPath, close };
}
