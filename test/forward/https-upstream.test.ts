// Asking an upstream over DNS over HTTPS (RFC 8484), against an HTTP/2 server on loopback with a
// throwaway certificate for one name and 127.0.0.1: the request as the RFC has it, one connection
// for many questions, closed when idle and made again after a GOAWAY; and every way a server can
// fail to give a DNS answer (another certificate name, a status, a content type, a body too
// large, another question, silence) rejected within the deadline, never thrown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as packet from 'dns-packet';
import type { ForwardRequest } from '../../src/dns/respond.js';
import { readQuery } from '../../src/dns/wire.js';
import { dnsOverHttps, Forwarder } from '../../src/forward/forwarder.js';
import { type HttpsUpstream, HttpsUpstreamClient, UpstreamRefusedAnswer } from '../../src/forward/https-upstream.js';
import { UpstreamMismatch } from '../../src/forward/tcp-upstream.js';
import { type UpstreamQuestion, UpstreamTimeout } from '../../src/forward/udp-upstream.js';
import { makeCertificate } from '../helpers/certificate.js';
import { runCommand, tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

const NAME = 'doh.devdns-test.example';
const QUESTION: UpstreamQuestion = { name: 'api.example.com', type: 15, class: 1 };

const haveOpenssl = (await runCommand('openssl', ['version'], process.env).catch(() => ({ code: 127 }))).code === 0;

/** The forwarder's query: a fresh header with RD, ID 0, one question. */
const query = (name = QUESTION.name) =>
  packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ name, type: 'MX', class: 'IN' }] });

/** An MX answer to `asked`, with its ID, or another one. */
function answer(asked: Buffer, id = asked.readUInt16BE(0)): Buffer {
  const decoded = packet.decode(asked);
  return packet.encode({
    type: 'response',
    id,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: decoded.questions,
    answers: [{ type: 'MX', name: QUESTION.name, ttl: 60, data: { preference: 10, exchange: 'mail.example.com' } }],
  } as never);
}

