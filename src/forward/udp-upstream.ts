// One question to an upstream resolver over UDP, as RFC 5452 asks of a resolver: a random query ID
// and a fresh socket on a port the system picks at random for each question, and an answer taken
// only from the address and port asked, with the same ID and the same question (name without
// case, type, class); anything else is dropped and the wait goes on, to the deadline.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { withDeadline } from '../dns/client.js';
import { readQuestion } from '../dns/wire.js';
import { crypto } from '../platform/builtins.js';

export interface Upstream {
  host: string;
  port: number;
}

export interface UpstreamQuestion {
  /** The name as asked; compared without case. */
  name: string;
  type: number;
  class: number;
}

/** No answer came that could be taken, within the deadline. */
export class UpstreamTimeout extends Error {
  constructor(upstream: Upstream, timeoutMs: number) {
    super(`${upstream.host}:${upstream.port} gave no answer within ${timeoutMs} ms`);
  }
}

const HEADER_BYTES = 12;

/**
 * Whether `message` answers `id` and `question`: a response (QR set) with that ID and exactly that
 * one question, its name read as the daemon reads a query's (a label holding a dot stays one
 * label) and compared without case.
 */
export function answersQuestion(message: Uint8Array, id: number, question: UpstreamQuestion): boolean {
  if (message.length < HEADER_BYTES) return false;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint16(0) !== id || (view.getUint8(2) & 0x80) === 0 || view.getUint16(4) !== 1) return false;
  const asked = readQuestion(message);
  return (
    asked !== undefined &&
    asked.type === question.type &&
    asked.class === question.class &&
    asked.name.toLowerCase() === question.name.replace(/\.$/, '').toLowerCase()
  );
}

/** A random 16-bit query ID from the system's generator (RFC 5452 §9.2). */
export function randomQueryId(): number {
  return crypto().randomInt(0, 0x10000);
}

/**
 * Sends `query` (a whole message; its ID is replaced by a random one) to `upstream` and returns the
 * first datagram that answers it, ID and all; rejects with UpstreamTimeout after `timeoutMs`.
 */
export function queryUdp(upstream: Upstream, query: Uint8Array, question: UpstreamQuestion, timeoutMs: number): Promise<Uint8Array> {
  const id = randomQueryId();
  const message = Buffer.from(query);
  message.writeUInt16BE(id, 0);
  return withDeadline(
    timeoutMs,
    () => new UpstreamTimeout(upstream, timeoutMs),
    (finish) => {
      const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
      socket.on('message', (reply: Buffer, from: RemoteInfo) => {
        // RFC 5452 §9.1: only from where the question went, with its ID and question.
        if (from.address !== upstream.host || from.port !== upstream.port) return;
        if (answersQuestion(reply, id, question)) finish(reply);
      });
      socket.on('error', (error) => finish(error));
      // Port 0: the system picks the port, at random on Linux, macOS and the BSDs. An upstream on
      // loopback is asked from loopback, so the port is open on no other interface.
      const local = upstream.host === '::1' ? '::1' : upstream.host.startsWith('127.') ? '127.0.0.1' : undefined;
      socket.bind(0, local, () => socket.send(message, upstream.port, upstream.host));
      return { close: () => socket.close() };
    },
  );
}
