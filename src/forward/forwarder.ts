// Forwarding: a question the answering rules send upstream (an override's other types, or every
// name under `forward all`) is answered from the cache, or asked of the upstreams in turn within
// one deadline, and the reply fitted to the client. Identical questions in flight share one
// upstream query (with a bound on the clients waiting on it); the upstream that answered last is
// asked first; when none answers, an answer kept past its TTL is served stale (RFC 8767), else
// SERVFAIL, never later than the deadline, and the question is held as failed for a few seconds.
// The questions in flight are bounded, and so is each domain's share of them.
// The sockets are the transports' (udp-upstream.ts, tcp-upstream.ts, tls-upstream.ts,
// https-upstream.ts); this is the policy.
import { EDNS_UDP_PAYLOAD, RCODE } from '../dns/protocol.js';
import { type ForwardRequest, takeQueryHeader } from '../dns/respond.js';
import { AnswerCache, type CacheLimits, questionKey } from './answer-cache.js';
import { type HttpsClientOptions, type HttpsUpstream, HttpsUpstreamClient } from './https-upstream.js';
import { shapeReply, type TtlLimits } from './reply-shape.js';
import { queryTcp } from './tcp-upstream.js';
import { queryTls, type TlsUpstream } from './tls-upstream.js';
import { queryUdp, type Upstream, type UpstreamQuestion } from './udp-upstream.js';
import type { UpstreamSpec } from './upstream-spec.js';

/** How one upstream is asked: over UDP with a TCP retry on TC, or over a stream alone (DNS over TLS or HTTPS). */
export interface UpstreamTransport {
  /** How the upstream shows in logs and `status`: `192.0.2.53:53`. */
  label: string;
  ask(query: Uint8Array, question: UpstreamQuestion, timeoutMs: number): Promise<Uint8Array>;
  /** Asks again when a reply came back truncated; absent where the transport is a stream already. */
  retry?(query: Uint8Array, question: UpstreamQuestion, timeoutMs: number): Promise<Uint8Array>;
  /** Lets go of what the transport holds between questions (a connection); absent where it holds nothing. */
  close?(): void;
}

/** Plain DNS: UDP first, TCP when the reply is truncated (RFC 7766 §5). */
export function plainDns(upstream: Upstream): UpstreamTransport {
  return {
    label: upstream.host.includes(':') ? `[${upstream.host}]:${upstream.port}` : `${upstream.host}:${upstream.port}`,
    ask: (query, question, timeoutMs) => queryUdp(upstream, query, question, timeoutMs),
    retry: (query, question, timeoutMs) => queryTcp(upstream, query, question, timeoutMs),
  };
}

/** DNS over TLS: a stream already, so a reply is never truncated for size. */
export function dnsOverTls(upstream: TlsUpstream): UpstreamTransport {
  const target = upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host;
  return {
    label: `tls://${target}:${upstream.port}#${upstream.servername}`,
    ask: (query, question, timeoutMs) => queryTls(upstream, query, question, timeoutMs),
  };
}

/** DNS over HTTPS: one HTTP/2 connection, reused, and never a truncated reply. */
export function dnsOverHttps(upstream: HttpsUpstream, options: HttpsClientOptions = {}): UpstreamTransport {
  const target = upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host;
  const client = new HttpsUpstreamClient(upstream, options);
  return {
    label: `https://${target}:${upstream.port}${upstream.path}${upstream.servername === upstream.host ? '' : `#${upstream.servername}`}`,
    ask: (query, question, timeoutMs) => client.ask(query, question, timeoutMs),
    close: () => client.close(),
  };
}

/** The transport for an upstream as the `upstream` setting names it. */
export function transportFor(spec: Exclude<UpstreamSpec, { kind: 'auto' }>): UpstreamTransport {
  return spec.kind === 'tls' ? dnsOverTls(spec) : spec.kind === 'https' ? dnsOverHttps(spec) : plainDns(spec);
}

export type AnswerSource = 'upstream' | 'cache' | 'stale' | 'failed' | 'limited';

export interface Forwarded {
  reply: Buffer;
  source: AnswerSource;
  /** The upstream that answered (source 'upstream'). */
  upstream?: string;
  /** Seconds of freshness left (source 'cache'). */
  ttlLeft?: number;
}

