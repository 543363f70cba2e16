// Asking a DNS server one question over UDP or TCP, with a deadline: what `devdns doctor` uses to
// check that the daemon answers on its port.
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { readAddresses } from './decode.js';
import { encodeQuery } from './encode.js';

export interface Asked {
  rcode: number;
  addresses: string[];
}

/**
 * One exchange over a socket of the caller's, with a deadline: `start` opens the socket, sends,
 * and calls `finish` with the result or an error; the socket is closed once, whatever happened
 * first, and nothing after the first result counts.
 */
export function withDeadline<T>(
  timeoutMs: number,
  timedOut: () => Error,
  start: (finish: (result: T | Error) => void) => { close(): void },
): Promise<T> {
  return new Promise((resolve, reject) => {
    let socket: { close(): void } | undefined;
    let done = false;
    const finish = (result: T | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(timedOut()), timeoutMs);
    socket = start(finish);
    if (done) socket.close();
  });
}

/** One question and its answer, as {@link withDeadline} runs it, with a random ID. */
function exchange(
  over: 'UDP' | 'TCP',
  timeoutMs: number,
  ask: (id: number, finish: (result: Asked | Error) => void) => { close(): void },
): Promise<Asked> {
  const id = Math.floor(Math.random() * 65536);
  return withDeadline(
    timeoutMs,
    () => new Error(`no answer over ${over} within ${timeoutMs} ms`),
    (finish) => ask(id, finish),
  );
}

export function askUdp(host: string, port: number, name: string, type: number, timeoutMs = 2_000): Promise<Asked> {
  return exchange('UDP', timeoutMs, (id, finish) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('message', (message) => {
      const answer = readAddresses(message);
      if (answer.id === id) finish(answer);
    });
    socket.on('error', (error) => finish(error));
    socket.send(encodeQuery(id, name, type), port, host);
    return { close: () => socket.close() };
  });
}

export function askTcp(host: string, port: number, name: string, type: number, timeoutMs = 2_000): Promise<Asked> {
  return exchange('TCP', timeoutMs, (id, finish) => {
    const query = encodeQuery(id, name, type);
    const frame = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
    const socket = connect({ host, port }, () => socket.write(frame));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
        finish(readAddresses(received.subarray(2, 2 + received.readUInt16BE(0))));
    });
    socket.on('error', (error) => finish(error));
    return { close: () => socket.destroy() };
  });
}
