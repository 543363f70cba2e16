// The DNS sockets in process, on port 0 with short limits: start and close together and only once,
// a start that finds its port taken closes what it opened, answers over UDP and TCP, TCP framing
// (RFC 7766 §8) and its deadlines, and the rules on what is never answered.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { startDnsServer } from '../../src/dns/server.js';
import type { Transport } from '../../src/dns/transport.js';
import { isRoot } from '../helpers/devdns.js';
import { zone } from '../helpers/dns.js';
import { addresses, askTcp, askUdp, frame, isOpen, openTcp, queryBytes, tcpReplies, withDnsServer } from '../helpers/dns-server.js';
import { assertTcpFree, closeTcp, listenTcp, portOf } from '../helpers/ports.js';
import { eventually } from '../helpers/server.js';

const IDLE_MS = 150;

/** Resolves when the server has closed `socket`, with how long that took from `since`. */
const closedAfter = (socket: Socket, since: number, timeoutMs = 3_000) =>
  eventually(() => (isOpen(socket) ? undefined : Date.now() - since), timeoutMs, 'the server to close the connection');

const bindUdp = (port: number): Promise<UdpSocket> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
const closeUdp = (socket: UdpSocket) => new Promise<void>((resolve) => socket.close(() => resolve()));

describe('DNS server start and close', () => {
  it('binds UDP and TCP on one port, closes both, and a second close waits for the same', async () => {
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, handle: () => undefined });
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    const first = server.close();
    assert.equal(server.close(), first);
    await first;
    await server.close();
    // Both sockets are free again.
    await closeUdp(await bindUdp(server.port));
    await assertTcpFree(server.port);
  });

  it('closes its open TCP connections when it closes', async () => {
    let client: Socket | undefined;
    await withDnsServer({}, async (server) => {
      client = await openTcp(server.port);
    });
    assert.ok(client);
    await closedAfter(client, Date.now(), 1_000);
  });

  it('refuses a UDP port in use with PortInUseError', async () => {
    const taken = await bindUdp(0);
    try {
      const port = taken.address().port;
      await assert.rejects(startDnsServer({ host: '127.0.0.1', port, handle: () => undefined }), {
        name: 'PortInUseError',
        transport: 'UDP',
        port,
      });
    } finally {
      await closeUdp(taken);
    }
  });

  it('refuses a TCP port in use, having closed the UDP socket it bound', async () => {
    const taken = await listenTcp();
    const port = portOf(taken);
    try {
      await assert.rejects(startDnsServer({ host: '127.0.0.1', port, handle: () => undefined }), {
        name: 'PortInUseError',
        transport: 'TCP',
        port,
      });
      // The UDP half it opened is closed: the port binds again.
      await closeUdp(await bindUdp(port));
    } finally {
      await closeTcp(taken);
    }
  });
});

