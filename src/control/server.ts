// The control API's HTTP server: every defence of HOSTILE-INPUTS 1.2 in front of the handlers.
// In order: the Host header must name loopback and our port (DNS rebinding), no Origin (a web
// page), the bearer token (compared in constant time), a known route and method, JSON bodies
// only for changes, at most 64 KiB, within a deadline, parsed strictly with no __proto__ keys.
// No CORS headers, ever. Errors are JSON with a stable code.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PortInUseError } from '../errors.js';
import { parseStrictJson } from '../store/strict-json.js';
import { API_ERRORS, type ApiErrorBody, type ApiErrorCode, MAX_BODY_BYTES, ROUTES, type RouteName } from './protocol.js';

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
export type ApiResult =
  | { status: number; body: unknown }
  | { stream: (send: (value: unknown) => void, onClose: (cleanup: () => void) => void) => void };

export type Handlers = Record<RouteName, (request: ApiRequest) => ApiResult | Promise<ApiResult>>;

export interface ControlServerOptions {
  host: string;
  port: number;
  token: string;
  handlers: Handlers;
  /** How long a client has to send its headers and body. */
  requestTimeoutMs?: number;
  onError?: (error: Error) => void;
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
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

/** Reads a body of at most MAX_BODY_BYTES that must arrive within `timeoutMs` (a trickle is cut off). */
function readBody(request: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new ApiError('body-too-large', `the body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new ApiError('request-timeout', `the body did not arrive within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) fail(new ApiError('body-too-large', `the body is over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', fail);
  });
}

export function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const expectedToken = digest(options.token);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const streams = new Set<ServerResponse>();
  let port = options.port;

  const checkRequest = (request: IncomingMessage): { route: RouteName; url: URL } => {
    // DNS rebinding: a page served from evil.example resolving to 127.0.0.1 still sends its own Host.
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (!allowedHosts.includes((request.headers.host ?? '').toLowerCase())) {
      throw new ApiError('bad-host', 'the Host header must name 127.0.0.1, localhost or [::1] with this port');
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
    const text = await readBody(request, requestTimeoutMs);
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

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const { route, url } = checkRequest(request);
      const body = await parseBody(request);
      const result = await options.handlers[route]({ query: url.searchParams, body });
      if ('stream' in result) {
        response.writeHead(200, {
          'content-type': 'application/x-ndjson; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        streams.add(response);
        const cleanups: Array<() => void> = [];
        response.on('close', () => {
          streams.delete(response);
          for (const cleanup of cleanups) cleanup();
        });
        result.stream(
          (value) => response.write(`${JSON.stringify(value)}\n`),
          (cleanup) => cleanups.push(cleanup),
        );
        return;
      }
      send(response, result.status, result.body);
    } catch (error) {
      if (error instanceof ApiError) {
        const allow = (error as ApiError & { allow?: string }).allow;
        sendError(response, error, allow ? { allow } : error.code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {});
        // Read nothing more of a refused request: the answer says "connection: close".
        if (!request.complete) response.on('finish', () => request.socket.destroy());
        return;
      }
      options.onError?.(error as Error);
      sendError(response, new ApiError('internal', 'the daemon could not handle this request'));
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => options.onError?.(error));
  });
  // Node enforces these when it next checks its connections; the body deadline above is exact.
  server.requestTimeout = requestTimeoutMs * 2;
  server.headersTimeout = Math.min(requestTimeoutMs, 5_000);
  server.maxConnections = 64;

  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError('control (TCP)', options.host, options.port) : error);
    });
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : options.port;
      server.on('error', (error) => options.onError?.(error));
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const stream of streams) stream.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
