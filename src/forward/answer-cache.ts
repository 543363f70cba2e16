// The cache of forwarded answers: each kept as the wire message the upstream sent (without its ID),
// so a hit costs a copy and a TTL rewrite, not an encode; bounded in entries and in bytes, the
// least recently used going first. Positive answers live for their smallest TTL (capped at
// maxTtl), negative ones for what RFC 2308 §5 gives them (capped at maxNegativeTtl); once expired,
// an answer may still be served stale for staleFor seconds when no upstream answers (RFC 8767),
// with the TTL RFC 8767 §4 recommends. Pure: the clock is given.
//
// Laid out for a hundred thousand entries: an entry is a slot, a number indexing typed arrays
// (its times, its place in the LRU list, where its message is); its message, with the offsets of
// its TTLs after it, is a chunk of a shared slab (message-slabs.ts); the map holds one flat string
// a key and the slot. Nothing is allocated per entry but the key.
import { chunkBytes, MessageSlabs, sizeClass } from './message-slabs.js';

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

/**
 * What an entry costs beyond its message's chunk and its key's characters, on a 64-bit Node
 * without pointer compression: its slot in the typed arrays (37 bytes, up to twice that just
 * after they grow), its place in the keys array (8, and room to grow), the key string's header
 * (16, and up to 7 of rounding), and its share of the map's table (3 words an entry and half a
 * word of buckets, up to twice that just after it grows: 56). Those add up to 170 at worst; the
 * rest is margin. answer-cache.test.ts holds the count to what the heap holds.
 */
export const ENTRY_OVERHEAD_BYTES = 192;

/** The largest message a slot can say the length of; DNS's own bound is 65535 with the ID. */
const MAX_MESSAGE = 0xffff;
const INITIAL_SLOTS = 64;
const NONE = -1;

/**
 * The key of a question from its wire form (the question section as sent: name, type, class):
 * those octets, ASCII letters folded to lower case (RFC 4343), one character each, in a string
 * made flat at once, which a map can hash without copying it.
 */
export function questionKey(question: Uint8Array): string {
  const folded = Buffer.allocUnsafe(question.length);
  for (let i = 0; i < question.length; i++) {
    const octet = question[i] as number;
    folded[i] = octet >= 0x41 && octet <= 0x5a ? octet | 0x20 : octet;
  }
  return folded.toString('latin1');
}

export class AnswerCache {
  readonly #slots = new Map<string, number>();
  readonly #messages = new MessageSlabs();
  #capacity = 0;
  #keys: string[] = [];
  /** Milliseconds (this.now()) when kept. */
  #storedAt = new Float64Array(0);
  /** Seconds kept fresh. */
  #ttl = new Uint32Array(0);
  #sizeClass = new Uint8Array(0);
  #chunk = new Int32Array(0);
  #length = new Uint16Array(0);
  #ttlCount = new Uint16Array(0);
  /** The LRU list, oldest first; #next also links the free slots. */
  #prev = new Int32Array(0);
  #next = new Int32Array(0);
  #oldest = NONE;
  #newest = NONE;
  #free = NONE;
  /** Slots ever handed out: those from here on are free without being on the list. */
  #used = 0;
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
    const { message, ttlOffsets } = answer;
    const klass = sizeClass(message.length + 2 * ttlOffsets.length);
    const bytes = entryBytes(klass, key);
    if (ttl === 0 || bytes > this.limits.maxBytes || this.limits.maxEntries < 1) return;
    if (message.length > MAX_MESSAGE || ttlOffsets.length > MAX_MESSAGE) return;
    for (const offset of ttlOffsets) {
      if (!Number.isInteger(offset) || offset < 0 || offset + 4 > message.length) return;
    }
    while (this.#slots.size >= this.limits.maxEntries || this.#bytes + bytes > this.limits.maxBytes) this.#remove(this.#oldest);
    const slot = this.#slot();
    const chunk = this.#messages.take(klass, slot);
    const slab = this.#messages.slab(klass, chunk);
    const at = this.#messages.offset(klass, chunk);
    slab.set(message, at);
    // The offsets of the TTLs after the message, two octets each; the TTLs as sent stay in place.
    for (let i = 0, to = at + message.length; i < ttlOffsets.length; i++, to += 2) slab.writeUInt16BE(ttlOffsets[i] as number, to);
    this.#keys[slot] = flat(key);
    this.#storedAt[slot] = this.now();
    this.#ttl[slot] = ttl;
    this.#sizeClass[slot] = klass;
    this.#chunk[slot] = chunk;
    this.#length[slot] = message.length;
    this.#ttlCount[slot] = ttlOffsets.length;
    this.#append(slot);
    this.#slots.set(this.#keys[slot] as string, slot);
    this.#bytes += bytes;
  }

