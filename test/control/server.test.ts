// The control server in-process, on port 0 and a socket in a temp dir, with short limits: deadlines
// that hold to their value, a cap that slow holders cannot use to lock others out, an answer for
// every request of a flood, bounded bodies and streams, and the socket's own checks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Handlers, startControlServer } from '../../src/control/server.js';
import { ask, fakeHandlers, hold, NOTHING_ADDED, partialHeaders, TEST_TOKEN, withControlServer } from '../helpers/control.js';
import { tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

const TOKEN = TEST_TOKEN;
const withServer = withControlServer;

describe('control server deadlines', () => {
  it('closes a connection whose headers trickle, and an idle one, within the headers timeout', { timeout: 10_000 }, async () => {
    await withServer({ headersTimeoutMs: 300 }, async (server) => {
      const started = Date.now();
      const slow = hold(server.port, partialHeaders(server.port));
      const silent = hold(server.port, '');
      const [slowEnd, silentEnd] = await Promise.all([slow.closed, silent.closed]);
      for (const [what, end] of [
        ['trickling headers', slowEnd],
        ['no request at all', silentEnd],
      ] as const) {
        const took = end.at - started;
        assert.ok(took >= 250 && took < 300 + 700, `${what}: closed after ${took} ms`);
        assert.match(end.reply, /^HTTP\/1\.1 408 /, what);
        assert.match(end.reply, /"code":"request-timeout"/, what);
      }
    });
  });

  it('closes an idle keep-alive connection after keepAliveTimeout (Node adds a second to what it advertises)', async () => {
    await withServer({ headersTimeoutMs: 5_000, keepAliveTimeoutMs: 200 }, async (server) => {
      const connection = hold(
        server.port,
        `GET /status HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      );
      await connection.connected;
      const started = Date.now();
      const end = await connection.closed;
      assert.match(end.reply, /^HTTP\/1\.1 200 /);
      assert.ok(end.at - started < 200 + 1_000 + 700, `closed after ${end.at - started} ms`);
    });
  });
});

describe('control server under a flood', () => {
  it('lets a client in past a cap held by slow connections, closing the one that waited longest', async () => {
    await withServer({ maxConnections: 8, headersTimeoutMs: 30_000, evictAfterMs: 0 }, async (server) => {
      const holders = Array.from({ length: 8 }, () => hold(server.port, partialHeaders(server.port)));
      try {
        await Promise.all(holders.map((holder) => holder.connected));
        for (let i = 0; i < 3; i += 1) {
          const answer = await ask({ port: server.port });
          assert.equal(answer.status, 200, `request ${i} got through`);
        }
        const first = await holders[0]?.closed;
        assert.match(first?.reply ?? '', /^HTTP\/1\.1 503 [\s\S]*"code":"busy"/, 'the oldest holder is told why it was closed');
      } finally {
        for (const holder of holders) holder.socket.destroy();
      }
    });
  });

  it('a flood of new half-open connections, each younger than any age limit, locks no one out', { timeout: 20_000 }, async () => {
    await withServer({}, async (server) => {
      // Another process opens 20 connections every 5 ms for 3 s, each with unfinished headers.
      const flood = `const net = require('node:net'); const text = ${JSON.stringify(partialHeaders(server.port))};
        const end = Date.now() + 3000; const sockets = []; let connected = 0;
        const tick = () => { if (Date.now() > end) { for (const s of sockets) s.destroy(); return; }
          for (let i = 0; i < 20; i++) { const s = net.connect(${server.port}, '127.0.0.1', () => { s.write(text); if (++connected === 200) console.log('flooding'); }); s.on('error', () => {}); sockets.push(s); }
          setTimeout(tick, 5); };
        tick();`;
      const child = spawn(process.execPath, ['-e', flood], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        // Once 200 flood connections are in, every slot has been taken (the cap is 64).
        await new Promise((resolve) => child.stdout.once('data', resolve));
        let through = 0;
        for (let i = 0; i < 20; i += 1) if ((await ask({ port: server.port })).status === 200) through += 1;
        assert.ok(through >= 18, `${through} of 20 requests got through the flood`);
      } finally {
        child.kill();
        await exited;
      }
    });
  });

  it('answers 503 with Retry-After at once when every slot is working, and the socket has slots of its own', async () => {
    await withServer({ maxConnections: 4, headersTimeoutMs: 30_000, evictAfterMs: 60_000 }, async (server, socketPath) => {
      const holders = Array.from({ length: 4 }, () => hold(server.port, partialHeaders(server.port)));
      try {
        await Promise.all(holders.map((holder) => holder.connected));
        const started = Date.now();
        const refused = await ask({ port: server.port });
        assert.equal(refused.status, 503);
        assert.equal(refused.headers['retry-after'], '1');
        assert.equal(refused.body.error?.code, 'busy');
        assert.ok(Date.now() - started < 1_000, 'refused promptly');
        assert.equal((await ask({ socketPath })).status, 200, 'the socket is not crowded out by TCP');
      } finally {
        for (const holder of holders) holder.socket.destroy();
      }
    });
  });

  it('gives each of 1,000 concurrent POSTs an HTTP answer: 201, or 503 JSON with Retry-After', { timeout: 60_000 }, async () => {
    // Each add takes a moment, as a write to disk does, so the cap is reached.
    const slowAdd: Partial<Handlers> = {
      addRecord: () => new Promise((resolve) => setTimeout(() => resolve({ status: 201, body: NOTHING_ADDED }), 50)),
    };
    await withServer(
      { maxConnections: 32 },
      async (server) => {
        const body = JSON.stringify({ name: 'flood.test', value: '127.0.0.1' });
        const results = await Promise.allSettled(Array.from({ length: 1_000 }, () => ask({ port: server.port }, 'POST', '/records', body)));
        const counts = new Map<string, number>();
        for (const result of results) {
          const key =
            result.status === 'rejected'
              ? `error ${(result.reason as NodeJS.ErrnoException).code}`
              : result.value.status === 503
                ? `503 ${result.value.body.error?.code} retry-after ${result.value.headers['retry-after']}`
                : String(result.value.status);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        const summary = JSON.stringify(Object.fromEntries(counts));
        assert.ok((counts.get('201') ?? 0) > 0, summary);
        assert.ok((counts.get('503 busy retry-after 1') ?? 0) > 0, `the cap was reached: ${summary}`);
        assert.equal((counts.get('201') ?? 0) + (counts.get('503 busy retry-after 1') ?? 0), 1_000, summary);
      },
      slowAdd,
    );
  });

  it('takes a few pipelined requests of one connection at a time, and answers them all', { timeout: 20_000 }, async () => {
    const load = { now: 0, most: 0 };
    const counting: Partial<Handlers> = {
      addRecord: async () => {
        load.now += 1;
        load.most = Math.max(load.most, load.now);
        await new Promise((resolve) => setTimeout(resolve, 5));
        load.now -= 1;
        return { status: 201, body: NOTHING_ADDED };
      },
    };
    await withServer(
      {},
      async (server) => {
        const body = '{}';
        const one = `POST /records HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        const connection = hold(server.port, one.repeat(200));
        const answered = await eventually(
          () => {
            const count = connection.socket.bytesRead > 0 ? (connection.reply.match(/HTTP\/1\.1 201 /g) ?? []).length : 0;
            return count >= 200 ? count : undefined;
          },
          15_000,
          '200 answers',
        );
        connection.socket.destroy();
        assert.equal(answered, 200);
        assert.ok(load.most <= 4, `${load.most} at once`);
      },
      counting,
    );
  });

  it('bounds the request bodies held at once, answering 503 beyond the budget', async () => {
    await withServer({ maxBodyBytesInFlight: 64 * 1024, headersTimeoutMs: 30_000 }, async (server) => {
      // Six bodies of 32 KiB, each sending 20 KiB and holding the rest: at most three fit.
      const head = `POST /records HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${32 * 1024}\r\n\r\n`;
      const holders = Array.from({ length: 6 }, () => hold(server.port, head + ' '.repeat(20 * 1024)));
      try {
        const refused = await Promise.race(holders.map((holder) => holder.closed));
        assert.match(refused.reply, /^HTTP\/1\.1 503 /);
        assert.match(refused.reply, /retry-after: 1/i);
        assert.match(refused.reply, /"code":"busy"/);
      } finally {
        for (const holder of holders) holder.socket.destroy();
      }
    });
  });
});

describe('control server streams', () => {
  const streamRequest = (port: number) =>
    `GET /queries?follow=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;

  it('limits the follow streams per listener; a closed one frees its place', { timeout: 10_000 }, async () => {
    // A quiet log: the streams send nothing but their headers.
    const quiet: Partial<Handlers> = { queries: () => ({ stream: () => undefined }) };
    await withServer(
      { maxStreams: 2 },
      async (server, socketPath) => {
        const opened = Array.from({ length: 2 }, () => {
          const stream = hold(server.port, streamRequest(server.port));
          return { ...stream, started: new Promise((resolve) => stream.socket.once('data', resolve)) };
        });
        try {
          await Promise.all(opened.map((stream) => stream.started));
          const third = await ask({ port: server.port }, 'GET', '/queries?follow=1');
          assert.equal(third.status, 429);
          assert.equal(third.headers['retry-after'], '1');
          assert.equal(third.body.error?.code, 'too-many-streams');
          assert.equal((await ask({ port: server.port })).status, 200, 'other requests still go through');
          opened[0]?.socket.destroy();
          await opened[0]?.closed;
          const again = hold(server.port, streamRequest(server.port));
          const reply = await new Promise<string>((resolve) => again.socket.once('data', (chunk) => resolve(String(chunk))));
          again.socket.destroy();
          assert.match(reply, /^HTTP\/1\.1 200 /);
          const onSocket = await new Promise<string>((resolve, reject) => {
            const socket = connect({ path: socketPath }, () =>
              socket.write(`GET /queries?follow=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
            );
            socket.once('data', (chunk) => {
              socket.destroy();
              resolve(String(chunk));
            });
            socket.on('error', reject);
          });
          assert.match(onSocket, /^HTTP\/1\.1 200 /, 'the socket has streams of its own');
        } finally {
          for (const stream of opened) stream.socket.destroy();
        }
      },
      quiet,
    );
  });

  it('cuts off a reader that stops reading instead of buffering without end', async () => {
    // A query log far busier than the reader: 64 KiB a turn of the event loop, up to 32 MiB.
    const log = { sent: 0, closed: false };
    const busyLog: Partial<Handlers> = {
      queries: () => ({
        stream: (send, onClose) => {
          onClose(() => {
            log.closed = true;
          });
          const next = () => {
            if (log.closed || log.sent >= 512) return;
            send('x'.repeat(64 * 1024));
            log.sent += 1;
            setImmediate(next);
          };
          next();
        },
      }),
    };
    await withServer(
      {},
      async (_server, socketPath) => {
        // On the Unix socket, where the kernel buffers little (loopback TCP here takes ~32 MiB).
        const reader = connect({ path: socketPath }, () =>
          reader.write(`GET /queries?follow=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
        );
        reader.on('error', () => undefined);
        reader.once('data', () => reader.pause());
        try {
          await eventually(() => (log.closed ? true : undefined), 10_000, 'the server to close the stream');
          assert.ok(log.sent < 100, `cut off after ${log.sent} entries of 64 KiB`);
        } finally {
          reader.destroy();
        }
      },
      busyLog,
    );
  });
});

describe('control server on its Unix domain socket', () => {
  it('makes the socket 0600 and applies the same Host and token checks on it', async () => {
    await withServer({}, async (server, socketPath) => {
      assert.equal(server.socketPath, socketPath);
      assert.equal(statSync(socketPath).mode & 0o777, 0o600);
      assert.equal((await ask({ socketPath })).status, 200);
      const noToken = await ask({ socketPath }, 'GET', '/status', undefined, { authorization: '' });
      assert.deepEqual([noToken.status, noToken.body.error?.code], [401, 'unauthorized']);
      const rebinding = await ask({ socketPath }, 'GET', '/status', undefined, { host: 'evil.example' });
      assert.deepEqual([rebinding.status, rebinding.body.error?.code], [421, 'bad-host']);
      const tcpHost = await ask({ socketPath }, 'GET', '/status', undefined, { host: `127.0.0.1:${server.port}` });
      assert.equal(tcpHost.status, 421, 'on the socket the Host is localhost');
      const text = await ask({ socketPath }, 'POST', '/records', '{}', { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
    });
  });

  it('replaces a stale socket of ours, but never a file, a symlink or what it points to', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'control.sock');
      const start = () => startControlServer({ host: '127.0.0.1', port: 0, socket: { path }, token: TOKEN, handlers: fakeHandlers() });
      // A socket left by a daemon that was killed: its process is gone, the file is not.
      spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      assert.ok(lstatSync(path).isSocket());
      const server = await start();
      assert.equal((await ask({ socketPath: path })).status, 200);
      await server.close();
      assert.equal(existsSync(path), false, 'removed on close');

      writeFileSync(path, 'not a socket');
      await assert.rejects(start(), (error: Error & { code?: string }) => error.code === 'socket-path-taken');
      assert.equal(readFileSync(path, 'utf8'), 'not a socket', 'the file is left as it was');
      rmSync(path);

      const target = join(dir.path, 'target');
      writeFileSync(target, 'precious');
      symlinkSync(target, path);
      await assert.rejects(start(), (error: Error & { code?: string }) => error.code === 'socket-path-taken');
      assert.equal(readFileSync(target, 'utf8'), 'precious');
      assert.ok(lstatSync(path).isSymbolicLink(), 'the symlink is left too');
    } finally {
      dir.cleanup();
    }
  });
});