interface Asked {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('DNS over HTTPS upstream', { skip: haveOpenssl ? false : 'install openssl' }, () => {
  const dir = tempDir();
  let server: Http2SecureServer;
  let port = 0;
  let ca = '';
  let sessions = 0;
  const open = new Set<ServerHttp2Session>();
  const asked: Asked[] = [];
  let behaviour: (stream: ServerHttp2Stream, body: Buffer) => void = () => undefined;

  before(async () => {
    await makeCertificate(dir.path, NAME, 'IP:127.0.0.1');
    ca = readFileSync(join(dir.path, 'cert.pem'), 'utf8');
    server = createSecureServer({ key: readFileSync(join(dir.path, 'key.pem')), cert: ca });
    server.on('session', (session) => {
      sessions++;
      open.add(session);
      session.on('close', () => open.delete(session));
      session.on('error', () => undefined);
    });
    server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        asked.push({ headers, body });
        behaviour(stream, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const session of open) session.destroy();
    await closed;
    dir.cleanup();
  });

  const upstream = (servername = NAME): HttpsUpstream => ({ host: '127.0.0.1', port, path: '/dns-query', servername });
  const reply = (stream: ServerHttp2Stream, body: Buffer, headers: Record<string, string | number> = {}) => {
    stream.respond({ ':status': 200, 'content-type': 'application/dns-message', ...headers });
    stream.end(body);
  };
  /** One question on a client of its own, closed after. */
  const askOnce = async (servername = NAME, timeoutMs = 2_000) => {
    const client = new HttpsUpstreamClient(upstream(servername), { ca });
    try {
      return await client.ask(query(), QUESTION, timeoutMs);
    } finally {
      client.close();
    }
  };

  it('POSTs the question as application/dns-message with ID 0 and takes the answer', async () => {
    behaviour = (stream, body) => reply(stream, answer(body));
    asked.length = 0;
    const withId = Buffer.from(query());
    withId.writeUInt16BE(0x1234, 0);
    const client = new HttpsUpstreamClient(upstream(), { ca });
    try {
      const got = packet.decode(Buffer.from(await client.ask(withId, QUESTION, 2_000)));
      assert.deepEqual(
        got.answers?.map((a) => (a as { data: unknown }).data),
        [{ preference: 10, exchange: 'mail.example.com' }],
      );
    } finally {
      client.close();
    }
    const [request] = asked;
    assert.ok(request);
    assert.deepEqual(
      [
        request.headers[':method'],
        request.headers[':path'],
        request.headers[':authority'],
        request.headers['content-type'],
        request.headers.accept,
      ],
      ['POST', '/dns-query', `${NAME}:${port}`, 'application/dns-message', 'application/dns-message'],
    );
    // RFC 8484 §4.1: ID 0 on the wire, the rest as the forwarder built it.
    assert.equal(request.body.readUInt16BE(0), 0);
    assert.deepEqual(request.body.subarray(2), withId.subarray(2));
  });

  it('checks a certificate for the address when the URL names none', async () => {
    behaviour = (stream, body) => reply(stream, answer(body));
    assert.equal(packet.decode(Buffer.from(await askOnce('127.0.0.1'))).answers?.length, 1);
  });

  it('refuses a certificate for another name, and asks nothing', async () => {
    behaviour = (stream, body) => reply(stream, answer(body));
    asked.length = 0;
    await assert.rejects(askOnce('wrong.example'), /wrong\.example/);
    assert.equal(asked.length, 0);
  });

  const refused: Array<[string, (stream: ServerHttp2Stream, body: Buffer) => void, RegExp | (new (...args: never[]) => Error)]> = [
    ['a status other than 200', (stream, body) => reply(stream, answer(body), { ':status': 503 }), /answered HTTP 503/],
    [
      'another content type',
      (stream, body) => reply(stream, answer(body), { 'content-type': 'text/html' }),
      /text\/html, not application\/dns-message/,
    ],
    [
      'no content type',
      (stream, body) => {
        stream.respond({ ':status': 200 });
        stream.end(answer(body));
      },
      /without a content-type/,
    ],
    [
      'a body longer than a DNS message',
      (stream, body) => reply(stream, Buffer.concat([answer(body), Buffer.alloc(70_000)])),
      /more than 65535 bytes/,
    ],
    [
      'a content-length longer than a DNS message',
      (stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/dns-message', 'content-length': 70_000 });
        stream.write(Buffer.alloc(10));
      },
      /announced 70000 bytes/,
    ],
    ['an answer with another ID', (stream, body) => reply(stream, answer(body, 7)), UpstreamMismatch],
    ['an answer to another question', (stream) => reply(stream, answer(query('other.example.com'))), UpstreamMismatch],
    ['a stream reset', (stream) => stream.close(2), /./],
    ['a connection dropped', (stream) => stream.session?.destroy(), /./],
    [
      'a connection dropped halfway through the answer',
      (stream, body) => {
        const whole = answer(body);
        stream.respond({ ':status': 200, 'content-type': 'application/dns-message' });
        stream.write(whole.subarray(0, whole.length - 8), () => stream.session?.destroy());
      },
      /./,
    ],
    [
      'a body shorter than its content-length',
      (stream, body) => {
        const whole = answer(body);
        stream.respond({ ':status': 200, 'content-type': 'application/dns-message', 'content-length': whole.length + 8 });
        stream.end(whole);
      },
      /PROTOCOL_ERROR/,
    ],
    [
      'a stream reset halfway through the answer',
      (stream, body) => {
        const whole = answer(body);
        stream.respond({ ':status': 200, 'content-type': 'application/dns-message' });
        stream.write(whole.subarray(0, whole.length - 8), () => stream.destroy(new Error('cut')));
      },
      /./,
    ],
  ];
  for (const [what, act, expected] of refused) {
    it(`rejects ${what}`, async () => {
      behaviour = act;
      const started = performance.now();
      await assert.rejects(askOnce(), expected as RegExp);
      assert.ok(performance.now() - started < 1_500, `took ${performance.now() - started} ms`);
    });
  }
  it('rejects with UpstreamRefusedAnswer for what is not a DNS answer', async () => {
    behaviour = (stream, body) => reply(stream, answer(body), { ':status': 404 });
    await assert.rejects(askOnce(), UpstreamRefusedAnswer);
  });

  it('gives up at its deadline on a server that never answers, and the forwarder says SERVFAIL within its own', async () => {
    behaviour = () => undefined;
    let started = performance.now();
    await assert.rejects(askOnce(NAME, 300), UpstreamTimeout);
    assert.ok(performance.now() - started < 1_000, `took ${performance.now() - started} ms`);
    const transport = dnsOverHttps(upstream(), { ca });
    const forwarder = new Forwarder({ upstreams: [transport], timeoutMs: 600 });
    try {
      const message = Buffer.from(query());
      const read = readQuery(message);
      assert.equal(read.kind, 'query');
      if (read.kind !== 'query') return;
      const request: ForwardRequest = { query: read.query, questionEnd: read.questionEnd, rule: 'override', maxSize: 65535 };
      started = performance.now();
      const forwarded = await forwarder.forward(message, request);
      const took = performance.now() - started;
      assert.deepEqual([forwarded.source, (forwarded.reply[3] ?? 0) & 0x0f], ['failed', 2]);
      assert.ok(took < 900, `SERVFAIL after ${took} ms`);
    } finally {
      forwarder.close();
    }
  });

  it('asks many questions on one connection, closes it when idle, and makes another after a GOAWAY', async () => {
    behaviour = (stream, body) => reply(stream, answer(body));
    const client = new HttpsUpstreamClient(upstream(), { ca, idleMs: 150 });
    try {
      const before = sessions;
      await Promise.all(Array.from({ length: 5 }, () => client.ask(query(), QUESTION, 2_000)));
      await client.ask(query(), QUESTION, 2_000);
      assert.equal(sessions - before, 1);
      await eventually(async () => (client.connected ? undefined : true), 3_000, 'the idle close');
      await client.ask(query(), QUESTION, 2_000);
      assert.equal(sessions - before, 2);
      // The server going away: the next question goes on a new connection.
      behaviour = (stream, body) => {
        reply(stream, answer(body));
        // This stream was the last one served (a GOAWAY naming none would cancel it).
        stream.session?.goaway(0, stream.id);
      };
      await client.ask(query(), QUESTION, 2_000);
      behaviour = (stream, body) => reply(stream, answer(body));
      await eventually(async () => (client.connected ? undefined : true), 3_000, 'the GOAWAY seen');
      await client.ask(query(), QUESTION, 2_000);
      assert.equal(sessions - before, 3);
    } finally {
      client.close();
    }
    await assert.rejects(client.ask(query(), QUESTION, 2_000), /devdns is stopping/);
  });

  it('gives up on a server that never finishes the handshake, and keeps no half-made connection', async () => {
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = new HttpsUpstreamClient({ ...upstream(), port: (silent.address() as { port: number }).port }, { ca });
    try {
      const started = performance.now();
      await assert.rejects(client.ask(query(), QUESTION, 300), UpstreamTimeout);
      assert.ok(performance.now() - started < 1_000, `took ${performance.now() - started} ms`);
      assert.equal(client.connected, false);
    } finally {
      client.close();
      silent.close();
    }
  });

  it('rejects at once when nothing listens', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createSecureServer({});
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const client = new HttpsUpstreamClient({ ...upstream(), port: closedPort }, { ca });
    try {
      await assert.rejects(client.ask(query(), QUESTION, 2_000), /ECONNREFUSED|closed/);
    } finally {
      client.close();
    }
  });
});
