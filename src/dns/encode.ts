// Turns a Response into wire bytes with dns2's encoder: the only file that imports dns2. It also
// makes the queries devdns asks itself (doctor) and reads the answers, which come from devdns.
// Our own reader (wire.ts) decodes queries, so dns2's parser never sees untrusted bytes. Where
// dns2's encoder needs help, it gets it here:
//   - IPv4-mapped IPv6 in dotted form ("::ffff:1.2.3.4") is mis-encoded; we pass hex groups.
//   - a question label that holds a dot is split by dns2; we copy the question bytes as sent.
//   - dns2 compresses SRV targets, which RFC 2782 forbids (newer c-ares rejects such answers);
//     an answer with SRV records is written without compression.
//   - dns2 has no truncation; we re-encode without records and set TC (RFC 2181 §9).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RecordData } from '../records/types.js';
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

function toDns2(record: ResourceRecord): Record<string, unknown> {
  return { name: record.name, type: QTYPE[record.data.type], class: CLASS_IN, ttl: record.ttl, ...rdataFields(record.data) };
}

export interface EncodeOptions {
  /** The most bytes the answer may take (UDP); larger answers go out truncated. */
  maxSize: number;
  /** The query's bytes, to copy its question section (bytes 12..questionEnd) into the answer. */
  query?: { bytes: Uint8Array; questionEnd: number; dottedLabel: boolean };
}

function encodePacket(response: Response, truncated: boolean, compress: boolean): Buffer {
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
    packet.questions.push({ name: response.question.name, type: response.question.type, class: response.question.class });
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
  const writer = new Packet.Writer();
  if (!compress) writer.names = {};
  return packet.toBuffer(writer);
}

/**
 * The response's bytes; over `maxSize` it is sent with TC=1 and no records but OPT.
 * `compressed` says whether names were written with compression pointers (the fast path can
 * reuse such bytes for the same question in another letter case).
 */
export function encodeResponse(response: Response, { maxSize, query }: EncodeOptions): { bytes: Buffer; compressed: boolean } {
  const copyQuestion = query?.dottedLabel === true && response.question !== undefined;
  const hasSrv = [response.answer, response.authority, response.additional].some((section) =>
    section.some((record) => record.data.type === 'SRV'),
  );
  const compress = !copyQuestion && !hasSrv;
  let bytes = encodePacket(response, false, compress);
  if (bytes.length > maxSize) bytes = encodePacket(response, true, compress);
  if (copyQuestion && query) {
    // Same length: a dotted label "a.b" is one length byte and three octets either way.
    bytes.set(query.bytes.subarray(12, query.questionEnd), 12);
  }
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
