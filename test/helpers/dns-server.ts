// A DNS server in process for tests: loopback, port 0, answering from a zone through the responder,
// closed afterwards; and clients that speak to it over UDP and TCP.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import * as packet from 'dns-packet';
import { Responder } from '../../src/dns/respond.js';
import { type DnsServer, type DnsServerOptions, startDnsServer } from '../../src/dns/server.js';
import type { ZoneIndex } from '../../src/dns/zone-index.js';
import { zone } from './dns.js';

/** Runs `run` against a fresh server answering from `index` (myapp.test A by default), closed afterwards. */
export async function withDnsServer(
  options: Partial<DnsServerOptions> & { index?: ZoneIndex },
  run: (server: DnsServer) => Promise<void>,
): Promise<void> {
  const { index = zone({ name: 'myapp.test' }), ...rest } = options;
  const responder = new Responder(index);
  const server = await startDnsServer({
    host: '127.0.0.1',
    port: 0,
    handle: (message, _address, _port, transport) => responder.respond(message, transport).reply,
    ...rest,
  });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** A query's bytes, without the TCP length prefix. */
export function queryBytes(id: number, name = 'myapp.test', type: 'A' | 'AAAA' = 'A'): Buffer {
  return packet.encode({ type: 'query', id, questions: [{ name, type, class: 'IN' }] });
}

/** A query with its two-octet length prefix (RFC 7766 §8). */
export function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** The addresses in an answer. */
export const addresses = (message: Buffer): string[] =>
  (packet.decode(message).answers ?? []).map((a) => String('data' in a ? a.data : ''));

/** A TCP connection from `from` (a loopback address), reading nothing until asked. */
export function openTcp(port: number, from = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from, noDelay: true }, () => resolve(socket));
    socket.on('error', reject);
    socket.on('close', () => undefined);
  });
}

/** Open: the server has not closed it. */
export const isOpen = (socket: Socket): boolean => !socket.destroyed && !socket.readableEnded;

/** Collects the framed replies on `socket` until `count` have come; fails if it closes first or after `timeoutMs`. */
export function tcpReplies(socket: Socket, count: number, timeoutMs = 1_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const messages: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`${messages.length} of ${count} answers within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        messages.push(received.subarray(2, 2 + received.readUInt16BE(0)));
        received = received.subarray(2 + received.readUInt16BE(0));
      }
      if (messages.length >= count) {
        clearTimeout(timer);
        resolve(messages);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`closed after ${messages.length} of ${count} answers`));
    });
  });
}

/** Asks myapp.test A on `socket`; resolves with the answer's addresses. */
export async function askTcp(socket: Socket, id: number): Promise<string[]> {
  const replies = tcpReplies(socket, 1);
  socket.write(frame(queryBytes(id)));
  const [reply] = await replies;
  if (reply === undefined || packet.decode(reply).id !== id) throw new Error(`no answer with id ${id}`);
  return addresses(reply);
}

/** Sends `message` over UDP from a socket of its own; resolves with the reply, or undefined after `timeoutMs`. */
export async function askUdp(port: number, message: Buffer, timeoutMs = 500): Promise<Buffer | undefined> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      socket.send(message, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