export interface ForwarderOptions {
  upstreams: readonly UpstreamTransport[];
  /** The whole forwarding of one question, every upstream tried, ends within this (default 2 s). */
  timeoutMs?: number;
  cache?: Partial<CacheLimits>;
  /** Upstream questions at once at most; beyond, SERVFAIL at once (a flood must not open sockets without end). */
  maxInFlight?: number;
  /** Of those, the most for names under one domain (see domainOf): one silent domain cannot take them all. */
  maxInFlightPerDomain?: number;
  /** Clients waiting on one question in flight at most; beyond, SERVFAIL (or a stale answer) at once. */
  maxWaiters?: number;
  /** Milliseconds a question no upstream answered in time is answered SERVFAIL without asking (RFC 9520 §3.2). */
  failureHoldMs?: number;
  /** Milliseconds, never going back; performance.now by default. */
  now?: () => number;
}

export const DEFAULT_FORWARD_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_IN_FLIGHT = 256;
/** An eighth of the slots per domain: a storm at one blackholed domain leaves seven eighths to the rest. */
const IN_FLIGHT_SHARE = 8;
const DEFAULT_MAX_WAITERS = 64;
/**
 * How long a question that timed out at every upstream is held as failed: a few seconds, the
 * low end of what RFC 9520 §3.2 asks (at least 1 s, at most 5 min; RFC 2308 §7.1), so that a
 * client retrying in a loop does not ask again each time, and a real outage passes soon.
 */
export const DEFAULT_FAILURE_HOLD_MS = 5_000;
/** Failed questions held at most: a storm of names cannot grow the map without end. */
const MAX_FAILURES_HELD = 10_000;
/** One upstream's share of the deadline, at most: a silent one leaves time to ask the next. */
const PER_UPSTREAM_MS = 1_000;
/** Times round the upstreams at most, whatever the clock says. */
const MAX_ROUNDS = 3;
export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxEntries: 100_000,
  maxBytes: 48 * 1024 * 1024,
  maxTtl: 86_400,
  maxNegativeTtl: 3_600,
  staleFor: 86_400,
};

const HEADER_BYTES = 12;
/** An OPT record with no options: root owner, type, class (the UDP size), TTL (flags), RDLENGTH. */
const OPT_BYTES = 11;

/** What an upstream said, without its ID; undefined when every upstream failed. */
interface Resolved {
  message: Uint8Array;
  upstream: string;
  /** The upstream answered SERVFAIL, REFUSED or NOTIMP: passed on when nothing better is kept. */
  failed?: true;
}

export interface ForwarderStats {
  upstreams: Array<{ label: string; answered: number; failed: number }>;
  cache: ReturnType<AnswerCache['stats']>;
  inFlight: number;
}

export class Forwarder {
  readonly #upstreams: readonly UpstreamTransport[];
  readonly #timeoutMs: number;
  /** One upstream's share of the deadline, at most. */
  readonly #shareMs: number;
  readonly #maxInFlight: number;
  readonly #cache: AnswerCache;
  readonly #limits: TtlLimits;
  readonly #now: () => number;
  readonly #maxInFlightPerDomain: number;
  readonly #maxWaiters: number;
  readonly #failureHoldMs: number;
  readonly #inFlight = new Map<string, { pending: Promise<Resolved | undefined>; waiters: number }>();
  /** Questions in flight per domain (domainOf). */
  readonly #domains = new Map<string, number>();
  /** Questions that timed out at every upstream, and until when (this.#now()) they are answered SERVFAIL. */
  readonly #failures = new Map<string, number>();
  readonly #health: Array<{ answered: number; failed: number }>;
  /** The upstream asked first: the one that answered last. */
  #preferred = 0;

  constructor(options: ForwarderOptions) {
    this.#upstreams = options.upstreams;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
    // A longer deadline is shared out over the rounds, so that it is used, not cut at MAX_ROUNDS shares.
    this.#shareMs = Math.max(PER_UPSTREAM_MS, Math.ceil(this.#timeoutMs / (Math.max(1, options.upstreams.length) * MAX_ROUNDS)));
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.#maxInFlightPerDomain = options.maxInFlightPerDomain ?? Math.max(1, Math.floor(this.#maxInFlight / IN_FLIGHT_SHARE));
    this.#maxWaiters = options.maxWaiters ?? DEFAULT_MAX_WAITERS;
    this.#failureHoldMs = options.failureHoldMs ?? DEFAULT_FAILURE_HOLD_MS;
    this.#now = options.now ?? (() => performance.now());
    const limits = { ...DEFAULT_CACHE_LIMITS, ...options.cache };
    this.#cache = new AnswerCache(limits, this.#now);
    this.#limits = { maxTtl: limits.maxTtl, maxNegativeTtl: limits.maxNegativeTtl };
    this.#health = this.#upstreams.map(() => ({ answered: 0, failed: 0 }));
  }

