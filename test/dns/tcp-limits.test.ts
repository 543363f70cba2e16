// The DNS server's TCP caps, in process on port 0 with small caps: one client holding many
// connections cannot lock out another (the idlest connection makes way, RFC 7766 §6.2.3), and
// one address holds at most its share. Clients come from 127.0.0.x addresses of their own; each
// case has a server of its own, so what is open is what its clients see open.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { askTcp, isOpen, openTcp, withDnsServer } from '../helpers/dns-server.js';
import { eventually } from '../helpers/server.js';

const MAX = 8;
const PER_CLIENT = 4;

describe('TCP connection caps', () => {
  /** Runs `run` with a capped server and a way to open connections, all closed afterwards. */
  const withCappedServer = async (run: (open: (from: string) => Promise<Socket>, sockets: Socket[]) => Promise<void>) => {
    const sockets: Socket[] = [];
    await withDnsServer({ maxTcpConnections: MAX, maxTcpPerClient: PER_CLIENT }, async (server) => {
      const open = async (from: string) => {
        const socket = await openTcp(server.port, from);
        sockets.push(socket);
        return socket;
      };
      try {
        await run(open, sockets);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });
  };
  const openCount = (sockets: Socket[]) => sockets.filter(isOpen).length;

  it('holds one address to its cap: its idlest connections make way for its new ones', async () => {
    await withCappedServer(async (open, sockets) => {
      const held: Socket[] = [];
      for (let i = 0; i < 3 * PER_CLIENT; i++) held.push(await open('127.0.0.2'));
      await eventually(() => (held.filter(isOpen).length === PER_CLIENT ? true : undefined), 2_000, 'the per-address cap');
      assert.equal(openCount(sockets), PER_CLIENT);
      // The newest are the ones kept.
      assert.deepEqual(
        held.map(isOpen),
        held.map((_, i) => i >= 2 * PER_CLIENT),
      );
    });
  });

  it('answers a newcomer at once while other clients hold every connection', async () => {
    await withCappedServer(async (open, sockets) => {
      for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
        for (let i = 0; i < PER_CLIENT; i++) await open(from);
      }
      await eventually(() => (openCount(sockets) <= MAX ? true : undefined), 2_000, 'the total cap');
      const started = Date.now();
      const newcomer = await open('127.0.0.9');
      assert.deepEqual(await askTcp(newcomer, 1), ['127.0.0.1']);
      assert.ok(Date.now() - started < 1_000, `answered in ${Date.now() - started} ms`);
      assert.ok(openCount(sockets) <= MAX, `${openCount(sockets)} open`);
    });
  });

  it('closes the idle connections of one address before one that asked, and answers a newcomer from it (every local user is 127.0.0.1)', async () => {
    await withCappedServer(async (open, sockets) => {
      const asker = await open('127.0.0.1');
      const idle: Socket[] = [];
      for (let i = 0; i < PER_CLIENT - 1; i++) idle.push(await open('127.0.0.1'));
      // The asker completes a message: now the others are idler.
      assert.deepEqual(await askTcp(asker, 2), ['127.0.0.1']);
      for (let i = 0; i < 20; i++) await open('127.0.0.1');
      await eventually(() => (idle.every((s) => !isOpen(s)) ? true : undefined), 2_000, 'the idle ones closed');
      // The idle ones went first, the asker (done with its question) only after them; a local
      // client that comes after the flood is still answered.
      const another = await open('127.0.0.1');
      assert.deepEqual(await askTcp(another, 3), ['127.0.0.1']);
      await eventually(() => (openCount(sockets) <= PER_CLIENT ? true : undefined), 2_000, 'the per-address cap');
    });
  });
});
