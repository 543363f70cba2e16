// Asking an upstream over UDP as RFC 5452 asks: random IDs and ports, and only the upstream's own
// answer to the very question taken. The upstream here is a socket on loopback that answers as
// told; a second socket plays the spoofer.
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { encodeQuery } from '../../src/dns/encode.js';
import { answersQuestion, queryUdp, type UpstreamQuestion, UpstreamTimeout } from '../../src/forward/udp-upstream.js';

const QUESTION: UpstreamQuestion = { name: 'api.example.com', type: 1, class: 1 };

/** A response to `query`: its bytes with QR set, the ID and question kept, or changed as asked. */
function reply(query: Buffer, change: { id?: number; name?: string } = {}): Buffer {
  const base = change.name === undefined ? Buffer.from(query) : encodeQuery(query.readUInt16BE(0), change.name, QUESTION.type);
  base[2] = (base[2] ?? 0) | 0x80;
  if (change.id !== undefined) base.writeUInt16BE(change.id, 0);
  return base;
}

type Behaviour = (query: Buffer, from: RemoteInfo, upstream: Socket, spoofer: Socket) => void;

describe('queryUdp', () => {
  let upstream: Socket;
  let spoofer: Socket;
  let port = 0;
  let behaviour: Behaviour = () => undefined;
  const seen: RemoteInfo[] = [];
  const ids: number[] = [];
  before(async () => {
    upstream = createSocket('udp4');
    spoofer = createSocket('udp4');
    upstream.on('message', (query, from) => {
      seen.push(from);
      ids.push(query.readUInt16BE(0));
      behaviour(query, from, upstream, spoofer);
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => spoofer.bind(0, '127.0.0.1', resolve));
    port = upstream.address().port;
  });
  after(() => {
    upstream.close();
    spoofer.close();
  });
  const ask = (timeoutMs = 2_000) =>
    queryUdp({ host: '127.0.0.1', port }, encodeQuery(0, QUESTION.name, QUESTION.type, { recursionDesired: true }), QUESTION, timeoutMs);

  it('takes the answer to its question, with recursion desired and the ID it chose', async () => {
    behaviour = (query, from, socket) => socket.send(reply(query), from.port, from.address);
    const answer = Buffer.from(await ask());
    assert.equal(answer.readUInt16BE(0), ids.at(-1));
    assert.equal((answer[2] ?? 0) & 0x01, 1, 'RD');
    assert.ok(answersQuestion(answer, ids.at(-1) ?? -1, QUESTION));
  });

  it('drops what another port, another ID or another question sends first, and takes the real answer after', async () => {
    behaviour = (query, from, socket, spoof) => {
      spoof.send(reply(query), from.port, from.address);
      socket.send(reply(query, { id: (query.readUInt16BE(0) + 1) & 0xffff }), from.port, from.address);
      socket.send(reply(query, { name: 'evil.example.com' }), from.port, from.address);
      const answer = reply(query);
      answer[3] = 0x83; // NXDOMAIN marks the one that should be taken
      setTimeout(() => socket.send(answer, from.port, from.address), 50);
    };
    const answer = await ask();
    assert.equal(answer[3], 0x83);
  });

  it('matches the question without case (RFC 4343), but no other name', () => {
    const query = encodeQuery(7, 'API.Example.COM', 1);
    assert.equal(answersQuestion(reply(query), 7, QUESTION), true);
    assert.equal(answersQuestion(reply(query), 8, QUESTION), false);
    assert.equal(answersQuestion(query, 7, QUESTION), false, 'a query is no answer');
    assert.equal(answersQuestion(reply(encodeQuery(7, 'api.example.co', 1)), 7, QUESTION), false);
    assert.equal(answersQuestion(reply(encodeQuery(7, 'api.example.com', 28)), 7, QUESTION), false);
    assert.equal(answersQuestion(reply(query).subarray(0, 20), 7, QUESTION), false, 'cut short');
  });

  it('takes no answer whose question holds the name in other labels (a label "api.example", then "com")', async () => {
    const oneLabel = (id: number) =>
      Buffer.concat([
        Buffer.from([id >> 8, id & 0xff, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]),
        Buffer.from([11, ...Buffer.from('api.example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 1]),
      ]);
    assert.equal(answersQuestion(oneLabel(9), 9, QUESTION), false);
    behaviour = (query, from, socket) => {
      socket.send(oneLabel(query.readUInt16BE(0)), from.port, from.address);
      const answer = reply(query);
      answer[3] = 0x83;
      setTimeout(() => socket.send(answer, from.port, from.address), 50);
    };
    assert.equal((await ask())[3], 0x83);
  });

  it('gives up at its deadline when only spoofs come', async () => {
    behaviour = (query, from, _socket, spoof) => spoof.send(reply(query), from.port, from.address);
    const started = performance.now();
    await assert.rejects(ask(300), UpstreamTimeout);
    const took = performance.now() - started;
    assert.ok(took >= 290 && took < 2_000, `${took} ms`);
  });

  it('asks each question from a new port with a new ID', async () => {
    behaviour = (query, from, socket) => socket.send(reply(query), from.port, from.address);
    seen.length = 0;
    ids.length = 0;
    for (let i = 0; i < 20; i++) await ask();
    assert.ok(new Set(seen.map((from) => from.port)).size >= 18, `ports ${seen.map((from) => from.port)}`);
    assert.ok(new Set(ids).size >= 18, `ids ${ids}`);
    assert.ok(seen.every((from) => from.address === '127.0.0.1'));
  });
});
