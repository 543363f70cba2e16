// The answer records of a forwarded reply, read from its bytes, bounded at every step, as
// `devdns resolve` shows them and as splice.ts follows a chain (reply-shape.ts rebuilds the reply
// itself). Pure.
import { QTYPE } from '../dns/protocol.js';
import { formatIPv6 } from '../records/ip.js';
import { HEADER_BYTES, Malformed, readName, u16, u32 } from './wire-reader.js';

/** A name at `start`, lowercase as the daemon reads a question's (name-text.ts), and where it ends in place. */
const readLowerName = (bytes: Uint8Array, start: number): { name: string; end: number } => {
  const read = readName(bytes, start);
  return { name: read.name.toLowerCase(), end: read.end };
};

/** Where the name at `start` ends in place, read no further than its labels' lengths and a pointer. */
function skipName(bytes: Uint8Array, start: number): number {
  for (let offset = start; ; ) {
    const length = bytes[offset];
    if (length === undefined) throw new Malformed();
    if (length === 0) return offset + 1;
    if ((length & 0xc0) === 0xc0) return offset + 2;
    if (length & 0xc0) throw new Malformed();
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
    if (error instanceof Malformed) return true;
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
  if (type === QTYPE.CNAME || type === QTYPE.NS || type === QTYPE.PTR) return `${readLowerName(message, start).name}.`;
  if (type === QTYPE.MX && length >= 3) return `${u16(message, start)} ${readLowerName(message, start + 2).name}.`;
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
    let offset = readLowerName(message, HEADER_BYTES).end + 4;
    const lines: AnswerLine[] = [];
    for (let i = 0; i < count; i++) {
      const owner = readLowerName(message, offset);
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
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}
