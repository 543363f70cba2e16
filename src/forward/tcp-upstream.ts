// One question to an upstream resolver over TCP (RFC 7766): for an answer that came back
// truncated over UDP, or an upstream that takes TCP only. A 2-byte length before each message;
// the same checks as over UDP (ID and question), and a deadline over the whole exchange. The
// first message ends the exchange, so at most 64 KiB and a chunk are ever held.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { withDeadline } from '../dns/client.js';
import { answersQuestion, randomQueryId, type Upstream, type UpstreamQuestion, UpstreamTimeout } from './udp-upstream.js';

/** The upstream sent something other than an answer to the question. */
export class UpstreamMismatch extends Error {}

/** Opens the stream a query goes over: a plain TCP connection, or TLS (DNS over TLS, RFC 7858). */
export type StreamOpener = (upstream: Upstream) => { socket: Duplex & { destroy(): void }; ready: 'connect' | 'secureConnect' };

const plainTcp: StreamOpener = (upstream) => ({ socket: connect({ host: upstream.host, port: upstream.port }), ready: 'connect' });

/** Sends `query` (its ID replaced by a random one) over a new TCP connection and returns the answer. */
export function queryTcp(
  upstream: Upstream,
  query: Uint8Array,
  question: UpstreamQuestion,
  timeoutMs: number,
  open: StreamOpener = plainTcp,
): Promise<Uint8Array> {
  const id = randomQueryId();
  const message = Buffer.from(query);
  message.writeUInt16BE(id, 0);
  const frame = Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message]);
  return withDeadline(
    timeoutMs,
    () => new UpstreamTimeout(upstream, timeoutMs),
    (finish) => {
      const { socket, ready } = open(upstream);
      let received = Buffer.alloc(0);
      socket.on(ready, () => socket.write(frame));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const answer = received.subarray(2, 2 + received.readUInt16BE(0));
        finish(
          answersQuestion(answer, id, question)
            ? answer
            : new UpstreamMismatch(`${upstream.host}:${upstream.port} answered another question`),
        );
      });
      socket.on('end', () => finish(new UpstreamMismatch(`${upstream.host}:${upstream.port} closed the connection without an answer`)));
      socket.on('error', (error) => finish(error));
      return { close: () => socket.destroy() };
    },
  );
}
