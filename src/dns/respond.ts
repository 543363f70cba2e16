// One DNS exchange: query bytes in, reply bytes out (or nothing, for what must not be answered).
// read -> answer -> encode, with the size limit of the transport. The Responder keeps the encoded
// replies of plain questions, keyed by the question (letter case folded), EDNS and size limit:
// a repeated question costs a map lookup and a copy with the ID, RD/CD bits and the question's
// own spelling patched in, and gives exactly the bytes the full path would.
import { answerQuery } from './answer.js';
import { encodeResponse } from './encode.js';
import { CLASSIC_UDP_PAYLOAD, EDNS_UDP_PAYLOAD, type EdnsInfo, type Query, type Response } from './protocol.js';
import { readQuery } from './wire.js';
import type { ZoneIndex } from './zone-index.js';

export type Transport = 'udp' | 'tcp';

export interface Exchange {
  /** Undefined when the message is dropped unanswered. */
  reply: Buffer | undefined;
  query: Query | undefined;
  response: Response | undefined;
  /** Why the message was dropped. */
  dropped?: string;
}

/** The UDP size a reply may take: 512 without EDNS; the client's size clamped to 512..1232 with it. */
export function udpLimit(edns: EdnsInfo | undefined): number {
  if (!edns) return CLASSIC_UDP_PAYLOAD;
  return Math.min(Math.max(edns.udpSize, CLASSIC_UDP_PAYLOAD), EDNS_UDP_PAYLOAD);
}

const TCP_MESSAGE_LIMIT = 65535;
/** Header bits copied from the query into the reply: RD (0x0100) and CD (0x0010). */
const COPIED_FLAGS = 0x0110;
const DEFAULT_CACHE_ENTRIES = 10_000;

interface Cached {
  bytes: Buffer;
  response: Response;
}

/** The question section as a key, ASCII letters folded (RFC 4343), type and class included. */
function questionKey(bytes: Uint8Array, end: number): string {
  let key = '';
  for (let i = 12; i < end; i++) {
    const byte = bytes[i] ?? 0;
    key += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);
  }
  return key;
}

export class Responder {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private index: ZoneIndex,
    private readonly maxEntries = DEFAULT_CACHE_ENTRIES,
  ) {}

  /** New records: the replies made from the old ones go. */
  setIndex(index: ZoneIndex): void {
    this.index = index;
    this.cache.clear();
  }

  get cachedReplies(): number {
    return this.cache.size;
  }

  respond(bytes: Uint8Array, transport: Transport): Exchange {
    const read = readQuery(bytes);
    if (read.kind === 'drop') return { reply: undefined, query: undefined, response: undefined, dropped: read.reason };
    const { query } = read;
    const maxSize = transport === 'tcp' ? TCP_MESSAGE_LIMIT : udpLimit(query.edns);
    const cacheable = query.malformed === undefined && query.opcode === 0 && query.question !== undefined && !read.dottedLabel;
    const key = cacheable
      ? `${questionKey(bytes, read.questionEnd)}|${query.edns ? `${query.edns.version}.${query.edns.dnssecOk ? 1 : 0}` : '-'}|${maxSize}`
      : '';
    const hit = cacheable ? this.cache.get(key) : undefined;
    if (hit) {
      const reply = Buffer.allocUnsafe(hit.bytes.length);
      hit.bytes.copy(reply);
      reply[0] = bytes[0] ?? 0;
      reply[1] = bytes[1] ?? 0;
      const queryFlags = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
      const flags = (reply.readUInt16BE(2) & ~COPIED_FLAGS) | (queryFlags & COPIED_FLAGS);
      reply.writeUInt16BE(flags, 2);
      reply.set(bytes.subarray(12, read.questionEnd), 12);
      return { reply, query, response: hit.response };
    }
    const response = answerQuery(this.index, query);
    const encoded = encodeResponse(response, { maxSize, query: { bytes, questionEnd: read.questionEnd, dottedLabel: read.dottedLabel } });
    // Only compressed replies: there every later use of the question's name points at it.
    if (cacheable && encoded.compressed && this.maxEntries > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(key, { bytes: Buffer.from(encoded.bytes), response });
    }
    return { reply: encoded.bytes, query, response };
  }
}

/** One exchange without the cache: the full path, every time. */
export function respond(index: ZoneIndex, bytes: Uint8Array, transport: Transport): Exchange {
  return new Responder(index, 0).respond(bytes, transport);
}