  /**
   * The answer under `key` while fresh; with `stale`, one expired less than staleFor ago too (for
   * when no upstream answers). Each call makes the entry the most recently used.
   */
  get(key: string, options: { stale?: boolean } = {}): CacheHit | undefined {
    const slot = this.#slots.get(key);
    const now = this.now();
    if (slot === undefined) {
      this.#misses++;
      return undefined;
    }
    const storedAt = this.#storedAt[slot] as number;
    const freshUntil = storedAt + (this.#ttl[slot] as number) * 1000;
    if (now >= freshUntil + this.limits.staleFor * 1000) {
      this.#remove(slot);
      this.#misses++;
      return undefined;
    }
    const stale = now >= freshUntil;
    if (stale && !options.stale) {
      this.#misses++;
      return undefined;
    }
    this.#unlink(slot);
    this.#append(slot);
    const elapsed = Math.floor((now - storedAt) / 1000);
    const klass = this.#sizeClass[slot] as number;
    const chunk = this.#chunk[slot] as number;
    const slab = this.#messages.slab(klass, chunk);
    const at = this.#messages.offset(klass, chunk);
    const length = this.#length[slot] as number;
    const message = Buffer.allocUnsafe(length);
    slab.copy(message, 0, at, at + length);
    for (let i = 0, count = this.#ttlCount[slot] as number, from = at + length; i < count; i++, from += 2) {
      const offset = slab.readUInt16BE(from);
      message.writeUInt32BE(stale ? STALE_TTL : Math.max(0, slab.readUInt32BE(at + offset) - elapsed), offset);
    }
    if (stale) this.#staleHits++;
    else this.#hits++;
    return { message, stale, ttlLeft: stale ? 0 : Math.ceil((freshUntil - now) / 1000) };
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) this.#remove(slot);
  }

  /** Forgets every answer (`devdns cache flush`); the counts stay. */
  flush(): void {
    this.#slots.clear();
    this.#messages.clear();
    this.#capacity = 0;
    this.#keys = [];
    this.#grow(0);
    this.#oldest = this.#newest = this.#free = NONE;
    this.#used = 0;
    this.#bytes = 0;
  }

  /** What `devdns status` shows. */
  stats(): { entries: number; bytes: number; hits: number; staleHits: number; misses: number } {
    return { entries: this.#slots.size, bytes: this.#bytes, hits: this.#hits, staleHits: this.#staleHits, misses: this.#misses };
  }

  /** The bytes of message slabs held (for tests: what the accounting must cover). */
  slabBytes(): number {
    return this.#messages.reservedBytes();
  }

  #remove(slot: number): void {
    const key = this.#keys[slot] as string;
    const klass = this.#sizeClass[slot] as number;
    this.#slots.delete(key);
    this.#bytes -= entryBytes(klass, key);
    const moved = this.#messages.give(klass, this.#chunk[slot] as number);
    if (moved !== undefined) this.#chunk[moved] = this.#chunk[slot] as number;
    this.#unlink(slot);
    this.#keys[slot] = '';
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  /** A free slot: one given back, else the next never used, the arrays grown when full. */
  #slot(): number {
    if (this.#free !== NONE) {
      const slot = this.#free;
      this.#free = this.#next[slot] as number;
      return slot;
    }
    if (this.#used === this.#capacity) this.#grow(Math.min(Math.max(INITIAL_SLOTS, this.#capacity * 2), this.limits.maxEntries));
    return this.#used++;
  }

  #grow(capacity: number): void {
    const grown = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(array: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(array.subarray(0, Math.min(array.length, capacity)));
      return next;
    };
    this.#storedAt = grown(this.#storedAt, (n) => new Float64Array(n));
    this.#ttl = grown(this.#ttl, (n) => new Uint32Array(n));
    this.#sizeClass = grown(this.#sizeClass, (n) => new Uint8Array(n));
    this.#chunk = grown(this.#chunk, (n) => new Int32Array(n));
    this.#length = grown(this.#length, (n) => new Uint16Array(n));
    this.#ttlCount = grown(this.#ttlCount, (n) => new Uint16Array(n));
    this.#prev = grown(this.#prev, (n) => new Int32Array(n));
    this.#next = grown(this.#next, (n) => new Int32Array(n));
    this.#capacity = capacity;
  }

  #append(slot: number): void {
    this.#prev[slot] = this.#newest;
    this.#next[slot] = NONE;
    if (this.#newest === NONE) this.#oldest = slot;
    else this.#next[this.#newest] = slot;
    this.#newest = slot;
  }

  #unlink(slot: number): void {
    const prev = this.#prev[slot] as number;
    const next = this.#next[slot] as number;
    if (prev === NONE) this.#oldest = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#newest = prev;
    else this.#prev[next] = prev;
  }
}

/** What an entry of size class `klass` under `key` is counted as. */
function entryBytes(klass: number, key: string): number {
  return chunkBytes(klass) + key.length + ENTRY_OVERHEAD_BYTES;
}

/**
 * `key` as a flat string of its own: one built by concatenation is a tree of pieces, and a map
 * would keep the whole tree. Made once, when an answer is kept.
 */
function flat(key: string): string {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0xff) return Buffer.from(key, 'utf16le').toString('utf16le');
  return Buffer.from(key, 'latin1').toString('latin1');
}
