// The DNS sockets: UDP and TCP on one address and port. Each message goes to `handle`, which
// returns the reply bytes or nothing. Owns the transport rules: no replies to port 0 or known
// reflector ports, TCP framing (RFC 7766 §8), connection caps in total and per client address,
// and a deadline for each message so idle and slow clients are cut off. Both sockets are closed
// together, and a start that fails half-way closes what it opened.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { createServer, isIP, isIPv6, type Server, type Socket as TcpSocket } from 'node:net';
import { PortInUseError, PortNotAllowedError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * Called for every message with where it came from; positional, as it runs for every datagram.
 * The reply at once, or later (a forwarded question): over TCP, replies may then go out in
 * another order than their queries came (RFC 7766 §7); the client matches them by ID.
 */
export type MessageHandler = (
  message: Buffer,
  address: string,
  port: number,
  transport: Transport,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

const isPromise = (value: unknown): value is Promise<Uint8Array | undefined> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** What TCP clients may hold; each has a default. */
export interface DnsLimits {
  /** A TCP connection must complete a message this often or be closed (RFC 7766 §6.2.3). */
  tcpIdleMs?: number;
  /** Open TCP connections in all; at the cap, a new one takes the place of the idlest. */
  maxTcpConnections?: number;
  /** Open TCP connections from one address; at the cap, a new one takes the place of its idlest. */
  maxTcpPerClient?: number;
  /** Reply bytes a TCP client may leave unread before it is cut off. */
  maxTcpBacklogBytes?: number;
}

export interface DnsServerOptions extends DnsLimits {
  host: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
  handle: MessageHandler;
  /** Called with errors that do not stop the server (a failed send, a handler bug). */
  onError?: (error: Error) => void;
}

export interface DnsServer {
  host: string;
  port: number;
  /** Closes both sockets and every connection; again, it waits for the same close. */
  close(): Promise<void>;
}

/** Source ports of services that answer anything: replying to them makes us a reflector. */
const REFLECTOR_PORTS = new Set([0, 7, 13, 17, 19, 37]);
const DEFAULT_TCP_IDLE_MS = 10_000;
const DEFAULT_MAX_TCP = 100;
const DEFAULT_MAX_TCP_PER_CLIENT = 16;
/** A client that does not read its replies is cut off before they pile up in memory. */
const DEFAULT_MAX_TCP_BACKLOG = 256 * 1024;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A lookup for a socket whose replies go to address literals (each query's source): passed on at
 * once, where dgram's default would ask dns.lookup and wait a tick for every datagram sent. Most
 * replies go to the same address as the one before, which is not checked again.
 */
function literalLookup(): (hostname: string, options: LookupOptions | number, callback: LookupCallback) => void {
  let last = { address: '', family: 0 };
  return (hostname, options, callback) => {
    if (hostname === last.address) {
      callback(null, hostname, last.family);
      return;
    }
    const family = isIP(hostname);
    if (family === 0) {
      dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback as never);
      return;
    }
    last = { address: hostname, family };
    callback(null, hostname, family);
  };
}

function bindUdp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', lookup: literalLookup() as never });
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

function portError(error: NodeJS.ErrnoException, transport: string, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new PortInUseError(transport, host, port);
  if (error.code === 'EACCES' || error.code === 'EPERM') return new PortNotAllowedError(transport, host, port);
  return error;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { host } = options;
  // With port 0 the UDP port is chosen first; TCP may find it taken, so try a few.
  for (let attempt = 0; ; attempt++) {
    let udp: Socket;
    try {
      udp = await bindUdp(host, options.port);
    } catch (error) {
      throw portError(error as NodeJS.ErrnoException, 'UDP', host, options.port);
    }
    const port = udp.address().port;
    const tcp = createServer();
    try {
      await listenTcp(tcp, host, port);
    } catch (error) {
      await closeUdp(udp);
      if (options.port === 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      throw portError(error as NodeJS.ErrnoException, 'TCP', host, port);
    }
    return serve(udp, tcp, host, port, options);
  }
}

function serve(udp: Socket, tcp: Server, host: string, port: number, options: DnsServerOptions): DnsServer {
  const onError = options.onError ?? (() => undefined);
  const connections = new TcpConnections(
    options.maxTcpConnections ?? DEFAULT_MAX_TCP,
    options.maxTcpPerClient ?? DEFAULT_MAX_TCP_PER_CLIENT,
  );

  const handle: MessageHandler = (message, address, port, transport) => {
    try {
      const reply = options.handle(message, address, port, transport);
      if (!isPromise(reply)) return reply;
      return reply.catch((error: unknown) => {
        onError(error as Error);
        return undefined;
      });
    } catch (error) {
      onError(error as Error);
      return undefined;
    }
  };

  let udpOpen = true;
  udp.on('close', () => {
    udpOpen = false;
  });
  udp.on('message', (message: Buffer, remote: RemoteInfo) => {
    if (REFLECTOR_PORTS.has(remote.port)) return;
    const reply = handle(message, remote.address, remote.port, 'udp');
    // No callback per send: a failed send is an 'error' event on the socket.
    if (!isPromise(reply)) {
      if (reply) udp.send(reply, remote.port, remote.address);
      return;
    }
    void reply.then((later) => {
      if (later && udpOpen) udp.send(later, remote.port, remote.address);
    });
  });
  udp.on('error', onError);

  tcp.on('error', onError);
  const limits: TcpLimits = {
    idleMs: options.tcpIdleMs ?? DEFAULT_TCP_IDLE_MS,
    maxBacklogBytes: options.maxTcpBacklogBytes ?? DEFAULT_MAX_TCP_BACKLOG,
  };
  tcp.on('connection', (socket) => {
    connections.admit(socket);
    serveTcp(socket, limits, handle, () => connections.touch(socket));
  });

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close: () => {
      closing ??= (async () => {
        connections.closeAll();
        await Promise.all([closeUdp(udp), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
      })();
      return closing;
    },
  };
}

/**
 * The open TCP connections, idlest first, in all and by client address. A cap that refused new
 * connections would let one client hold every slot and lock out every other for as long as it
 * liked; and every local user connects from 127.0.0.1. So at a cap the connection that has gone
 * longest without completing a message is closed to admit the new one (RFC 7766 §6.2.3 lets a
 * server close idle connections under pressure): a client that asks and reads gets its answer, a
 * client that only holds connections loses them. The per-address cap keeps one remote address
 * from taking the place of everyone else's connections.
 */
class TcpConnections {
  /** Each connection's client address. Insertion order is activity order: the first is the idlest. */
  private readonly all = new Map<TcpSocket, string>();
  private readonly byClient = new Map<string, Set<TcpSocket>>();

  constructor(
    private readonly max: number,
    private readonly maxPerClient: number,
  ) {}

  admit(socket: TcpSocket): void {
    // Read now: a closed socket no longer knows its address.
    const address = socket.remoteAddress ?? '';
    let client = this.byClient.get(address);
    if (!client) {
      client = new Set();
      this.byClient.set(address, client);
    }
    const idlest = client.size >= this.maxPerClient ? first(client) : this.all.size >= this.max ? first(this.all.keys()) : undefined;
    if (idlest) this.evict(idlest);
    client.add(socket);
    this.all.set(socket, address);
    socket.on('close', () => this.forget(socket));
  }

  /** A message completed: the connection goes to the end of the idle order. */
  touch(socket: TcpSocket): void {
    const address = this.all.get(socket);
    if (address === undefined) return;
    this.all.delete(socket);
    this.all.set(socket, address);
    const client = this.byClient.get(address);
    client?.delete(socket);
    client?.add(socket);
  }

  closeAll(): void {
    for (const socket of [...this.all.keys()]) this.evict(socket);
  }

  private evict(socket: TcpSocket): void {
    this.forget(socket);
    socket.destroy();
  }

  /** Counted out at once: a destroyed socket's 'close' comes a tick later. */
  private forget(socket: TcpSocket): void {
    const address = this.all.get(socket);
    if (address === undefined) return;
    this.all.delete(socket);
    const client = this.byClient.get(address);
    client?.delete(socket);
    if (client?.size === 0) this.byClient.delete(address);
  }
}

/** The first item, in insertion order. */
function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

/** How long a TCP connection may take over a message, and how much it may leave unread. */
interface TcpLimits {
  idleMs: number;
  maxBacklogBytes: number;
}

/** RFC 7766 §8: each message is preceded by its length in two octets; several may follow each other. */
function serveTcp(socket: TcpSocket, limits: TcpLimits, handle: MessageHandler, onMessage: () => void): void {
  const address = socket.remoteAddress ?? '';
  const port = socket.remotePort ?? 0;
  let pending: Buffer = Buffer.alloc(0);
  // Refreshed by each complete message only, so a trickle of bytes cannot hold the connection.
  const deadline = setTimeout(() => socket.destroy(), limits.idleMs);
  deadline.unref();
  socket.on('close', () => clearTimeout(deadline));
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (length === 0) {
        socket.destroy(); // no DNS message is empty
        return;
      }
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      deadline.refresh();
      onMessage();
      const reply = handle(message, address, port, 'tcp');
      if (isPromise(reply)) {
        void reply.then((later) => {
          if (later && !socket.destroyed) sendFrame(socket, later, limits);
        });
        continue;
      }
      if (!reply) continue;
      if (!sendFrame(socket, reply, limits)) return;
    }
  });
}

/** Writes one reply with its length before it; false when the client was cut off for not reading. */
function sendFrame(socket: TcpSocket, reply: Uint8Array, limits: TcpLimits): boolean {
  const frame = Buffer.allocUnsafe(2 + reply.length);
  frame.writeUInt16BE(reply.length, 0);
  frame.set(reply, 2);
  socket.write(frame);
  if (socket.writableLength <= limits.maxBacklogBytes) return true;
  socket.destroy();
  return false;
}
