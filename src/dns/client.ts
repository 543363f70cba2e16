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

export function askUdp(host: string, port: number, name: string, type: number, timeoutMs = 2_000): Promise<Asked> {
  return new Promise((resolve, reject) => {
    const id = Math.floor(Math.random() * 65536);
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`no answer over UDP within ${timeoutMs} ms`)), timeoutMs);
    const finish = (result: Asked | Error) => {
      clearTimeout(timer);
      socket.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    socket.on('message', (message) => {
      const answer = readAddresses(message);
      if (answer.id === id) finish(answer);
    });
    socket.on('error', (error) => finish(error));
    socket.send(encodeQuery(id, name, type), port, host);
  });
}

export function askTcp(host: string, port: number, name: string, type: number, timeoutMs = 2_000): Promise<Asked> {
  return new Promise((resolve, reject) => {
    const id = Math.floor(Math.random() * 65536);
    const query = encodeQuery(id, name, type);
    const frame = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
    const socket = connect({ host, port }, () => socket.write(frame));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer over TCP within ${timeoutMs} ms`)), timeoutMs);
    const finish = (result: Asked | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
        finish(readAddresses(received.subarray(2, 2 + received.readUInt16BE(0))));
    });
    socket.on('error', (error) => finish(error));
  });
}
