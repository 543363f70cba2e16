// A steady open-loop load for `npm run bench`: A queries at a fixed rate to a server on loopback,
// sent on a timer whatever the answers do, and the latency of each answer, until stopped. It runs
// in the bench's own process, so whatever runs beside it must not block the event loop (spawn,
// never spawnSync). Bounded: it stops sending after maxMs, and waits at most drainMs for stragglers.
import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';

export interface SteadyLoadResult {
  /** Queries per second asked for. */
  rate: number;
  sent: number;
  answered: number;
  /** Sent and not answered within drainMs of the end. */
  lost: number;
  /** Latencies in µs. */
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}

export interface SteadyLoad {
  /** Stop sending, wait for the answers still due, and report. */
  stop(): Promise<SteadyLoadResult>;
}

const DRAIN_MS = 1000;

export async function startSteadyLoad(port: number, names: readonly string[], rate: number, maxMs: number): Promise<SteadyLoad> {
  const templates = names.map((name) => packet.encode({ type: 'query', id: 0, questions: [{ name, type: 'A', class: 'IN' }] }));
  const socket = createSocket('udp4');
  // By ID: a reply whose ID was reused before it came (65,536 queries later) counts as lost.
  const sentAt = new Map<number, bigint>();
  const latencies: number[] = [];
  socket.on('message', (message: Buffer) => {
    if (message.length < 2) return;
    const id = message.readUInt16BE(0);
    const started = sentAt.get(id);
    if (started === undefined) return;
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
    sentAt.delete(id);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const started = Date.now();
  let sent = 0;
  const send = () => {
    const elapsed = Date.now() - started;
    if (elapsed >= maxMs) return;
    // As many as are due by now: a late timer sends the ones it owes, at most 1/10 s at once.
    const due = Math.min(Math.floor((elapsed * rate) / 1000) + 1 - sent, Math.ceil(rate / 10));
    for (let i = 0; i < due; i++) {
      const query = Buffer.from(templates[sent % templates.length] ?? Buffer.alloc(12));
      const id = sent % 65536;
      query.writeUInt16BE(id, 0);
      sentAt.set(id, process.hrtime.bigint());
      socket.send(query, port, '127.0.0.1');
      sent++;
    }
  };
  const timer = setInterval(send, 1);
  send();
  return {
    async stop() {
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      const drainUntil = Date.now() + DRAIN_MS;
      while (sentAt.size > 0 && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.close();
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
      return {
        rate,
        sent,
        answered: sorted.length,
        lost: sent - sorted.length,
        p50: at(0.5),
        p99: at(0.99),
        max: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
        seconds: Math.round(seconds * 10) / 10,
      };
    },
  };
}
