// One DNS exchange: query bytes in, reply bytes out (or nothing, for what must not be answered).
// read -> answer -> encode, with the size limit of the transport. The Responder keeps encoded
// replies at two levels, both emptied when the records change:
// - exact: plain queries (no EDNS options) keyed by their bytes after the header, as sent. A
//   repeat costs one map lookup and a copy with the ID and the RD/CD bits patched in; nothing is
//   parsed, since the same bytes read the same way.
// - by question: the question with letter case folded (RFC 4343), EDNS version, DO and the size
//   limit, for the other spellings of a question and for queries with EDNS options (cookies);
//   the question's own spelling is patched in too.
// Either way the reply is exactly the bytes the full path would give.
import { type AnswerPolicy, chaseTarget, decide, type ForwardRule } from './answer.js';
import { encodeResponse } from './encode.js';
import { CLASSIC_UDP_PAYLOAD, EDNS_UDP_PAYLOAD, type EdnsInfo, type Query, type Question, type Response } from './protocol.js';
import type { Transport } from './transport.js';
import { readQuery } from './wire.js';
import type { ZoneIndex } from './zone-index.js';

export interface Exchange {
  /** Undefined when the message is dropped unanswered. */
  reply: Buffer | undefined;
  /** The question as sent; undefined when the message had none that could be read. */
  question: Question | undefined;
  /** Undefined when the message is dropped unanswered. */
  response: Response | undefined;
  /** Why the message was dropped. */
  dropped?: string;
  /** Why the query was answered FORMERR. */
  malformed?: string;
  /** A question for an upstream: no reply is made here (reply and response are undefined, but for a chase). */
  forward?: ForwardRequest;
  /**
   * With a response: whether it is an override zone's (the question's name lies in one), known
   * when the answer was made, so that telling it costs a cache hit nothing.
   */
  override?: boolean;
}

/** A query the answering rules send upstream, with what a forwarder needs to ask and to reply. */
export interface ForwardRequest {
  query: Query;
  /** Where the question section ends in the message: bytes 12..questionEnd are the question as sent. */
  questionEnd: number;
  /** Why it goes upstream: an override's type or name the records leave out, or `forward all`. */
  rule: ForwardRule;
  /** The most a reply may take over this transport (the client's UDP size, or 65535 over TCP). */
  maxSize: number;
  /**
   * Set when the records answered, but their CNAME chain leaves devdns at `target` (chaseTarget):
   * the question for upstream is the target's, joined to `local`. A client devdns does not
   * forward for gets `local` as it is (the Exchange's reply).
   */
  chase?: { target: string; local: Response };
}

/**
 * How many times its query's size a UDP reply may be, once past 512 bytes. A UDP reply goes to
 * whatever address the query claims to come from, so its size over the query's is what a forged
 * query buys (RFC 5358). The client's EDNS size (RFC 6891 §6.2.3) is the most it can take, not a
 * size a server must fill; an answer over our limit goes out with TC=1 and no records (RFC 2181
 * §9), and the client asks again over TCP (RFC 7766 §5), where the full answer is sent. 512 bytes
 * is always allowed, as every DNS client takes it (RFC 1035 §4.2.1): so the worst case is 512
 * bytes for the smallest question in a zone, 22 bytes for `test` itself, about 23 times, and an
 * EDNS query (33 bytes at least) gets at most 512 bytes too unless it is over 51 bytes.
 */
export const UDP_AMPLIFICATION = 10;

/**
 * The UDP size a reply may take: 512 without EDNS; the client's size clamped to 512..1232 with
 * it; and at most UDP_AMPLIFICATION times the query's bytes, never below 512.
 */
export function udpLimit(edns: EdnsInfo | undefined, queryBytes = Number.POSITIVE_INFINITY): number {
  const client = edns ? Math.min(Math.max(edns.udpSize, CLASSIC_UDP_PAYLOAD), EDNS_UDP_PAYLOAD) : CLASSIC_UDP_PAYLOAD;
  return Math.min(client, Math.max(CLASSIC_UDP_PAYLOAD, UDP_AMPLIFICATION * queryBytes));
}

