// The reply devdns passes on for a forwarded question, rebuilt from the upstream's bytes rather
// than copied: read in full (bounded at every step, as reply-facts.ts reads), then written again
// with its own header bits, the TTLs devdns keeps it for, and only the records that answer the
// question. Rebuilt, not cut: records point into each other (RFC 1035 §4.1.4), so the names are
// written out afresh and compressed again. Also the wire reader and writer for other replies made
// from upstream records (a CNAME override's target chased upstream). Pure.
import { labelOctets } from '../dns/name-text.js';
import { QTYPE, RCODE } from '../dns/protocol.js';
import { HEADER_BYTES, Malformed, readName, u16, u32 } from './wire-reader.js';

/** A name as text (name-text.ts: labels split at dots, any other octet escaped), as sent; '' is the root. */
export type WireName = string;

/** One resource record, its names read out of compression pointers. */
export interface WireRecord {
  name: WireName;
  type: number;
  klass: number;
  ttl: number;
  /** The RDATA: raw octets, with the names of the types RFC 3597 §4 lets be compressed read out. */
  rdata: Array<Uint8Array | { name: WireName }>;
}

export interface WireMessage {
  id: number;
  /** The 16 bits after the ID: QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode. */
  flags: number;
  question: { name: WireName; type: number; klass: number };
  answer: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
}

/** RFC 2181 §8: a TTL with the top bit set is read as 0. */
const MAX_WIRE_TTL = 0x7fffffff;

export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;
const OPCODE_MASK = 0x7800;

/** Where names sit in the RDATA of the types whose names may be compressed (RFC 3597 §4): octets before, names. */
const NAMED_RDATA: ReadonlyMap<number, { before: number; names: number }> = new Map([
  [QTYPE.NS, { before: 0, names: 1 }],
  [3, { before: 0, names: 1 }], // MD
  [4, { before: 0, names: 1 }], // MF
  [QTYPE.CNAME, { before: 0, names: 1 }],
  [QTYPE.SOA, { before: 0, names: 2 }],
  [7, { before: 0, names: 1 }], // MB
  [8, { before: 0, names: 1 }], // MG
  [9, { before: 0, names: 1 }], // MR
  [QTYPE.PTR, { before: 0, names: 1 }],
  [14, { before: 0, names: 2 }], // MINFO
  [QTYPE.MX, { before: 2, names: 1 }],
]);

function readRdata(bytes: Uint8Array, type: number, start: number, length: number): WireRecord['rdata'] {
  const end = start + length;
  const layout = NAMED_RDATA.get(type);
  if (layout === undefined) return [bytes.slice(start, end)];
  const parts: WireRecord['rdata'] = [];
  let at = start;
  if (layout.before > 0) {
    if (at + layout.before > end) throw new Malformed();
    parts.push(bytes.slice(at, at + layout.before));
    at += layout.before;
  }
  for (let i = 0; i < layout.names; i++) {
    const read = readName(bytes, at);
    if (read.end > end) throw new Malformed();
    parts.push({ name: read.name });
    at = read.end;
  }
  if (at < end) parts.push(bytes.slice(at, end));
  return parts;
}

