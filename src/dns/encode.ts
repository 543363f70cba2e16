// Turns a Response into wire bytes with dns2's encoder, and makes the queries devdns asks itself
// (doctor). Each record's fields come from its type's entry in the record table (records/
// record-types.ts), named as dns2 names them. Where dns2's encoder needs help, it gets it here:
//   - IPv4-mapped IPv6 in dotted form ("::ffff:1.2.3.4") is mis-encoded; we pass hex groups.
//   - dns2 splits names at dots and drops empty labels, so a question label holding a dot (or
//     any octet, written \DDD in the name's text: name-text.ts) is handed to it as its octets.
//   - dns2 compresses SRV targets, which RFC 2782 forbids (newer c-ares rejects such answers);
//     an answer with records of a type the table marks `uncompressed` is written without compression.
//   - dns2 has no truncation; we re-encode without records and set TC (RFC 2181 §9).
//   - dns2's writer keeps one array element per bit and turns the whole message into bytes again
//     after every record: quadratic, about 2 s for 200 TXT records over TCP. Messages are written
//     with ByteWriter instead, which dns2 accepts in its place; the bytes are the same.
import { fieldOf, recordKind, type WireField } from '../records/record-types.js';
import type { RecordType } from '../records/types.js';
import { type Dns2Writer, dns2Packet } from './dns2-packet.js';
import { hasEscapes, labelOctets } from './name-text.js';
import { CLASS_IN, QTYPE, type ResourceRecord, type Response, SOA_WIRE } from './protocol.js';

/** Where dns2 calls a field something else than the record model does; every other name is the same. */
const DNS2_FIELD_NAMES: Partial<Record<RecordType | 'SOA', Record<string, string>>> = {
  NS: { target: 'ns' },
  CNAME: { target: 'domain' },
  PTR: { target: 'domain' },
  TXT: { strings: 'data' },
  SOA: { mname: 'primary', rname: 'admin', expire: 'expiration' },
};

/** dns2's resource fields for the data, from its type's wire fields. */
function rdataFields(data: ResourceRecord['data']): Record<string, unknown> {
  const wire: readonly WireField[] = data.type === 'SOA' ? SOA_WIRE : recordKind(data.type).wire;
  const names = DNS2_FIELD_NAMES[data.type] ?? {};
  const fields: Record<string, unknown> = {};
  for (const { field, kind } of wire) {
    const value = fieldOf(data, field);
    fields[names[field] ?? field] = kind === 'ipv6' ? hexIPv6(String(value)) : value;
  }
  return fields;
}

/** "::ffff:1.2.3.4" -> "::ffff:102:304": dns2 reads every group as hex. */
function hexIPv6(address: string): string {
  const match = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!match) return address;
  const [, head = '', a, b, c, d] = match;
  const group = (high?: string, low?: string) => ((Number(high) << 8) | Number(low)).toString(16);
  return `${head}${group(a, b)}:${group(c, d)}`;
}

/**
 * A label as dns2's name encoder reads it: `length` and `charCodeAt` give the octets; its text
 * (with `\DDD` escapes, so never a dot) keys dns2's compression table, which joins labels.
 */
class OctetLabel {
  private readonly octets: Uint8Array;
  constructor(private readonly text: string) {
    this.octets = labelOctets(text);
  }
  get length(): number {
    return this.octets.length;
  }
  charCodeAt(at: number): number {
    return this.octets[at] ?? 0;
  }
  toString(): string {
    return this.text;
  }
}

/** A name dns2 splits into octet labels; dns2 calls `split('.')` on names and nothing else. */
class OctetName {
  constructor(private readonly text: string) {}
  split(): OctetLabel[] {
    return this.text.split('.').map((label) => new OctetLabel(label));
  }
  toString(): string {
    return this.text;
  }
}

/** A name for dns2: as it is, or, when its text escapes octets (a question's), as octet labels. */
function dns2Name(name: string): string | OctetName {
  return hasEscapes(name) ? new OctetName(name) : name;
}

function toDns2(record: ResourceRecord): Record<string, unknown> {
  return { name: dns2Name(record.name), type: QTYPE[record.data.type], class: CLASS_IN, ttl: record.ttl, ...rdataFields(record.data) };
}

export interface EncodeOptions {
  /** The most bytes the answer may take (UDP); larger answers go out truncated. */
  maxSize: number;
}

/**
 * dns2's writer interface over bytes that grow in place. `write` and `patch` take the low `size`
 * bits of the value as a 32-bit integer, most significant first, as dns2's writer does; only the
 * finished message is ever read, so `toBuffer` returns a view rather than a copy.
 */