describe('DNS server answers', () => {
  it('answers over UDP and TCP, telling the handler where each message came from', async () => {
    const seen: Array<[string, Transport]> = [];
    const index = zone({ name: 'myapp.test' });
    await withDnsServer({ index }, async (server) => {
      const udp = await askUdp(server.port, queryBytes(1));
      assert.ok(udp);
      assert.equal(packet.decode(udp).id, 1);
      assert.deepEqual(addresses(udp), ['127.0.0.1']);
      const tcp = await openTcp(server.port);
      try {
        assert.deepEqual(await askTcp(tcp, 2), ['127.0.0.1']);
      } finally {
        tcp.destroy();
      }
    });
    await withDnsServer(
      {
        handle: (message, address, _port, transport) => {
          seen.push([address, transport]);
          return message;
        },
      },
      async (server) => {
        await askUdp(server.port, queryBytes(3));
        const tcp = await openTcp(server.port);
        const echo = tcpReplies(tcp, 1);
        tcp.write(frame(queryBytes(4)));
        await echo;
        tcp.destroy();
      },
    );
    assert.deepEqual(seen, [
      ['127.0.0.1', 'udp'],
      ['127.0.0.1', 'tcp'],
    ]);
  });

  it('sends nothing for a message its handler drops, and goes on after a handler that throws', async () => {
    const errors: Error[] = [];
    await withDnsServer(
      {
        onError: (error) => errors.push(error),
        handle: (message) => {
          const id = message.readUInt16BE(0);
          if (id === 1) return undefined;
          if (id === 2) throw new Error('a handler bug');
          return message;
        },
      },
      async (server) => {
        assert.equal(await askUdp(server.port, queryBytes(1), 150), undefined);
        assert.equal(await askUdp(server.port, queryBytes(2), 150), undefined);
        assert.ok(await askUdp(server.port, queryBytes(3)), 'still answering');
      },
    );
    assert.deepEqual(
      errors.map((error) => error.message),
      ['a handler bug'],
    );
  });

  it('never answers a UDP query from port 7 (echo), which would make it a reflector', {
    skip: !isRoot && 'binding port 7 needs root',
  }, async () => {
    await withDnsServer({}, async (server) => {
      const echo = await bindUdp(7);
      try {
        const reply = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 300);
          echo.once('message', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        echo.send(queryBytes(5), server.port, '127.0.0.1');
        assert.equal(await reply, false);
      } finally {
        await closeUdp(echo);
      }
    });
  });
});

describe('DNS over TCP: framing (RFC 7766 §8)', () => {
  const one = frame(queryBytes(1));
  const two = Buffer.concat([frame(queryBytes(1)), frame(queryBytes(2, 'myapp.test', 'AAAA'))]);
  const bytes = (buffer: Buffer) => [...buffer].map((byte) => Buffer.from([byte]));
  const answered: Array<[string, Buffer[], Array<[number, string[]]>]> = [
    ['one message in one write', [one], [[1, ['127.0.0.1']]]],
    [
      'two messages in one write, answered in order',
      [two],
      [
        [1, ['127.0.0.1']],
        [2, ['::1']],
      ],
    ],
    ['a message a byte at a time', bytes(one), [[1, ['127.0.0.1']]]],
    ['the length prefix split from its message', [one.subarray(0, 1), one.subarray(1, 5), one.subarray(5)], [[1, ['127.0.0.1']]]],
    [
      'a message and the start of the next in one write',
      [two.subarray(0, one.length + 3), two.subarray(one.length + 3)],
      [
        [1, ['127.0.0.1']],
        [2, ['::1']],
      ],
    ],
  ];
  for (const [title, writes, expected] of answered) {
    it(`answers ${title}`, async () => {
      await withDnsServer({}, async (server) => {
        const socket = await openTcp(server.port);
        try {
          const replies = tcpReplies(socket, expected.length);
          for (const chunk of writes) {
            socket.write(chunk);
            // Each write its own segment: wait for it to leave.
            await new Promise((resolve) => setImmediate(resolve));
          }
          const got = (await replies).map((reply) => [packet.decode(reply).id, addresses(reply)]);
          assert.deepEqual(got, expected);
        } finally {
          socket.destroy();
        }
      });
    });
  }

  it('closes a connection at once on a zero length prefix: no DNS message is empty', async () => {
    await withDnsServer({ tcpIdleMs: 10_000 }, async (server) => {
      const socket = await openTcp(server.port);
      const started = Date.now();
      socket.write(Buffer.from([0, 0]));
      const took = await closedAfter(socket, started, 1_000);
      assert.ok(took < 500, `closed after ${took} ms`);
    });
  });
});

