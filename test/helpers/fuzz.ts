// The seeded stream of malformed DNS datagrams the robustness tests send: replayable by seed.
import * as packet from 'dns-packet';
import { dnsHeader } from './dns.js';

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_SEED = Number(process.env.DEVDNS_FUZZ_SEED ?? 20261126);
/** The good query the malformed ones are made from: myapp.test A. */
export const GOOD = packet.encode({ type: 'query', id: 1, questions: [{ name: 'myapp.test', type: 'A', class: 'IN' }] });

/** One malformed datagram of a kind chosen by the generator. */
export function malformed(next: () => number): Buffer {
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const header = (qd: number, an: number, ns: number, ar: number, flags = 0) => dnsHeader(int(65536), flags, qd, an, ns, ar);
  const tail = Buffer.from([0, 1, 0, 1]);
  switch (int(10)) {
    case 0: // random bytes, 12 to 1400
      return bytes(12 + int(1389));
    case 1: // a truncated header
      return bytes(int(12));
    case 2: // a label length 64-255
      return Buffer.concat([header(1, 0, 0, 0), Buffer.from([64 + int(192)]), bytes(int(300))]);
    case 3: // a pointer to itself, backwards, or forwards past the end
      return Buffer.concat([header(1, 0, 0, 0), Buffer.from([0xc0 | int(64), int(256)]), tail]);
    case 4: // a chain of pointers
      return Buffer.concat([
        header(1, 0, 0, 0),
        ...Array.from({ length: 1 + int(500) }, (_, i) => Buffer.from([0xc0, 12 + 2 * (i + 1)])),
        tail,
      ]);
    case 5: // counts that lie
      return Buffer.concat([header(int(65536), int(65536), int(65536), int(65536)), GOOD.subarray(12)]);
    case 6: // an OPT record that lies about its length or its options
      return Buffer.concat([
        header(1, 0, 0, 1),
        GOOD.subarray(12),
        Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, int(256), int(256), 0, 10, int(256), int(256)]),
      ]);
    case 7: // a response (QR=1) that looks fine
      return Buffer.concat([header(1, 0, 0, 0, 0x8000), GOOD.subarray(12)]);
    case 8: // a good query with bytes flipped
      return Buffer.from(GOOD.map((b) => (next() < 0.1 ? int(256) : b)));
    default: // a name of 130 one-octet labels (over 255 octets)
      return Buffer.concat([header(1, 0, 0, 0), ...Array.from({ length: 130 }, () => Buffer.from([1, 97])), Buffer.from([0]), tail]);
  }
}
