// Loopback ports for tests: one free for both UDP and TCP, a TCP listener that holds one, and a check that one is free.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** A TCP listener on loopback, on `port` or on one the system picks; rejects if the port is taken. */
export async function listenTcp(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

export const portOf = (server: Server): number => (server.address() as AddressInfo).port;

export const closeTcp = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Rejects unless `port` can be listened on over TCP now: whatever held it has let it go. */
export async function assertTcpFree(port: number): Promise<void> {
  await closeTcp(await listenTcp(port));
}
