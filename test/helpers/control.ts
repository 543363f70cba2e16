// A control server in-process for tests: port 0, a socket in a temp dir, fake handlers, given limits; and clients that ask it one request, or hold a raw connection.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AddedBody } from '../../src/control/protocol.js';
import { type ControlLimits, type ControlServer, type Handlers, startControlServer } from '../../src/control/server.js';
import { tempDir } from './devdns.js';

export const TEST_TOKEN = 'a'.repeat(64);
/** What a fake add answers: nothing added. */
export const NOTHING_ADDED: AddedBody = { added: [], unchanged: [], retimed: [], zonesAdded: [], notes: [], warnings: [] };
/** A fake answer for any route: the server passes bodies through without looking at them. */
const ok = <Body>() => ({ status: 200, body: { ok: true } as unknown as Body });

export function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    status: ok,
    listRecords: ok,
    served: ok,
    addRecord: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { status: 201, body: NOTHING_ADDED };
    },
    removeRecords: ok,
    reload: ok,
    queries: ok,
    resolve: ok,
    stop: ok,
    flushCache: ok,
    ...overrides,
  };
}

/** Runs `run` against a fresh server, closed (and its socket removed) afterwards. */
export async function withControlServer(
  limits: Partial<ControlLimits>,
  run: (server: ControlServer, socketPath: string) => Promise<void>,
  handlers: Partial<Handlers> = {},
): Promise<void> {
  const dir = tempDir();
  const socketPath = join(dir.path, 'control.sock');
  const server = await startControlServer({
    host: '127.0.0.1',
    port: 0,
    socket: { path: socketPath },
    token: TEST_TOKEN,
    handlers: fakeHandlers(handlers),
    limits,
  });
  try {
    await run(server, socketPath);
  } finally {
    await server.close();
    dir.cleanup();
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string } };
}

/** One request on a connection of its own, over TCP or the socket. */
export function ask(
  where: { port: number } | { socketPath: string },
  method = 'GET',
  path = '/status',
  body?: string,
  extra: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const host = 'port' in where ? `127.0.0.1:${where.port}` : 'localhost';
    const target = 'port' in where ? { host: '127.0.0.1', port: where.port } : { socketPath: where.socketPath };
    const length: Record<string, string> =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const headers: Record<string, string> = { host, authorization: `Bearer ${TEST_TOKEN}`, ...length, ...extra };
    const req = request({ ...target, method, path, headers, agent: false, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw connection that sends `text` and keeps still; resolves its reply and when it closed. */
export function hold(
  port: number,
  text: string,
): { socket: Socket; reply: string; connected: Promise<void>; closed: Promise<{ reply: string; at: number }> } {
  const socket = connect({ host: '127.0.0.1', port });
  let reply = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    reply += chunk;
    held.reply = reply;
  });
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.once('connect', () => socket.write(text));
  const closed = new Promise<{ reply: string; at: number }>((resolve) => socket.once('close', () => resolve({ reply, at: Date.now() })));
  const held = { socket, reply, connected, closed };
  return held;
}

export const partialHeaders = (port: number) =>
  `GET /status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n`;