describe('DNS over TCP: deadlines', () => {
  const cases: Array<[string, (socket: Socket) => NodeJS.Timeout | undefined]> = [
    ['a connection that sends nothing', () => undefined],
    [
      'a client that promises 65535 bytes and sends 10',
      (socket) => {
        socket.write(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(10, 1)]));
        return undefined;
      },
    ],
    [
      'a trickle of bytes that never completes a message',
      (socket) => {
        socket.write(Buffer.from([0x01, 0x00]));
        return setInterval(() => socket.write(Buffer.from([0])), IDLE_MS / 6);
      },
    ],
  ];
  for (const [title, behave] of cases) {
    it(`closes ${title} once its idle time is up`, async () => {
      await withDnsServer({ tcpIdleMs: IDLE_MS }, async (server) => {
        const socket = await openTcp(server.port);
        socket.on('error', () => undefined);
        const started = Date.now();
        const drip = behave(socket);
        try {
          const took = await closedAfter(socket, started);
          assert.ok(took >= IDLE_MS - 50 && took < IDLE_MS + 1_000, `closed after ${took} ms`);
        } finally {
          clearInterval(drip);
          socket.destroy();
        }
      });
    });
  }

  it('keeps a connection that completes a message within each idle time', async () => {
    await withDnsServer({ tcpIdleMs: IDLE_MS }, async (server) => {
      const socket = await openTcp(server.port);
      try {
        const started = Date.now();
        for (let id = 1; Date.now() - started < 2 * IDLE_MS; id++) {
          assert.deepEqual(await askTcp(socket, id), ['127.0.0.1']);
          await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 3));
        }
        assert.ok(isOpen(socket), 'still open after twice its idle time');
      } finally {
        socket.destroy();
      }
    });
  });

  it('holds 200 idle connections to its caps, answers UDP and a newcomer meanwhile, and closes them all when their time is up', async () => {
    await withDnsServer({ tcpIdleMs: IDLE_MS }, async (server) => {
      const idle = await Promise.all(Array.from({ length: 200 }, () => openTcp(server.port).catch(() => undefined)));
      const held = idle.filter((socket): socket is Socket => socket !== undefined);
      for (const socket of held) socket.on('error', () => undefined);
      try {
        assert.ok(await askUdp(server.port, queryBytes(1)), 'UDP keeps working');
        // The default caps: 100 in all, 16 for one address, and every one here is 127.0.0.1.
        await eventually(() => (held.filter(isOpen).length <= 16 ? true : undefined), 2_000, 'the caps');
        const newcomer = await openTcp(server.port);
        held.push(newcomer);
        const replies = tcpReplies(newcomer, 2);
        newcomer.write(Buffer.concat([frame(queryBytes(9)), frame(queryBytes(10, 'myapp.test', 'AAAA'))]));
        assert.deepEqual(
          (await replies).map((reply) => [packet.decode(reply).id, addresses(reply)]),
          [
            [9, ['127.0.0.1']],
            [10, ['::1']],
          ],
        );
        await eventually(() => (held.some(isOpen) ? undefined : true), IDLE_MS + 2_000, 'every idle connection closed');
      } finally {
        for (const socket of held) socket.destroy();
      }
    });
  });

  it('cuts off a client that leaves its replies unread past the backlog limit', async () => {
    // Large answers (about 15 KiB each over TCP), asked many times by a client that reads nothing.
    const index = zone(...Array.from({ length: 60 }, (_, i) => ({ name: 'big.test', value: `${i}${'x'.repeat(250)}`, type: 'TXT' })));
    await withDnsServer({ index, maxTcpBacklogBytes: 64 * 1024 }, async (server) => {
      const socket = await openTcp(server.port);
      socket.on('error', () => undefined);
      socket.pause();
      const ask = frame(packet.encode({ type: 'query', id: 1, questions: [{ name: 'big.test', type: 'TXT', class: 'IN' }] }));
      try {
        const started = Date.now();
        // Enough to fill the kernel's buffers on loopback many times over.
        for (let i = 0; i < 20 && isOpen(socket); i++) {
          socket.write(Buffer.concat(Array.from({ length: 100 }, () => ask)));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await closedAfter(socket, started);
      } finally {
        socket.destroy();
      }
    });
  });
});
