// The answer records of a forwarded reply, read from its bytes, bounded at every step, as
// `devdns resolve` shows them and as splice.ts follows a chain (reply-shape.ts rebuilds the reply
// itself). Pure.
import { labelText } from '../dns/name-text.js';
import { QTYPE } from '../dns/protocol.js';
import { formatIPv6 } from '../records/ip.js';

const HEADER_BYTES = 12;
const MAX_POINTER_HOPS = 64;

class Bad extends Error {}

const u16 = (bytes: Uint8Array, at: number): number => {
  if (at + 2 > bytes.length) throw new Bad();
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
};
const u32 = (bytes: Uint8Array, at: number): number => u16(bytes, at) * 0x10000 + u16(bytes, at + 2);

/**
 * A name at `start`, lowercase text as the daemon reads a question's (name-text.ts), following
 * compression pointers backwards only; and where the name ends in place.
 */
function readName(bytes: Uint8Array, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end: number | undefined;
  let octets = 1;
  for (let hops = 0; ; ) {
    const length = bytes[offset];
    if (length === undefined) throw new Bad();
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: end ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      const target = u16(bytes, offset) & 0x3fff;
      if (target >= offset || ++hops > MAX_POINTER_HOPS) throw new Bad();
      end ??= offset + 2;
      offset = target;
      continue;
    }
    if (length & 0xc0) throw new Bad();
    octets += length + 1;
    if (octets > 255 || offset + 1 + length > bytes.length) throw new Bad();
    labels.push(labelText(bytes, offset + 1, offset + 1 + length));
    offset += length + 1;
  }
}

/** Where the name at `start` ends in place, read no further than its labels' lengths and a pointer. */
function skipName(bytes: Uint8Array, start: number): number {
  for (let offset = start; ; ) {
    const length = bytes[offset];
    if (length === undefined) throw new Bad();
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2;
    if (length & 0xc0) throw new Bad();
    offset += length + 1;
  }
}

/**
 * Whether the answer section of a reply holds a CNAME record, from the record types alone (no
 * name or data read into text): what splice.ts needs to know before it reads a reply in full.
 * True when the reply does not parse, so that the full read decides.
 */
export function answerHasCname(message: Uint8Array): boolean {
  try {
    const count = u16(message, 6);
    let offset = skipName(message, HEADER_BYTES) + 4;
    for (let i = 0; i < count; i++) {
      offset = skipName(message, offset);
      if (u16(message, offset) === QTYPE.CNAME) return true;
      offset += 10 + u16(message, offset + 8);
    }
    return false;
  } catch (error) {
    if (error instanceof Bad) return true;
    throw error;
  }
}

/** One answer record of a forwarded reply, as `devdns resolve` shows it: `name TYPE data`. */
export interface AnswerLine {
  name: string;
  ttl: number;
  type: number;
  /** Presentation form for A, AAAA, CNAME, NS, PTR, MX and TXT; RFC 3597's `\# len hex` for others. */
  data: string;
}

/** RFC 5952 text of the 16 octets at `at`. */
function ipv6(bytes: Uint8Array, at: number): string {
  return formatIPv6(Array.from({ length: 8 }, (_, i) => u16(bytes, at + 2 * i)));
}

function rdataText(message: Uint8Array, type: number, start: number, length: number): string {
  const generic = () => `\\# ${length}${length > 0 ? ` ${Buffer.from(message.subarray(start, start + length)).toString('hex')}` : ''}`;
  if (type === QTYPE.A && length === 4) return Array.from(message.subarray(start, start + 4)).join('.');
  if (type === QTYPE.AAAA && length === 16) return ipv6(message, start);
  if (type === QTYPE.CNAME || type === QTYPE.NS || type === QTYPE.PTR) return `${readName(message, start).name}.`;
  if (type === QTYPE.MX && length >= 3) return `${u16(message, start)} ${readName(message, start + 2).name}.`;
  if (type === QTYPE.TXT) {
    const strings: string[] = [];
    for (let at = start; at < start + length; ) {
      const size = message[at] as number;
      if (at + 1 + size > start + length) return generic();
      strings.push(JSON.stringify(Buffer.from(message.subarray(at + 1, at + 1 + size)).toString('latin1')));
      at += 1 + size;
    }
    return strings.join(' ');
  }
  return generic();
}

/** The answer section of a reply, read with the same bounds; undefined when it does not parse. */
export function readAnswerLines(message: Uint8Array): AnswerLine[] | undefined {
  try {
    if (u16(message, 4) !== 1) return undefined;
    const count = u16(message, 6);
    let offset = readName(message, HEADER_BYTES).end + 4;
    const lines: AnswerLine[] = [];
    for (let i = 0; i < count; i++) {
      const owner = readName(message, offset);
      offset = owner.end;
      const type = u16(message, offset);
      const ttl = u32(message, offset + 4);
      const rdlength = u16(message, offset + 8);
      if (offset + 10 + rdlength > message.length) return undefined;
      lines.push({ name: owner.name, ttl, type, data: rdataText(message, type, offset + 10, rdlength) });
      offset += 10 + rdlength;
    }
    return lines;
  } catch (error) {
    if (error instanceof Bad) return undefined;
    throw error;
  }
}