/** A whole message, ID included; undefined when it does not parse or has not exactly one question. */
export function readMessage(bytes: Uint8Array): WireMessage | undefined {
  try {
    if (u16(bytes, 4) !== 1) return undefined;
    const question = readName(bytes, HEADER_BYTES);
    let offset = question.end + 4;
    if (offset > bytes.length) return undefined;
    const sections: WireRecord[][] = [[], [], []];
    for (let section = 0; section < 3; section++) {
      const count = u16(bytes, 6 + 2 * section);
      for (let i = 0; i < count; i++) {
        const owner = readName(bytes, offset);
        offset = owner.end;
        const type = u16(bytes, offset);
        const klass = u16(bytes, offset + 2);
        const ttl = u32(bytes, offset + 4);
        const rdlength = u16(bytes, offset + 8);
        const rdata = offset + 10;
        if (rdata + rdlength > bytes.length) return undefined;
        sections[section]?.push({ name: owner.name, type, klass, ttl, rdata: readRdata(bytes, type, rdata, rdlength) });
        offset = rdata + rdlength;
      }
    }
    return {
      id: u16(bytes, 0),
      flags: u16(bytes, 2),
      question: { name: question.name, type: u16(bytes, question.end), klass: u16(bytes, question.end + 2) },
      answer: sections[0] as WireRecord[],
      authority: sections[1] as WireRecord[],
      additional: sections[2] as WireRecord[],
    };
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/** Names compare without case (RFC 4343); the text escapes every octet but letters, so this folds ASCII only. */
export const nameKey = (name: WireName): string => name.toLowerCase();

/** Writes a message, compressing each name against the names written before it (RFC 1035 §4.1.4). */
class MessageWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  readonly #names = new Map<string, number>();

  bytes(data: Uint8Array | readonly number[]): void {
    const chunk = data instanceof Uint8Array ? data : Uint8Array.from(data);
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  u16(value: number): void {
    this.bytes([(value >> 8) & 0xff, value & 0xff]);
  }

  u32(value: number): void {
    this.bytes([(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
  }

  get length(): number {
    return this.#length;
  }

  name(name: WireName): void {
    const labels = name === '' ? [] : name.split('.');
    for (let i = 0; i < labels.length; i++) {
      // Matched as spelled, not folded: a pointer would give the later name another name's case.
      const suffix = labels.slice(i).join('.');
      const at = this.#names.get(suffix);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.#length < 0x4000) this.#names.set(suffix, this.#length);
      const octets = labelOctets(labels[i] as string);
      this.bytes([octets.length]);
      this.bytes(octets);
    }
    this.bytes([0]);
  }

  done(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

/** The message's bytes, and the offset of each record's TTL in them (answer, authority, additional). */
export function writeMessage(message: WireMessage): { bytes: Buffer; ttlOffsets: number[] } {
  const writer = new MessageWriter();
  writer.u16(message.id);
  writer.u16(message.flags);
  writer.u16(1);
  writer.u16(message.answer.length);
  writer.u16(message.authority.length);
  writer.u16(message.additional.length);
  writer.name(message.question.name);
  writer.u16(message.question.type);
  writer.u16(message.question.klass);
  const ttlOffsets: number[] = [];
  for (const record of [...message.answer, ...message.authority, ...message.additional]) {
    writer.name(record.name);
    writer.u16(record.type);
    writer.u16(record.klass);
    ttlOffsets.push(writer.length);
    writer.u32(record.ttl);
    // RDLENGTH is known once the RDATA is written: written apart, then put in place.
    const rdata = new MessageWriterSlot(writer);
    for (const part of record.rdata) {
      if (part instanceof Uint8Array) writer.bytes(part);
      else writer.name(part.name);
    }
    rdata.close();
  }
  return { bytes: writer.done(), ttlOffsets };
}

/** The RDLENGTH of a record being written: two octets held open until its RDATA is in. */
class MessageWriterSlot {
  readonly #slot = new Uint8Array(2);
  readonly #start: number;

  constructor(private readonly writer: MessageWriter) {
    writer.bytes(this.#slot);
    this.#start = writer.length;
  }

  close(): void {
    const length = this.writer.length - this.#start;
    this.#slot[0] = length >> 8;
    this.#slot[1] = length & 0xff;
  }
}

/** The name a CNAME record points at. */
export function cnameTarget(record: WireRecord): WireName | undefined {
  const part = record.rdata[0];
  return record.type === QTYPE.CNAME && part !== undefined && !(part instanceof Uint8Array) ? part.name : undefined;
}

/** Whether `name` is `ancestor` or below it. */
function isAtOrBelow(name: string, ancestor: string): boolean {
  return ancestor === '' || name === ancestor || name.endsWith(`.${ancestor}`);
}

/** How long devdns keeps an answer, which is also the most it tells a client: from the cache's limits. */
export interface TtlLimits {
  /** Seconds: the cap on any record's TTL. */
  maxTtl: number;
  /** Seconds: the cap on a negative answer's TTL (its SOA's). */
  maxNegativeTtl: number;
}

export interface ShapedReply {
  /** The reply as devdns passes it on, with the upstream's ID (the client's is put in later). */
  message: Buffer;
  /** Offsets in `message` of each record's TTL. */
  ttlOffsets: number[];
  rcode: number;
  truncated: boolean;
  /** NXDOMAIN, or NOERROR without an answer of the question's type (RFC 2308 §2.2). */
  negative: boolean;
  /** Seconds it may be kept: its smallest answer TTL, or its SOA's negative TTL; 0 when it must not be kept. */
  ttl: number;
  /** Every answer record is at the question's name or a CNAME target on the way from it. */
  inChain: boolean;
}

/** A TTL as a client may be told it: over 2^31 - 1 read as 0 (RFC 2181 §8), and at most `cap`. */
export function clampTtl(ttl: number, cap: number): number {
  return ttl > MAX_WIRE_TTL ? 0 : Math.min(ttl, cap);
}

/**
 * The reply to pass on and keep, from an upstream's reply to devdns's query; undefined for one
 * that is no answer at all (it does not parse, is not a response, or has another opcode than
 * QUERY, the only one devdns asks with). What changes:
 * - header: AA cleared (devdns holds none of it: RFC 1035 §4.1.1), RA set (devdns resolves for
 *   the client), Z cleared; AD is left for the fitting to each client (RFC 6840 §5.8).
 * - answer: every record, each TTL clamped (RFC 2181 §8, then the cache's cap), so that a client is
 *   never told to keep a record longer than devdns itself would.
 * - authority: for a negative answer, the SOA of the zone the name is in alone, with the negative
 *   TTL as its TTL: the smaller of its own and its MINIMUM (RFC 2308 §3, §5); for a positive
 *   answer, nothing.
 * - additional: only records owned by a name of the chain (no OPT: devdns adds its own).
 * NS records and glue for names the question did not ask about are what cache poisoning rides in
 * on (RFC 5452 §6; the Kaminsky attack), so they are never passed on nor kept.
 */
export function shapeReply(reply: Uint8Array, limits: TtlLimits): ShapedReply | undefined {
  const upstream = readMessage(reply);
  if (upstream === undefined || (upstream.flags & FLAG.QR) === 0 || (upstream.flags & OPCODE_MASK) !== 0) return undefined;
  const { question } = upstream;
  const rcode = upstream.flags & 0x000f;
  const chain = new Set([nameKey(question.name)]);
  let last = nameKey(question.name);
  let inChain = true;
  let answered = false;
  let answerTtl = Number.POSITIVE_INFINITY;
  const answer = upstream.answer.map((record) => {
    const owner = nameKey(record.name);
    const target = cnameTarget(record);
    if (!chain.has(owner)) inChain = false;
    else if (target !== undefined && owner === last) {
      last = nameKey(target);
      chain.add(last);
    }
    if (record.type === question.type || question.type === QTYPE.ANY) answered = true;
    const ttl = clampTtl(record.ttl, limits.maxTtl);
    answerTtl = Math.min(answerTtl, ttl);
    return { ...record, ttl };
  });
  const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && !answered);
  const authority: WireRecord[] = [];
  if (negative) {
    // The SOA of the zone holding the last name of the chain: at that name or above it.
    const soa = upstream.authority.find((record) => record.type === QTYPE.SOA && isAtOrBelow(last, nameKey(record.name)));
    const minimum = soa && soaMinimum(soa);
    if (soa && minimum !== undefined) {
      authority.push({ ...soa, ttl: Math.min(clampTtl(soa.ttl, limits.maxNegativeTtl), clampTtl(minimum, limits.maxNegativeTtl)) });
    }
  }
  const additional = upstream.additional
    .filter((record) => record.type !== QTYPE.OPT && chain.has(nameKey(record.name)))
    .map((record) => ({ ...record, ttl: clampTtl(record.ttl, limits.maxTtl) }));
  const flags = (upstream.flags & (FLAG.TC | FLAG.AD | 0x000f)) | FLAG.QR | FLAG.RD | FLAG.RA;
  const { bytes, ttlOffsets } = writeMessage({ ...upstream, flags, answer, authority, additional });
  // A negative reply without an SOA must not be kept (RFC 2308 §5).
  const ttl = negative ? (authority[0]?.ttl ?? 0) : answerTtl === Number.POSITIVE_INFINITY ? 0 : answerTtl;
  return { message: bytes, ttlOffsets, rcode, truncated: (upstream.flags & FLAG.TC) !== 0, negative, ttl, inChain };
}

/** An SOA's MINIMUM: its last field, after two names and four other 32-bit fields. */
function soaMinimum(soa: WireRecord): number | undefined {
  const tail = soa.rdata[2];
  if (!(tail instanceof Uint8Array) || tail.length !== 20) return undefined;
  return u32(tail, 16);
}
