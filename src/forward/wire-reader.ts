// Reading a DNS message from its bytes, bounded at every step: the octets, and names with their
// compression pointers. What reply-shape.ts (rebuilding a forwarded reply) and reply-facts.ts
// (reading its answer records as text) both stand on. Pure.
import { labelText } from '../dns/name-text.js';

export const HEADER_BYTES = 12;
/** More pointers than a name of 127 labels could need: a longer walk is a loop. */
const MAX_POINTER_HOPS = 64;

/** The message does not hold what it claims: a reader stops, and its caller gives no answer. */
export class Malformed extends Error {}

export const u16 = (bytes: Uint8Array, at: number): number => {
  if (at + 2 > bytes.length) throw new Malformed();
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
};
export const u32 = (bytes: Uint8Array, at: number): number => u16(bytes, at) * 0x10000 + u16(bytes, at + 2);

/**
 * The name at `start` as text, its case kept (name-text.ts escapes what a label may hold),
 * compression pointers followed backwards only; and where the name ends in place.
 */
export function readName(bytes: Uint8Array, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end: number | undefined;
  let octets = 1;
  for (let hops = 0; ; ) {
    const length = bytes[offset];
    if (length === undefined) throw new Malformed();
    if (length === 0) return { name: labels.join('.'), end: end ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      const target = u16(bytes, offset) & 0x3fff;
      if (target >= offset || ++hops > MAX_POINTER_HOPS) throw new Malformed();
      end ??= offset + 2;
      offset = target;
      continue;
    }
    if (length & 0xc0) throw new Malformed();
    octets += length + 1;
    if (octets > 255 || offset + 1 + length > bytes.length) throw new Malformed();
    labels.push(labelText(bytes, offset + 1, offset + 1 + length));
    offset += length + 1;
  }
}
