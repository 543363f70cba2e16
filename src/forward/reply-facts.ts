// What an upstream's reply says, read from its bytes, bounded at every step: its rcode, whether it
// was truncated, where each record's TTL sits (so a cached copy can count down), how long it may
// be kept, and whether every answer record belongs to the question's name or its CNAME chain.
// A reply with an answer record for any other name is passed on but never cached (RFC 5452 §6,
// the poisoning of the Kaminsky attack rides in on such records). Pure.
import { labelText } from '../dns/name-text.js';
import { QTYPE, RCODE } from '../dns/protocol.js';
import { formatIPv6 } from '../records/ip.js';

export interface ReplyFacts {
  rcode: number;
  truncated: boolean;
  /** Offsets, in the message with its ID, of each record's 4-byte TTL (not the OPT record's). */
  ttlOffsets: number[];
  /** NXDOMAIN, or NOERROR without an answer of the question's type (RFC 2308 §2.2). */
  negative: boolean;
  /**
   * Seconds the reply may be kept: the smallest TTL of the answer records, or for a negative one
   * the SOA's TTL and MINIMUM, the smaller (RFC 2308 §5); 0 when it must not be kept.
   */
  ttl: number;
  /** Every answer record is at the question's name or a CNAME target on the way from it. */
  inChain: boolean;
  /** Where an OPT record is (offsets in the message with its ID), if the reply has one. */
  opt?: { start: number; end: number };
}

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

/** The facts of `message` (a whole reply, ID included) to a question of `type`; undefined when it does not parse. */
export function readReplyFacts(message: Uint8Array, type: number): ReplyFacts | undefined {
  try {
    return read(message, type);
  } catch (error) {
    if (error instanceof Bad) return undefined;
    throw error;
  }
}

function read(message: Uint8Array, type: number): ReplyFacts {
  const flags = u16(message, 2);
  const rcode = flags & 0x000f;
  const truncated = (flags & 0x0200) !== 0;
  if (u16(message, 4) !== 1) throw new Bad();
  const counts = [u16(message, 6), u16(message, 8), u16(message, 10)] as const;
  const question = readName(message, HEADER_BYTES);
  let offset = question.end + 4;
  if (offset > message.length) throw new Bad();
  const chain = new Set([question.name]);
  const ttlOffsets: number[] = [];
  let inChain = true;
  let answered = false;
  let answerTtl = Number.POSITIVE_INFINITY;
  let soaTtl: number | undefined;
  let opt: ReplyFacts['opt'];
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < (counts[section] as number); i++) {
      const start = offset;
      const owner = readName(message, offset);
      offset = owner.end;
      const recordType = u16(message, offset);
      const ttl = u32(message, offset + 4);
      const rdlength = u16(message, offset + 8);
      const rdata = offset + 10;
      if (rdata + rdlength > message.length) throw new Bad();
      if (recordType === QTYPE.OPT && section === 2) opt = { start, end: rdata + rdlength };
      if (recordType !== QTYPE.OPT) ttlOffsets.push(offset + 4);
      if (section === 0) {
        if (!chain.has(owner.name)) inChain = false;
        else if (recordType === QTYPE.CNAME) chain.add(readName(message, rdata).name);
        if (recordType === type || type === QTYPE.ANY) answered = true;
        answerTtl = Math.min(answerTtl, ttl);
      } else if (section === 1 && recordType === QTYPE.SOA) {
        // MINIMUM is the SOA's last field, after two names and four other 32-bit fields.
        const mname = readName(message, rdata);
        const rname = readName(message, mname.end);
        soaTtl = Math.min(ttl, u32(message, rname.end + 16));
      }
      offset = rdata + rdlength;
    }
  }
  const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && !answered);
  // A negative reply without an SOA must not be kept (RFC 2308 §5); over 2^31 is read as 0 (RFC 2181 §8).
  const raw = negative ? (soaTtl ?? 0) : answerTtl === Number.POSITIVE_INFINITY ? 0 : answerTtl;
  return { rcode, truncated, ttlOffsets, negative, ttl: raw > 0x7fffffff ? 0 : raw, inChain, ...(opt ? { opt } : {}) };
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
