// The DNS server's TCP caps, in process on port 0 with small caps: one client holding many
// connections cannot lock out another (the idlest connection makes way, RFC 7766 §6.2.3), and
// one address holds at most its share. Clients come from 127.0.0.x addresses of their own.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { Responder } from '../../src/dns/respond.js';
import { type DnsServer, startDnsServer } from '../../src/dns/server.js';
import { zone } from '../helpers/dns.js';
import { eventually } from '../helpers/server.js';

const MAX = 8;
const PER_CLIENT = 4;

describe('TCP connection caps', () => {
  let server: DnsServer;
  const sockets: Socket[] = [];
  before(async () => {
    const responder = new Responder(zone({ name: 'myapp.test' }));
    server = await startDnsServer({
      host: '127.0.0.1',
      port: 0,
      maxTcpConnections: MAX,
      maxTcpPerClient: PER_CLIENT,
      handle: (message, _address, _port, transport) => responder.respond(message, transport).reply,
    });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await server.close();
  });

  /** A connection from `from` (a loopback address), held open and reading nothing. */
  const open = (from: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: from }, () => resolve(socket));
      sockets.push(socket);
      socket.on('error', reject);
      socket.on('close', () => undefined);
    });
  const isOpen = (socket: Socket) => !socket.destroyed && !socket.readableEnded;
  const closeAll = async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await eventually(() => (server.tcpConnections() === 0 ? true : undefined), 2_000, 'every connection closed');
  };

  /** Asks myapp.test A on `socket`; resolves with the answer's addresses. */
  const ask = (socket: Socket, id: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error('no answer within 1 s')), 1_000);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
          clearTimeout(timer);
          const decoded = packet.decode(received.subarray(2));
          assert.equal(decoded.id, id);
          resolve((decoded.answers ?? []).map((a) => String('data' in a ? a.data : '')));
        }
      });
      socket.on('close', () => reject(new Error('closed before the answer')));
      socket.write(packet.streamEncode({ type: 'query', id, questions: [{ name: 'myapp.test', type: 'A', class: 'IN' }] }));
    });

  it('holds one address to its cap: its idlest connections make way for its new ones', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < 3 * PER_CLIENT; i++) held.push(await open('127.0.0.2'));
    await eventually(() => (held.filter(isOpen).length === PER_CLIENT ? true : undefined), 2_000, 'the per-address cap');
    assert.equal(server.tcpConnections(), PER_CLIENT);
    // The newest are the ones kept.
    assert.deepEqual(
      held.map(isOpen),
      held.map((_, i) => i >= 2 * PER_CLIENT),
    );
    await closeAll();
  });

  it('answers a newcomer at once while other clients hold every connection', async () => {
    const held: Socket[] = [];
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      for (let i = 0; i < PER_CLIENT; i++) held.push(await open(from));
    }
    await eventually(() => (server.tcpConnections() <= MAX ? true : undefined), 2_000, 'the total cap');
    const started = Date.now();
    const newcomer = await open('127.0.0.9');
    assert.deepEqual(await ask(newcomer, 1), ['127.0.0.1']);
    assert.ok(Date.now() - started < 1_000, `answered in ${Date.now() - started} ms`);
    assert.ok(server.tcpConnections() <= MAX, `${server.tcpConnections()} open`);
    await closeAll();
  });

  it('closes the idle connections of one address before one that asked, and answers a newcomer from it (every local user is 127.0.0.1)', async () => {
    const asker = await open('127.0.0.1');
    const idle: Socket[] = [];
    for (let i = 0; i < PER_CLIENT - 1; i++) idle.push(await open('127.0.0.1'));
    // The asker completes a message: now the others are idler.
    assert.deepEqual(await ask(asker, 2), ['127.0.0.1']);
    const flood: Socket[] = [];
    for (let i = 0; i < 20; i++) flood.push(await open('127.0.0.1'));
    await eventually(() => (idle.every((s) => !isOpen(s)) ? true : undefined), 2_000, 'the idle ones closed');
    // The idle ones went first, the asker (done with its question) only after them; a local
    // client that comes after the flood is still answered.
    const another = await open('127.0.0.1');
    assert.deepEqual(await ask(another, 3), ['127.0.0.1']);
    assert.ok(server.tcpConnections() <= PER_CLIENT);
    await closeAll();
  });
});