export class ByteWriter implements Dns2Writer {
  /** dns2's name-compression table: a Map compresses; anything else writes names in full. */
  names: unknown = new Map<string, number>();
  private bytes = new Uint8Array(512);
  private bits = 0;

  write(value: number, size: number): void {
    if (size === 8 && (this.bits & 7) === 0) {
      this.reserve(8);
      this.bytes[this.bits >> 3] = value & 0xff;
      this.bits += 8;
      return;
    }
    this.reserve(size);
    for (let i = size - 1; i >= 0; i--) this.setBit(this.bits++, value & (2 ** i));
  }

  /** Appends what another writer (dns2's: one array element per bit) holds. */
  writeBuffer(other: { buffer: ArrayLike<number> }): void {
    this.reserve(other.buffer.length);
    for (let i = 0; i < other.buffer.length; i++) this.setBit(this.bits++, other.buffer[i] ?? 0);
  }

  bitLength(): number {
    return this.bits;
  }

  byteLength(): number {
    return this.bits / 8;
  }

  patch(bitOffset: number, value: number, size: number): void {
    for (let i = 0; i < size; i++) this.setBit(bitOffset + i, value & (2 ** (size - i - 1)));
  }

  toBuffer(): Buffer {
    const whole = this.bits >> 3;
    const rest = this.bits & 7;
    const view = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, whole + (rest > 0 ? 1 : 0));
    // dns2 reads a last partial byte as a number of that many bits; DNS never leaves one.
    if (rest > 0) view[whole] = (this.bytes[whole] ?? 0) >> (8 - rest);
    return view;
  }

  private setBit(at: number, on: number): void {
    const byte = at >> 3;
    const mask = 0x80 >> (at & 7);
    this.bytes[byte] = on ? (this.bytes[byte] ?? 0) | mask : (this.bytes[byte] ?? 0) & ~mask;
  }

  private reserve(bits: number): void {
    const needed = (this.bits + bits + 7) >> 3;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

function encodePacket(response: Response, truncated: boolean, compress: boolean, writer: Dns2Writer): Buffer {
  const Packet = dns2Packet();
  const packet = new Packet();
  packet.header = {
    id: response.id,
    qr: 1,
    opcode: response.opcode,
    aa: response.authoritative ? 1 : 0,
    tc: truncated ? 1 : 0,
    rd: response.recursionDesired ? 1 : 0,
    ra: response.recursionAvailable ? 1 : 0,
    cd: response.checkingDisabled ? 1 : 0,
    rcode: response.rcode,
  };
  if (response.question)
    packet.questions.push({ name: dns2Name(response.question.name), type: response.question.type, class: response.question.class });
  if (!truncated) {
    packet.answers.push(...response.answer.map(toDns2));
    packet.authorities.push(...response.authority.map(toDns2));
    packet.additionals.push(...response.additional.map(toDns2));
  }
  if (response.edns) {
    const opt = Packet.Resource.EDNS([], { udpPayloadSize: response.edns.udpSize, doFlag: response.edns.dnssecOk });
    packet.additionals.push({ ...opt, name: '' });
  }
  // A writer whose name table is not a Map makes dns2 write names without compression.
  if (!compress) writer.names = {};
  return packet.toBuffer(writer);
}

/**
 * The response's bytes; over `maxSize` it is sent with TC=1 and no records but OPT.
 * `compressed` says whether names were written with compression pointers (the fast path can
 * reuse such bytes for the same question in another letter case).
 */
export function encodeResponse(response: Response, options: EncodeOptions): { bytes: Buffer; compressed: boolean } {
  return encodeResponseWith(response, options, () => new ByteWriter());
}

/** encodeResponse with the writer of one's choice: dns2's own writes the same bytes, slowly. */
export function encodeResponseWith(
  response: Response,
  { maxSize }: EncodeOptions,
  newWriter: () => Dns2Writer,
): { bytes: Buffer; compressed: boolean } {
  const compress = ![response.answer, response.authority, response.additional].some((section) =>
    section.some(({ data }) => data.type !== 'SOA' && recordKind(data.type).uncompressed),
  );
  let bytes = encodePacket(response, false, compress, newWriter());
  if (bytes.length > maxSize) bytes = encodePacket(response, true, compress, newWriter());
  return { bytes, compressed: compress };
}

/** A plain query for `name` and `type`, with recursion not desired. */
export function encodeQuery(id: number, name: string, type: number, options: { recursionDesired?: boolean } = {}): Buffer {
  const Packet = dns2Packet();
  const packet = new Packet();
  packet.header = { id, qr: 0, opcode: 0, rd: options.recursionDesired ? 1 : 0 };
  packet.questions.push({ name, type, class: CLASS_IN });
  return packet.toBuffer();
}
