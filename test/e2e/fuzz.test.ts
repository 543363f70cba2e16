// Robustness: a seeded stream of malformed datagrams and abusive TCP clients against the built
// server. After every thousand bad packets a good query must still get the right answer, nothing
// may crash or stall, and memory must stay bounded.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, type Socket as TcpSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { runCommand, tempDir } from '../helpers/devdns.js';
import { FUZZ_SEED, GOOD, malformed, random } from '../helpers/fuzz.js';
import { addToHome, eventually, type RunningDevdns, startDevdns } from '../helpers/server.js';

const SEED = FUZZ_SEED;
const COUNT = 20_000;

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

/**
 * Sends the good query from a socket of its own until an answer comes back (UDP may drop under a
 * flood), or fails. Its own socket: late replies to the malformed datagrams, whose IDs are random,
 * must not be taken for its answer.
 */
async function goodAnswer(port: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const id = Math.floor(Math.random() * 65536);
  const query = Buffer.from(GOOD);
  query.writeUInt16BE(id, 0);
  try {
    const answer = await eventually(
      () =>
        new Promise<packet.Packet | undefined>((resolve) => {
          const onMessage = (message: Buffer) => {
            const decoded = packet.decode(message);
            if (decoded.id === id) finish(decoded);
          };
          const finish = (value: packet.Packet | undefined) => {
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve(value);
          };
          const timer = setTimeout(() => finish(undefined), 500);
          socket.on('message', onMessage);
          socket.send(query, port, '127.0.0.1');
        }),
      5_000,
      'an answer to a good query',
    );
    assert.deepEqual(
      answer.answers?.map((a) => ('data' in a ? a.data : undefined)),
      ['127.0.0.1'],
    );
  } finally {
    socket.close();
  }
}

describe('hostile input (built binary)', () => {
  const dir = tempDir();
  let devdns: RunningDevdns;
  before(async () => {
    await addToHome(dir.path, { name: 'myapp.test' });
    devdns = await startDevdns(dir.path);
  });
  after(async () => {
    assert.equal(await devdns.stop(), 0, 'the server never crashed and stopped cleanly');
    dir.cleanup();
  });

  it(`survives ${COUNT} malformed datagrams (seed ${SEED}), answering good queries all along`, { timeout: 120_000 }, async () => {
    const next = random(SEED);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const pid = devdns.child.pid ?? 0;
    await goodAnswer(devdns.port);
    const before = rssKiB(pid);
    try {
      for (let sent = 0; sent < COUNT; sent += 1000) {
        for (let i = 0; i < 1000; i++) {
          await new Promise<void>((resolve) => socket.send(malformed(next), devdns.port, '127.0.0.1', () => resolve()));
        }
        const started = Date.now();
        await goodAnswer(devdns.port);
        assert.ok(Date.now() - started < 2_000, `after ${sent + 1000} bad datagrams a good query took ${Date.now() - started} ms`);
      }
    } finally {
      socket.close();
    }
    const grown = rssKiB(pid) - before;
    assert.ok(grown < 50 * 1024, `RSS grew by ${grown} KiB`);
  });

  it('answers dig for names whose labels hold a dot or a newline, well-formed and as names that do not exist', async () => {
    const dig = async (...args: string[]) =>
      (await runCommand('dig', ['@127.0.0.1', '-p', String(devdns.port), '+norec', '+time=2', '+tries=2', ...args], process.env)).stdout;
    for (const name of ['a\\.b.myapp.test', '\\010myapp.test', 'myapp\\.test', 'A\\.B.MyApp.Test']) {
      for (const transport of ['+notcp', '+tcp']) {
        const output = await dig(transport, name, 'A');
        assert.doesNotMatch(output, /bad packet|FORMERR|WARNING|timed out/i, `${name} ${transport}: ${output}`);
        assert.match(output, name === 'myapp\\.test' ? /status: REFUSED/ : /status: NXDOMAIN/, `${name} ${transport}: ${output}`);
        assert.match(output, /ANSWER: 0,/, `${name} ${transport}: ${output}`);
        // The question as dig asked it, dots and bytes in place.
        assert.ok(output.includes(`;${name}.`), `${name} ${transport}: ${output}`);
      }
    }
    assert.match(await dig('myapp.test', 'A'), /ANSWER: 1,/);
  });

  const open = (): Promise<TcpSocket> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: devdns.port }, () => resolve(socket));
      socket.on('error', reject);
    });
  const closed = (socket: TcpSocket, timeoutMs: number) =>
    eventually(() => (socket.destroyed || socket.readableEnded ? true : undefined), timeoutMs, 'the server to close the connection');

  it('closes a TCP connection with a zero length prefix', async () => {
    const socket = await open();
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.write(Buffer.from([0, 0]));
    await closed(socket, 2_000);
  });

  // What the idle deadline does is tested in process with a short one (test/dns/server.test.ts);
  // here, that the binary's own caps hold while many connections sit idle.
  it('holds 200 idle connections to its caps, and answers UDP and a new TCP client meanwhile', { timeout: 60_000 }, async () => {
    const idle = await Promise.all(
      Array.from({ length: 200 }, () =>
        open().then(
          (socket) => {
            socket.on('error', () => undefined);
            socket.on('data', () => undefined);
            return socket;
          },
          () => undefined,
        ),
      ),
    );
    try {
      // UDP keeps working meanwhile.
      await goodAnswer(devdns.port);
      // Beyond the cap, connections are closed at once.
      await eventually(
        () => (idle.filter((s) => s && !s.destroyed && !s.readableEnded).length <= 100 ? true : undefined),
        5_000,
        'the connection cap',
      );
      await askPipelined();
    } finally {
      for (const socket of idle) socket?.destroy();
    }
  });

  /** A new TCP client is served, two pipelined queries in one write (RFC 7766 §6.2.1.1). */
  const askPipelined = async () => {
    const client = await open();
    const answers = await new Promise<Buffer[]>((resolve) => {
      let buffer = Buffer.alloc(0);
      const messages: Buffer[] = [];
      client.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
          messages.push(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
          buffer = buffer.subarray(2 + buffer.readUInt16BE(0));
        }
        if (messages.length === 2) resolve(messages);
      });
      const ask = (id: number, type: 'A' | 'AAAA') =>
        packet.streamEncode({ type: 'query', id, questions: [{ name: 'myapp.test', type, class: 'IN' }] });
      client.write(Buffer.concat([ask(9, 'A'), ask(10, 'AAAA')]));
    });
    client.destroy();
    const decoded = answers.map((answer) => packet.decode(answer));
    assert.deepEqual(
      decoded.map((d) => [d.id, d.answers?.map((a) => ('data' in a ? a.data : undefined))]),
      [
        [9, ['127.0.0.1']],
        [10, ['::1']],
      ],
    );
  };
});
