// The control server's checks in front of its handlers, in process: each route with and without
// the token, the Host, Origin, method and body rules as a table, a body that trickles cut off at
// the request deadline, handler errors, and start and close: once, and undone when a start fails.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROUTES, type RouteName } from '../../src/control/protocol.js';
import { ApiError, startControlServer } from '../../src/control/server.js';
import { type Answer, ask, fakeHandlers, hold, TEST_TOKEN, withControlServer } from '../helpers/control.js';
import { tempDir } from '../helpers/devdns.js';
import { assertTcpFree, closeTcp, listenTcp, portOf } from '../helpers/ports.js';

const code = (answer: Answer) => [answer.status, answer.body.error?.code ?? 'ok'];

describe('control server routes', () => {
  const routes = Object.entries(ROUTES) as Array<[RouteName, (typeof ROUTES)[RouteName]]>;
  it('answers each route with the token, and refuses each without it (401, WWW-Authenticate)', async () => {
    await withControlServer({}, async (server) => {
      for (const [name, { method, path }] of routes) {
        const body = method === 'GET' ? undefined : '{}';
        const given = await ask({ port: server.port }, method, path, body);
        assert.equal(given.status < 300, true, `${name}: ${given.status}`);
        for (const authorization of ['', 'Bearer', `Bearer ${'0'.repeat(64)}`, `Basic ${TEST_TOKEN}`, `Bearer ${TEST_TOKEN} x`]) {
          const refused = await ask({ port: server.port }, method, path, body, { authorization });
          assert.deepEqual(code(refused), [401, 'unauthorized'], `${name} with "${authorization}"`);
          assert.equal(refused.headers['www-authenticate'], 'Bearer');
        }
      }
    });
  });

  it('refuses what it must, with a JSON error and a stable code', async () => {
    await withControlServer({}, async (server) => {
      const at = { port: server.port };
      const cases: Array<[string, Promise<Answer>, number, string]> = [
        ['a rebinding Host', ask(at, 'GET', '/status', undefined, { host: `evil.example:${server.port}` }), 421, 'bad-host'],
        ['a Host with another port', ask(at, 'GET', '/status', undefined, { host: '127.0.0.1:80' }), 421, 'bad-host'],
        ['an Origin', ask(at, 'GET', '/status', undefined, { origin: 'https://evil.example' }), 403, 'origin-refused'],
        ['an unknown route', ask(at, 'GET', '/admin'), 404, 'not-found'],
        ['GET on a POST route', ask(at, 'GET', '/stop'), 405, 'method-not-allowed'],
        ['text/plain', ask(at, 'POST', '/records', '{}', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type'],
        ['malformed JSON', ask(at, 'POST', '/records', '{"name": '), 400, 'invalid-json'],
        ['a JSON array', ask(at, 'POST', '/records', '[]'), 400, 'invalid-body'],
        ['__proto__', ask(at, 'POST', '/records', '{"__proto__": {}}'), 400, 'forbidden-key'],
        ['a body over 64 KiB', ask(at, 'POST', '/records', JSON.stringify({ name: 'x'.repeat(70_000) })), 413, 'body-too-large'],
      ];
      for (const [title, pending, status, errorCode] of cases) {
        const answer = await pending;
        assert.deepEqual(code(answer), [status, errorCode], title);
        assert.match(String(answer.headers['content-type']), /^application\/json/, title);
        assert.ok(!Object.keys(answer.headers).some((name) => name.startsWith('access-control-')), `${title}: no CORS headers`);
      }
      assert.equal((await ask(at, 'GET', '/stop')).headers.allow, 'POST');
    });
  });

  it('refuses a request without a Host header', async () => {
    await withControlServer({}, async (server) => {
      const noHost = hold(server.port, `GET /status HTTP/1.0\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`);
      assert.match((await noHost.closed).reply, /^HTTP\/1\.1 421 [\s\S]*"code":"bad-host"/);
    });
  });

  it('cuts off a body that trickles at the request deadline, with 408', async () => {
    await withControlServer({ requestTimeoutMs: 300 }, async (server) => {
      const started = Date.now();
      const trickle = hold(
        server.port,
        `POST /records HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      const end = await trickle.closed;
      assert.match(end.reply, /^HTTP\/1\.1 408 [\s\S]*"code":"request-timeout"/);
      assert.ok(end.at - started >= 250 && end.at - started < 300 + 1_000, `closed after ${end.at - started} ms`);
    });
  });

  it("answers a handler's ApiError with its code, and anything else it throws as 500 internal, reported", async () => {
    const errors: Error[] = [];
    const server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      token: TEST_TOKEN,
      onError: (error) => errors.push(error),
      handlers: fakeHandlers({
        resolve: () => {
          throw new ApiError('invalid-body', 'name: give a name to resolve');
        },
        reload: () => Promise.reject(new Error('a handler bug')),
      }),
    });
    try {
      assert.deepEqual(code(await ask({ port: server.port }, 'GET', '/resolve')), [400, 'invalid-body']);
      const failed = await ask({ port: server.port }, 'POST', '/reload', '{}');
      assert.deepEqual(code(failed), [500, 'internal']);
      assert.doesNotMatch(JSON.stringify(failed.body), /a handler bug/, 'the detail stays in the daemon');
      assert.deepEqual(
        errors.map((error) => error.message),
        ['a handler bug'],
      );
    } finally {
      await server.close();
    }
  });
});

describe('control server start and close', () => {
  it('listens on TCP and the socket, closes both, and a second close waits for the same', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'control.sock');
      const server = await startControlServer({
        host: '127.0.0.1',
        port: 0,
        socket: { path },
        token: TEST_TOKEN,
        handlers: fakeHandlers(),
      });
      assert.equal((await ask({ port: server.port })).status, 200);
      const first = server.close();
      assert.equal(server.close(), first);
      await first;
      assert.equal(existsSync(path), false, 'the socket is removed');
      // The port is free again.
      await assertTcpFree(server.port);
      // A later server at the same path keeps its socket when the first is closed again.
      const next = await startControlServer({ host: '127.0.0.1', port: 0, socket: { path }, token: TEST_TOKEN, handlers: fakeHandlers() });
      await server.close();
      assert.equal(existsSync(path), true, "the next server's socket stays");
      await next.close();
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a TCP port in use with PortInUseError, making no socket', async () => {
    const dir = tempDir();
    const taken = await listenTcp();
    try {
      const port = portOf(taken);
      const path = join(dir.path, 'control.sock');
      await assert.rejects(startControlServer({ host: '127.0.0.1', port, socket: { path }, token: TEST_TOKEN, handlers: fakeHandlers() }), {
        name: 'PortInUseError',
        transport: 'control (TCP)',
        port,
      });
      assert.equal(existsSync(path), false);
    } finally {
      await closeTcp(taken);
      dir.cleanup();
    }
  });

  it('closes the TCP listener it opened when the socket cannot be made', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'control.sock');
      writeFileSync(path, 'not a socket');
      const probe = await listenTcp();
      const port = portOf(probe);
      await closeTcp(probe);
      await assert.rejects(
        startControlServer({ host: '127.0.0.1', port, socket: { path }, token: TEST_TOKEN, handlers: fakeHandlers() }),
        (error: Error & { code?: string }) => error.code === 'socket-path-taken',
      );
      await assertTcpFree(port);
    } finally {
      dir.cleanup();
    }
  });
});