  /**
   * The reply to `message` (the client's query, as sent), which the answering rules sent upstream.
   * `admit` is asked before a question goes upstream (not for a cached answer or one in flight):
   * false answers REFUSED at once (a client over its rate).
   */
  async forward(message: Uint8Array, request: ForwardRequest, admit: () => boolean = () => true): Promise<Forwarded> {
    return this.forwardNow(message, request, admit);
  }

  /**
   * forward(), but the reply itself when it needs no upstream (a cached answer, a refusal, a
   * question held as failed or with no room in flight): a cache hit is answered in the same turn
   * of the event loop, without a promise to wait on.
   */
  forwardNow(message: Uint8Array, request: ForwardRequest, admit: () => boolean = () => true): Forwarded | Promise<Forwarded> {
    const { question } = request.query;
    if (question === undefined) return { reply: failure(message, request, RCODE.SERVFAIL), source: 'failed' };
    const key = questionKey(message.subarray(HEADER_BYTES, request.questionEnd));
    const hit = this.#cache.get(key);
    if (hit) return { reply: fitted(hit.message, message, request), source: 'cache', ttlLeft: hit.ttlLeft };
    if (this.#heldAsFailed(key)) return this.#failed(key, message, request);
    let flight = this.#inFlight.get(key);
    if (flight === undefined) {
      if (!admit()) return { reply: failure(message, request, RCODE.REFUSED), source: 'limited' };
      const domain = domainOf(question.name);
      const busy = this.#domains.get(domain) ?? 0;
      if (this.#inFlight.size >= this.#maxInFlight || busy >= this.#maxInFlightPerDomain || this.#upstreams.length === 0)
        return this.#failed(key, message, request);
      const pending = this.#resolve(key, message.subarray(HEADER_BYTES, request.questionEnd), question);
      flight = { pending, waiters: 0 };
      this.#inFlight.set(key, flight);
      this.#domains.set(domain, busy + 1);
      void pending.finally(() => {
        this.#inFlight.delete(key);
        const left = (this.#domains.get(domain) ?? 1) - 1;
        if (left > 0) this.#domains.set(domain, left);
        else this.#domains.delete(domain);
      });
    } else if (flight.waiters >= this.#maxWaiters) {
      return this.#failed(key, message, request);
    }
    flight.waiters++;
    return this.#answered(flight.pending, key, message, request);
  }

  /** The reply once the question in flight is resolved: the upstream's, else a stale one or SERVFAIL. */
  async #answered(pending: Promise<Resolved | undefined>, key: string, message: Uint8Array, request: ForwardRequest): Promise<Forwarded> {
    const resolved = await pending;
    if (resolved === undefined) return this.#failed(key, message, request);
    // The upstream's own servers failing is the case stale answers are for (RFC 8767 §1).
    if (resolved.failed) {
      const stale = this.#cache.get(key, { stale: true });
      if (stale) return { reply: fitted(stale.message, message, request), source: 'stale' };
    }
    return { reply: fitted(resolved.message, message, request), source: 'upstream', upstream: resolved.upstream };
  }

  /** Lets go of the upstreams' connections, when the daemon stops. */
  close(): void {
    for (const upstream of this.#upstreams) upstream.close?.();
  }

  /** Forgets every cached answer (`devdns cache flush`), and the questions held as failed. */
  flush(): void {
    this.#cache.flush();
    this.#failures.clear();
  }

  /** Whether `key` timed out at every upstream a moment ago; an expired hold is forgotten. */
  #heldAsFailed(key: string): boolean {
    const until = this.#failures.get(key);
    if (until === undefined) return false;
    if (this.#now() < until) return true;
    this.#failures.delete(key);
    return false;
  }

  #holdAsFailed(key: string): void {
    if (this.#failureHoldMs <= 0) return;
    this.#failures.delete(key);
    // The oldest hold goes first: the map keeps the order they were made in.
    if (this.#failures.size >= MAX_FAILURES_HELD) this.#failures.delete(this.#failures.keys().next().value as string);
    this.#failures.set(key, this.#now() + this.#failureHoldMs);
  }

  stats(): ForwarderStats {
    return {
      upstreams: this.#upstreams.map((upstream, i) => ({
        label: upstream.label,
        ...(this.#health[i] as { answered: number; failed: number }),
      })),
      cache: this.#cache.stats(),
      inFlight: this.#inFlight.size,
    };
  }

  /** No upstream answered: a stale answer while there is one, else SERVFAIL. */
  #failed(key: string, message: Uint8Array, request: ForwardRequest): Forwarded {
    const stale = this.#cache.get(key, { stale: true });
    if (stale) return { reply: fitted(stale.message, message, request), source: 'stale' };
    return { reply: failure(message, request, RCODE.SERVFAIL), source: 'failed' };
  }

  /** Asks the upstreams in turn, the preferred first, until one answers or the deadline passes. */
  async #resolve(key: string, questionBytes: Uint8Array, question: UpstreamQuestion): Promise<Resolved | undefined> {
    // The query upstream: a fresh header (the transport sets a random ID), RD set, the question as
    // the client spelled it, and no EDNS, so no OPT comes back to a client that sent none. AD set,
    // so that an upstream that validates says so (RFC 6840 §5.7): passed on to clients that ask.
    const query = Buffer.alloc(HEADER_BYTES + questionBytes.length);
    query.writeUInt16BE(0x0120, 2);
    query.writeUInt16BE(1, 4);
    query.set(questionBytes, HEADER_BYTES);
    const deadline = this.#now() + this.#timeoutMs;
    let lastFailure: Resolved | undefined;
    // Round the upstreams, the preferred first, until one answers or the deadline: with one
    // upstream, a lost datagram is sent again after its share of the time.
    for (let tried = 0; tried < this.#upstreams.length * MAX_ROUNDS; tried++) {
      const index = (this.#preferred + tried) % this.#upstreams.length;
      const upstream = this.#upstreams[index] as UpstreamTransport;
      const health = this.#health[index] as { answered: number; failed: number };
      const left = deadline - this.#now();
      if (left <= 0) break;
      const outcome = await this.#ask(upstream, query, question, Math.min(left, this.#shareMs), deadline);
      if (outcome === undefined || outcome.kind === 'failed') {
        health.failed++;
        if (outcome?.kind === 'failed') lastFailure = outcome.resolved;
        // An upstream that said SERVFAIL or REFUSED says it again at once: each is asked once for that.
        if (lastFailure !== undefined && tried + 1 >= this.#upstreams.length) break;
        continue;
      }
      health.answered++;
      this.#preferred = index;
      if (outcome.cacheable) this.#cache.set(key, outcome.cacheable);
      return outcome.resolved;
    }
    // Every upstream failed to answer well: SERVFAIL (or REFUSED) from one is passed on, not cached;
    // silence from all of them is held for a few seconds, so a storm of retries is not asked again.
    if (lastFailure === undefined) this.#holdAsFailed(key);
    return lastFailure;
  }

  /** One upstream, with a TCP retry on TC; undefined when it gave nothing usable. */
  async #ask(
    upstream: UpstreamTransport,
    query: Uint8Array,
    question: UpstreamQuestion,
    timeoutMs: number,
    deadline: number,
  ): Promise<
    | { kind: 'answered'; resolved: Resolved; cacheable: Parameters<AnswerCache['set']>[1] | undefined }
    | { kind: 'failed'; resolved: Resolved }
    | undefined
  > {
    try {
      let reply = await within(upstream.ask(query, question, timeoutMs), timeoutMs);
      let shaped = shapeReply(reply, this.#limits);
      if (shaped?.truncated && upstream.retry) {
        const left = deadline - this.#now();
        if (left <= 0) return undefined;
        reply = await within(upstream.retry(query, question, Math.min(left, this.#shareMs)), left);
        shaped = shapeReply(reply, this.#limits);
      }
      if (shaped === undefined) return undefined;
      const resolved = { message: shaped.message.subarray(2), upstream: upstream.label };
      // SERVFAIL, REFUSED, NOTIMP: this upstream cannot answer; the next may.
      if (shaped.rcode !== RCODE.NOERROR && shaped.rcode !== RCODE.NXDOMAIN)
        return { kind: 'failed', resolved: { ...resolved, failed: true } };
      const keep = !shaped.truncated && shaped.inChain && shaped.ttl > 0;
      const cacheable = keep
        ? {
            message: resolved.message,
            ttlOffsets: shaped.ttlOffsets.map((offset) => offset - 2),
            ttl: shaped.ttl,
            negative: shaped.negative,
          }
        : undefined;
      return { kind: 'answered', resolved, cacheable };
    } catch {
      return undefined;
    }
  }
}

/**
 * The domain a name counts against for its share of the questions in flight: its last two labels
 * (`a.b.example.com` -> `example.com`). Without the public suffix list this lumps `co.uk` names
 * together, which errs on the side of the other domains.
 */
export function domainOf(name: string): string {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  return labels.slice(-2).join('.');
}

/** `promise`, or a rejection after `ms`: a transport's own deadline is not taken on trust. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms + 50);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * A reply for the client from a message without its ID (rebuilt by shapeReply: AA clear, RA set):
 * the client's ID, its RD and CD bits, AD only when it asked, and
 * its spelling of the question (the same octets but for letter case: the cache key folds case);
 * over UDP, a reply larger than the client takes goes as TC=1 with the question alone.
 */
function fitted(withoutId: Uint8Array, query: Uint8Array, request: ForwardRequest): Buffer {
  const length = withoutId.length + 2;
  // Room for devdns's OPT record at once, when the client sent EDNS (withEdns).
  const whole = Buffer.allocUnsafe(request.query.edns === undefined ? length : length + OPT_BYTES);
  const reply = whole.subarray(0, length);
  reply.set(withoutId, 2);
  takeQueryHeader(reply, query);
  // AD only to a client that said it understands it, with AD or DO (RFC 6840 §5.7, §5.8).
  if (((query[3] ?? 0) & 0x20) === 0 && request.query.edns?.dnssecOk !== true) reply[3] = (reply[3] ?? 0) & ~0x20;
  const questionBytes = query.subarray(HEADER_BYTES, request.questionEnd);
  if (reply.length >= request.questionEnd) reply.set(questionBytes, HEADER_BYTES);
  const withOpt = withEdns(reply, request, whole);
  if (withOpt.length <= request.maxSize) return withOpt;
  return headerOnly(query, request, (reply[3] ?? 0) & 0x0f, true);
}

/**
 * A reply to a client that sent EDNS carries devdns's OPT record (RFC 6891 §6.1.1): its UDP size,
 * 1232, and the client's DO bit; to one that sent none, none.
 */
function withEdns(reply: Buffer, request: ForwardRequest, room?: Buffer): Buffer {
  const edns = request.query.edns;
  if (edns === undefined) return reply;
  // `room`: a buffer that starts with `reply` and has OPT_BYTES more, so the OPT goes in place.
  const out = room !== undefined && room.length === reply.length + OPT_BYTES ? room : Buffer.allocUnsafe(reply.length + OPT_BYTES);
  if (out !== room) reply.copy(out);
  const at = reply.length;
  out.fill(0, at, at + OPT_BYTES);
  out[at + 2] = 41;
  out.writeUInt16BE(EDNS_UDP_PAYLOAD, at + 3);
  if (edns.dnssecOk) out[at + 7] = 0x80;
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/** An answer with no records: the client's ID and question, QR and RA set, RD copied; TC when asked. */
function headerOnly(query: Uint8Array, request: ForwardRequest, rcode: number, truncated: boolean): Buffer {
  const reply = Buffer.alloc(request.questionEnd);
  reply.set(query.subarray(0, request.questionEnd));
  reply[2] = 0x80 | (truncated ? 0x02 : 0) | ((query[2] ?? 0) & 0x01);
  reply[3] = 0x80 | ((query[3] ?? 0) & 0x10) | (rcode & 0x0f);
  reply.writeUInt16BE(1, 4);
  reply.writeUInt32BE(0, 6);
  reply.writeUInt16BE(0, 10);
  return withEdns(reply, request);
}

function failure(query: Uint8Array, request: ForwardRequest, rcode: number): Buffer {
  return headerOnly(query, request, rcode, false);
}

/** REFUSED for a question that would go upstream, to a client that may not have it forwarded. */
export function refusedReply(query: Uint8Array, request: ForwardRequest): Buffer {
  const reply = failure(query, request, RCODE.REFUSED);
  // Recursion is not available to this client (RFC 5358): RA clear.
  reply[3] = (reply[3] ?? 0) & ~0x80;
  return reply;
}
