// Turns a Response into wire bytes with dns2's encoder: the only file that imports dns2. It also
// makes the queries devdns asks itself (doctor) and reads the answers, which come from devdns.
// Our own reader (wire.ts) decodes queries, so dns2's parser never sees untrusted bytes. Where
// dns2's encoder needs help, it gets it here:
//   - IPv4-mapped IPv6 in dotted form ("::ffff:1.2.3.4") is mis-encoded; we pass hex groups.
//   - dns2 splits names at dots and drops empty labels, so a question label holding a dot (or
//     any octet, written \DDD in the name's text: name-text.ts) is handed to it as its octets.
//   - dns2 compresses SRV targets, which RFC 2782 forbids (newer c-ares rejects such answers);
//     an answer with SRV records is written without compression.
//   - dns2 has no truncation; we re-encode without records and set TC (RFC 2181 §9).
//   - dns2's writer keeps one array element per bit and turns the whole message into bytes again
//     after every record: quadratic, about 2 s for 200 TXT records over TCP. Messages are written
//     with ByteWriter instead, which dns2 accepts in its place; the bytes are the same.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RecordData } from '../records/types.js';
import { hasEscapes, labelOctets } from './name-text.js';
import { CLASS_IN, QTYPE, type ResourceRecord, type Response, type SoaData } from './protocol.js';

/** The part of dns2's encoder devdns uses; its bundled types describe the parser's view. */
interface Dns2Packet {
  header: Record<string, number>;
  questions: unknown[];
  answers: unknown[];
  authorities: unknown[];
  additionals: unknown[];
  toBuffer(writer?: unknown): Buffer;
}
interface Dns2PacketApi {
  new (): Dns2Packet;
  parse(bytes: Buffer): { header: { rcode: number; id: number }; answers: Array<{ type: number; address?: string }> };
  Writer: new () => { names?: unknown };
  Resource: { EDNS(rdata: unknown[], options: { udpPayloadSize: number; doFlag: boolean }): Record<string, unknown> };
}

let loadedPacket: Dns2PacketApi | undefined;

/**
 * dns2's Packet, loaded on first use from its own file. The package's entry point also loads its
 * UDP, TCP and DNS-over-HTTPS servers and clients, none of which devdns uses: about 30 ms and
 * 5 MiB more at every start. Its exports map names only the entry point, so the file is found
 * beside it; the version is pinned in package.json.
 */
function dns2Packet(): Dns2PacketApi {
  if (!loadedPacket) {
    const require = createRequire(import.meta.url);
    loadedPacket = require(join(dirname(require.resolve('dns2')), 'packet.js')) as Dns2PacketApi;
  }
  return loadedPacket;
}

/** dns2's resource shapes, by type. */
function rdataFields(data: RecordData | SoaData): Record<string, unknown> {
  switch (data.type) {
    case 'A':
      return { address: data.address };
    case 'AAAA':
      return { address: hexIPv6(data.address) };
    case 'NS':
      return { ns: data.target };
    case 'CNAME':
    case 'PTR':
      return { domain: data.target };
    case 'MX':
      return { priority: data.priority, exchange: data.exchange };
    case 'TXT':
      return { data: data.strings };
    case 'SRV':
      return { priority: data.priority, weight: data.weight, port: data.port, target: data.target };
    case 'CAA':
      return { flags: data.flags, tag: data.tag, value: data.value };
    case 'SOA':
      return {
        primary: data.mname,
        admin: data.rname,
        serial: data.serial,
        refresh: data.refresh,
        retry: data.retry,
        expiration: data.expire,
        minimum: data.minimum,
      };
  }
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
  /** Write with dns2's own (quadratic) writer: for the test that holds ByteWriter to its bytes. */
  legacyWriter?: boolean;
}

/**
 * dns2's writer interface over bytes that grow in place. `write` and `patch` take the low `size`
 * bits of the value as a 32-bit integer, most significant first, as dns2's writer does; only the
 * finished message is ever read, so `toBuffer` returns a view rather than a copy.
 */
export class ByteWriter {
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

function encodePacket(response: Response, truncated: boolean, compress: boolean, legacyWriter = false): Buffer {
  const Packet = dns2Packet();
  const packet = new Packet();
  packet.header = {
    id: response.id,
    qr: 1,
    opcode: response.opcode,
    aa: response.authoritative ? 1 : 0,
    tc: truncated ? 1 : 0,
    rd: response.recursionDesired ? 1 : 0,
    ra: 0,
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
  const writer = legacyWriter ? new Packet.Writer() : new ByteWriter();
  if (!compress) writer.names = {};
  return packet.toBuffer(writer);
}

/**
 * The response's bytes; over `maxSize` it is sent with TC=1 and no records but OPT.
 * `compressed` says whether names were written with compression pointers (the fast path can
 * reuse such bytes for the same question in another letter case).
 */
export function encodeResponse(response: Response, { maxSize, legacyWriter }: EncodeOptions): { bytes: Buffer; compressed: boolean } {
  const hasSrv = [response.answer, response.authority, response.additional].some((section) =>
    section.some((record) => record.data.type === 'SRV'),
  );
  const compress = !hasSrv;
  let bytes = encodePacket(response, false, compress, legacyWriter);
  if (bytes.length > maxSize) bytes = encodePacket(response, true, compress, legacyWriter);
  return { bytes, compressed: compress };
}

/** A plain query for `name` and `type`, with recursion not desired. */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const Packet = dns2Packet();
  const packet = new Packet();
  packet.header = { id, qr: 0, opcode: 0, rd: 0 };
  packet.questions.push({ name, type, class: CLASS_IN });
  return packet.toBuffer();
}

/** The rcode and the A/AAAA addresses of an answer. */
export function readAddresses(bytes: Buffer): { id: number; rcode: number; addresses: string[] } {
  const parsed = dns2Packet().parse(bytes);
  const addresses = parsed.answers.filter((r) => r.type === QTYPE.A || r.type === QTYPE.AAAA).map((r) => r.address ?? '');
  return { id: parsed.header.id, rcode: parsed.header.rcode, addresses };
}