const TCP_MESSAGE_LIMIT = 65535;
const HEADER_BYTES = 12;
/** An OPT record without options: root owner, type, class, TTL, RDLENGTH 0. */
const BARE_OPT_BYTES = 11;
/** A plain query's question (at most 255 + 4 octets) and a bare OPT record fit in this. */
const MAX_EXACT_TAIL = 255 + 4 + BARE_OPT_BYTES;
const DEFAULT_CACHE_ENTRIES = 10_000;
/** TCP replies run to 64 KiB: the entries alone would not bound the memory. */
const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;

interface Cached {
  bytes: Buffer;
  /** The question as sent (the exact level only: there it is the same for every hit). */
  question: Question | undefined;
  response: Response;
  /** The answer is an override zone's (Exchange.override). */
  override: boolean;
}

/** The two levels of the cache (see the top of this file). */
export type CacheLevel = 'exact' | 'byQuestion';

export interface ResponderOptions {
  /** Replies kept at most; 0 keeps none, so every query takes the full path. */
  maxEntries?: number;
  /** The bytes of the replies kept at most. */
  maxBytes?: number;
  /** Makes each table of a level; by default a plain Map (a test passes one that counts its hits). */
  newTable?: <Value>(level: CacheLevel) => Map<string, Value>;
  /** Where names outside devdns's zones go; by default they are REFUSED. */
  policy?: AnswerPolicy;
}

const newMap = <Value>() => new Map<string, Value>();

/** The question section as a key, ASCII letters folded (RFC 4343), type and class included. */
function questionKey(bytes: Uint8Array, end: number): string {
  let key = '';
  for (let i = HEADER_BYTES; i < end; i++) {
    const byte = bytes[i] ?? 0;
    key += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);
  }
  return key;
}

/** Gives `reply`, in place, the query's ID and its RD (0x0100) and CD (0x0010) bits: a kept reply made the client's. */
export function takeQueryHeader(reply: Buffer, query: Uint8Array): Buffer {
  reply[0] = query[0] ?? 0;
  reply[1] = query[1] ?? 0;
  reply[2] = ((reply[2] ?? 0) & ~0x01) | ((query[2] ?? 0) & 0x01);
  reply[3] = ((reply[3] ?? 0) & ~0x10) | ((query[3] ?? 0) & 0x10);
  return reply;
}

