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

/** Octets a label is mutated with: the dot, NUL, newline, space, DEL, backslash, high bytes, letters. */
const LABEL_OCTETS = [0x2e, 0x00, 0x0a, 0x20, 0x7f, 0x5c, 0x80, 0xc3, 0xff, 0x41, 0x61, 0x2a, 0x2d, 0x5f];

/**
 * The good query with octets inside its labels (never the length bytes) replaced, so the name
 * stays well-formed on the wire but holds what no stored name can: `myapp.test` with a dot, a
 * newline, an upper-case letter, a high byte in it. Sometimes with an OPT record.
 */
export function labelMutation(next: () => number): Buffer {
  const int = (n: number) => Math.floor(next() * n);
  const bytes = Buffer.from(GOOD);
  // myapp: offsets 13-17; test: 19-22.
  const positions = [13, 14, 15, 16, 17, 19, 20, 21, 22];
  for (let changes = 1 + int(4); changes > 0; changes--) {
    const at = positions[int(positions.length)] ?? 13;
    bytes[at] = next() < 0.8 ? (LABEL_OCTETS[int(LABEL_OCTETS.length)] ?? 0x2e) : int(256);
  }
  bytes.writeUInt16BE(int(65536), 0);
  if (next() < 0.5) return bytes;
  bytes.writeUInt16BE(1, 10);
  return Buffer.concat([bytes, Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0])]);
}

/** One malformed datagram of a kind chosen by the generator. */
export function malformed(next: () => number): Buffer {
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const header = (qd: number, an: number, ns: number, ar: number, flags = 0) => dnsHeader(int(65536), flags, qd, an, ns, ar);
  const tail = Buffer.from([0, 1, 0, 1]);
  switch (int(11)) {
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
    case 9: // a good query whose label octets are mutated: dots, control bytes, 0x80-0xff, letters
      return labelMutation(next);
    default: // a name of 130 one-octet labels (over 255 octets)
      return Buffer.concat([header(1, 0, 0, 0), ...Array.from({ length: 130 }, () => Buffer.from([1, 97])), Buffer.from([0]), tail]);
  }
}
