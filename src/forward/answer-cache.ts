// The cache of forwarded answers: each kept as the wire message the upstream sent (without its ID),
// so a hit costs a copy and a TTL rewrite, not an encode; bounded in entries and in bytes, the
// least recently used going first. Positive answers live for their smallest TTL (capped at
// maxTtl), negative ones for what RFC 2308 §5 gives them (capped at maxNegativeTtl); once expired,
// an answer may still be served stale for staleFor seconds when no upstream answers (RFC 8767),
// with the TTL RFC 8767 §4 recommends. Pure: the clock is given.

/** RFC 8767 §4: the TTL of a stale answer, so that clients ask again soon. */
export const STALE_TTL = 30;

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
  /** Seconds: no answer is kept longer, whatever its TTL. */
  maxTtl: number;
  /** Seconds: the cap on a negative answer's life (RFC 2308 §5 suggests 1-3 hours). */
  maxNegativeTtl: number;
  /** Seconds after expiry during which an answer may be served stale (RFC 8767 §5: 1-3 days). */
  staleFor: number;
}

/** An answer to keep: the message from its flags on, and where each record's TTL is in it. */
export interface AnswerToCache {
  /** The message without its 2-byte ID. */
  message: Uint8Array;
  /** Offsets in `message` of each cached record's 4-byte TTL (not the OPT record's). */
  ttlOffsets: readonly number[];
  /** How long it may be served, in seconds: its smallest TTL, or its negative TTL. */
  ttl: number;
  negative: boolean;
}

export interface CacheHit {
  /** The message without its ID, each TTL lowered by the time it was kept (or STALE_TTL when stale). */
  message: Uint8Array;
  stale: boolean;
  /** Seconds of freshness left; 0 when stale. */
  ttlLeft: number;
}

interface Entry {
  message: Uint8Array;
  ttlOffsets: readonly number[];
  ttls: readonly number[];
  storedAt: number;
  freshUntil: number;
  staleUntil: number;
  bytes: number;
}

/** What an entry costs beyond its message and key: the entry, its arrays and the map's slot. */
const ENTRY_OVERHEAD_BYTES = 160;

/** The key of a question: names compare without case (RFC 4343). */
export function cacheKey(name: string, type: number, klass: number): string {
  return `${name.toLowerCase()}/${type}/${klass}`;
}

export class AnswerCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #hits = 0;
  #staleHits = 0;
  #misses = 0;

  constructor(
    private readonly limits: CacheLimits,
    /** Milliseconds, never going back (performance.now, say). */
    private readonly now: () => number,
  ) {}

  /** Keeps `answer` under `key`, replacing what was there; an answer that cannot be kept is not. */
  set(key: string, answer: AnswerToCache): void {
    this.delete(key);
    const cap = answer.negative ? this.limits.maxNegativeTtl : this.limits.maxTtl;
    const ttl = Math.min(Math.max(0, Math.floor(answer.ttl)), cap);
    const bytes = answer.message.length + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (ttl === 0 || bytes > this.limits.maxBytes || this.limits.maxEntries < 1) return;
    const view = new DataView(answer.message.buffer, answer.message.byteOffset, answer.message.byteLength);
    for (const offset of answer.ttlOffsets) {
      if (!Number.isInteger(offset) || offset < 0 || offset + 4 > answer.message.length) return;
    }
    const storedAt = this.now();
    const message = answer.message.slice();
    this.#entries.set(key, {
      message,
      ttlOffsets: [...answer.ttlOffsets],
      ttls: answer.ttlOffsets.map((offset) => view.getUint32(offset)),
      storedAt,
      freshUntil: storedAt + ttl * 1000,
      staleUntil: storedAt + (ttl + this.limits.staleFor) * 1000,
      bytes,
    });
    this.#bytes += bytes;
    this.#evict();
  }

  /**
   * The answer under `key` while fresh; with `stale`, one expired less than staleFor ago too (for
   * when no upstream answers). Each call makes the entry the most recently used.
   */
  get(key: string, options: { stale?: boolean } = {}): CacheHit | undefined {
    const entry = this.#entries.get(key);
    const now = this.now();
    if (entry === undefined || now >= entry.staleUntil) {
      if (entry !== undefined) this.delete(key);
      this.#misses++;
      return undefined;
    }
    const stale = now >= entry.freshUntil;
    if (stale && !options.stale) {
      this.#misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    const message = entry.message.slice();
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    entry.ttlOffsets.forEach((offset, i) => {
      view.setUint32(offset, stale ? STALE_TTL : Math.max(0, (entry.ttls[i] as number) - elapsed));
    });
    if (stale) this.#staleHits++;
    else this.#hits++;
    return { message, stale, ttlLeft: stale ? 0 : Math.ceil((entry.freshUntil - now) / 1000) };
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** Forgets every answer (`devdns cache flush`); the counts stay. */
  flush(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** What `devdns status` shows. */
  stats(): { entries: number; bytes: number; hits: number; staleHits: number; misses: number } {
    return { entries: this.#entries.size, bytes: this.#bytes, hits: this.#hits, staleHits: this.#staleHits, misses: this.#misses };
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.limits.maxEntries && this.#bytes <= this.limits.maxBytes) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