/** A copy of a cached reply with the query's ID, RD and CD. */
function patched(cached: Buffer, query: Uint8Array): Buffer {
  const reply = Buffer.allocUnsafe(cached.length);
  reply.set(cached);
  return takeQueryHeader(reply, query);
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class Responder {
  /** By transport and additional count: [udp + 0, udp + 1, tcp + 0, tcp + 1]. */
  private readonly exact: Array<Map<string, Cached>>;
  private readonly byQuestion: Map<string, Cached>;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private policy: AnswerPolicy;
  private entries = 0;
  private bytes = 0;

  constructor(
    private index: ZoneIndex,
    options: ResponderOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.policy = options.policy ?? { forwardAll: false };
    const newTable = options.newTable ?? newMap;
    this.exact = [0, 1, 2, 3].map(() => newTable<Cached>('exact'));
    this.byQuestion = newTable<Cached>('byQuestion');
  }

  /** New records (and the policy with them, when given): the replies made from the old ones go. */
  setIndex(index: ZoneIndex, policy?: AnswerPolicy): void {
    this.index = index;
    if (policy !== undefined) this.policy = policy;
    this.clear();
  }

  get cachedReplies(): number {
    return this.entries;
  }

  /** The bytes of the cached replies. */
  get cachedBytes(): number {
    return this.bytes;
  }

  respond(bytes: Uint8Array, transport: Transport): Exchange {
    const message = asBuffer(bytes);
    const exact = this.exactTable(message, transport);
    const exactKey = exact ? message.toString('latin1', HEADER_BYTES) : '';
    const hit = exact?.get(exactKey);
    if (hit) {
      return { reply: patched(hit.bytes, message), question: hit.question, response: hit.response, override: hit.override };
    }

    const read = readQuery(message);
    if (read.kind === 'drop') return { reply: undefined, question: undefined, response: undefined, dropped: read.reason };
    const { query, questionEnd } = read;
    const { question } = query;
    const maxSize = transport === 'tcp' ? TCP_MESSAGE_LIMIT : udpLimit(query.edns, message.length);
    const sound = query.malformed === undefined && query.opcode === 0 && question !== undefined;
    const byQuestion = sound;
    const key = byQuestion
      ? `${questionKey(message, questionEnd)}|${query.edns ? `${query.edns.version}.${query.edns.dnssecOk ? 1 : 0}` : '-'}|${maxSize}`
      : '';
    const known = byQuestion ? this.byQuestion.get(key) : undefined;
    // Exact: any sound plain query, since the same bytes always get the same reply.
    const exactToo = exact !== undefined && sound && message.length - questionEnd === (query.edns ? BARE_OPT_BYTES : 0);
    if (known) {
      const reply = patched(known.bytes, message);
      reply.set(message.subarray(HEADER_BYTES, questionEnd), HEADER_BYTES);
      if (exactToo) this.remember(exact, exactKey, reply, question, known);
      return { reply, question, response: known.response, override: known.override };
    }

    const decision = decide(this.index, query, this.policy);
    // Never kept here: an upstream's answer changes without the records changing.
    if (decision.kind === 'forward') {
      return { reply: undefined, question, response: undefined, forward: { query, questionEnd, rule: decision.rule, maxSize } };
    }
    const { response, override } = decision;
    const encoded = encodeResponse(response, { maxSize });
    // A chain for the daemon to follow upstream: never kept, as the forwarded part changes on its own.
    const target = this.policy.recursion === true ? chaseTarget(this.index, query, response) : undefined;
    if (target !== undefined) {
      const chase = query.recursionDesired ? { target, local: response } : undefined;
      const forward = chase && { query, questionEnd, rule: 'override' as const, maxSize, chase };
      return { reply: encoded.bytes, question, response, override, ...(forward ? { forward } : {}) };
    }
    if (exactToo) this.remember(exact, exactKey, encoded.bytes, question, decision);
    // By question: only compressed replies, where every later use of the name points at the question.
    // Its question is not kept: each hit has its own spelling, read from the query.
    if (byQuestion && encoded.compressed) this.remember(this.byQuestion, key, encoded.bytes, undefined, decision);
    if (query.malformed !== undefined) return { reply: encoded.bytes, question, response, override, malformed: query.malformed };
    return { reply: encoded.bytes, question, response, override };
  }

  /** The exact table a message may be in: a standard query, one question, nothing else but an OPT. */
  private exactTable(message: Buffer, transport: Transport): Map<string, Cached> | undefined {
    if (message.length < HEADER_BYTES || message.length > HEADER_BYTES + MAX_EXACT_TAIL) return undefined;
    // QR and OPCODE zero; QDCOUNT 1; ANCOUNT and NSCOUNT 0; ARCOUNT 0 or 1.
    if ((message[2] ?? 0) & 0xf8 || message[4] !== 0 || message[5] !== 1) return undefined;
    if (message[6] !== 0 || message[7] !== 0 || message[8] !== 0 || message[9] !== 0 || message[10] !== 0) return undefined;
    const additional = message[11] ?? 0;
    if (additional > 1) return undefined;
    return this.exact[(transport === 'tcp' ? 2 : 0) + additional];
  }

  /** Full: everything goes, and the questions asked from now on fill it again. */
  private remember(
    table: Map<string, Cached>,
    key: string,
    reply: Buffer,
    question: Question | undefined,
    { response, override }: Pick<Cached, 'response' | 'override'>,
  ): void {
    if (this.maxEntries === 0 || reply.length > this.maxBytes || table.has(key)) return;
    if (this.entries >= this.maxEntries || this.bytes + reply.length > this.maxBytes) this.clear();
    this.entries++;
    this.bytes += reply.length;
    // A copy: the reply itself goes to the socket.
    table.set(key, { bytes: Buffer.from(reply), question: question && { ...question }, response, override });
  }

  private clear(): void {
    for (const table of this.exact) table.clear();
    this.byQuestion.clear();
    this.entries = 0;
    this.bytes = 0;
  }
}
