// Asking an upstream over TCP (RFC 7766): a length before each message, the answer checked as over
// UDP, and a deadline. The upstream is a TCP server on loopback that answers as told.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeQuery } from '../../src/dns/encode.js';
import { queryTcp, UpstreamMismatch } from '../../src/forward/tcp-upstream.js';
import { type UpstreamQuestion, UpstreamTimeout } from '../../src/forward/udp-upstream.js';

const QUESTION: UpstreamQuestion = { name: 'api.example.com', type: 1, class: 1 };

const framed = (message: Buffer) => Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message]);
const replyTo = (query: Buffer) => {
  const answer = Buffer.from(query);
  answer[2] = (answer[2] ?? 0) | 0x80;
  return answer;
};

describe('queryTcp', () => {
  let server: Server;
  let port = 0;
  let behaviour: (query: Buffer, socket: Socket) => void = () => undefined;
  before(async () => {
    server = createServer((socket) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) behaviour(received.subarray(2), socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());
  const ask = (timeoutMs = 2_000) =>
    queryTcp({ host: '127.0.0.1', port }, encodeQuery(0, QUESTION.name, QUESTION.type), QUESTION, timeoutMs);

  it('takes the answer, even when it comes a byte at a time', async () => {
    behaviour = (query, socket) => {
      const bytes = framed(replyTo(query));
      for (const [i, byte] of bytes.entries()) setTimeout(() => socket.write(Buffer.from([byte])), i);
    };
    const answer = Buffer.from(await ask());
    assert.equal(answer.length, encodeQuery(0, QUESTION.name, QUESTION.type).length);
    assert.equal((answer[2] ?? 0) & 0x80, 0x80);
  });

  it('refuses an answer with another ID, and a connection closed without one', async () => {
    behaviour = (query, socket) => {
      const answer = replyTo(query);
      answer.writeUInt16BE((answer.readUInt16BE(0) + 1) & 0xffff, 0);
      socket.write(framed(answer));
    };
    await assert.rejects(ask(), UpstreamMismatch);
    behaviour = (_query, socket) => socket.end();
    await assert.rejects(ask(), /closed the connection without an answer/);
  });

  it('gives up at its deadline on an upstream that never answers', async () => {
    behaviour = () => undefined;
    const started = performance.now();
    await assert.rejects(ask(300), UpstreamTimeout);
    assert.ok(performance.now() - started < 2_000);
  });
});
