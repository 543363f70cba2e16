// The cache of forwarded answers: TTLs counted down, negative and stale answers as RFC 2308 and
// RFC 8767 say, and the bounds in entries and bytes; its slots and slab chunks used again after
// entries go, and its byte count held to what the heap holds.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AnswerCache, type AnswerToCache, type CacheLimits, questionKey, STALE_TTL } from '../../src/forward/answer-cache.js';

const LIMITS: CacheLimits = { maxEntries: 100, maxBytes: 1 << 20, maxTtl: 86_400, maxNegativeTtl: 3_600, staleFor: 86_400 };

/** A message of `size` bytes with TTLs at offsets 10 and 30. */
function answer(ttls: [number, number], options: { size?: number; negative?: boolean } = {}): AnswerToCache {
  const message = new Uint8Array(options.size ?? 64).fill(0xab);
  const view = new DataView(message.buffer);
  view.setUint32(10, ttls[0]);
  view.setUint32(30, ttls[1]);
  return { message, ttlOffsets: [10, 30], ttl: Math.min(...ttls), negative: options.negative ?? false };
}

const ttlsOf = (message: Uint8Array) => [10, 30].map((offset) => new DataView(message.buffer, message.byteOffset).getUint32(offset));

describe('AnswerCache', () => {
  let clock: number;
  let cache: AnswerCache;
  beforeEach(() => {
    clock = 1_000_000;
    cache = new AnswerCache(LIMITS, () => clock);
  });

  it('keys questions without ASCII case (RFC 4343), and by type and class', () => {
    const question = (name: string, type: number, octets: number[] = []) =>
      Uint8Array.from([
        ...name.split('.').flatMap((label) => [label.length, ...Buffer.from(label, 'latin1')]),
        ...octets,
        0,
        0,
        type,
        0,
        1,
      ]);
    assert.equal(questionKey(question('WWW.Example.COM', 1)), questionKey(question('www.example.com', 1)));
    assert.notEqual(questionKey(question('www.example.com', 1)), questionKey(question('www.example.com', 28)));
    // Only A-Z fold: octets past ASCII are compared as they are.
    assert.notEqual(questionKey(question('x', 1, [1, 0xc1])), questionKey(question('x', 1, [1, 0xe1])));
    assert.equal(questionKey(question('x', 1)).length, question('x', 1).length);
  });

  it('counts each TTL down by the whole seconds kept, and leaves the rest of the message as it was', () => {
    const kept = answer([300, 60]);
    cache.set('k', kept);
    clock += 10_999;
    const hit = cache.get('k');
    assert.ok(hit);
    assert.deepEqual(ttlsOf(hit.message), [290, 50]);
    assert.equal(hit.stale, false);
    assert.equal(hit.ttlLeft, 50);
    assert.deepEqual([...hit.message.subarray(0, 10)], [...kept.message.subarray(0, 10)]);
    // The caller's message and the kept one are copies: a hit's rewrite reaches neither.
    assert.deepEqual(ttlsOf(kept.message), [300, 60]);
    clock += 1_000;
    assert.deepEqual(ttlsOf(cache.get('k')?.message ?? new Uint8Array(64)), [289, 49]);
  });

  it('misses once the smallest TTL is over, but serves stale for staleFor when asked, with TTL 30 (RFC 8767)', () => {
    cache.set('k', answer([300, 60]));
    clock += 60_000;
    assert.equal(cache.get('k'), undefined);
    const stale = cache.get('k', { stale: true });
    assert.ok(stale);
    assert.equal(stale.stale, true);
    assert.deepEqual(ttlsOf(stale.message), [STALE_TTL, STALE_TTL]);
    clock += LIMITS.staleFor * 1000;
    assert.equal(cache.get('k', { stale: true }), undefined);
    assert.equal(cache.stats().entries, 0);
  });

  it('caps positive and negative answers at their limits; keeps nothing with TTL 0', () => {
    cache.set('pos', answer([1_000_000, 1_000_000]));
    cache.set('neg', answer([7_200, 7_200], { negative: true }));
    cache.set('zero', answer([0, 30]));
    assert.equal(cache.get('zero'), undefined);
    clock += LIMITS.maxNegativeTtl * 1000;
    assert.equal(cache.get('neg'), undefined);
    assert.ok(cache.get('pos'));
    clock += (LIMITS.maxTtl - LIMITS.maxNegativeTtl) * 1000;
    assert.equal(cache.get('pos'), undefined);
  });

  it('keeps to its entries and bytes, the least recently used going first', () => {
    const small = new AnswerCache({ ...LIMITS, maxEntries: 3 }, () => clock);
    for (const key of ['a', 'b', 'c']) small.set(key, answer([60, 60]));
    small.get('a');
    small.set('d', answer([60, 60]));
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((key) => small.get(key) !== undefined),
      [true, false, true, true],
    );
    const bounded = new AnswerCache({ ...LIMITS, maxBytes: 3_000 }, () => clock);
    for (let i = 0; i < 20; i++) bounded.set(`k${i}`, answer([60, 60], { size: 512 }));
    assert.ok(bounded.stats().bytes <= 3_000, String(bounded.stats().bytes));
    assert.ok(bounded.get('k19'));
    assert.equal(bounded.get('k0'), undefined);
    // One answer larger than the whole cache is not kept, and pushes nothing out.
    bounded.set('huge', answer([60, 60], { size: 4_000 }));
    assert.equal(bounded.get('huge'), undefined);
    assert.ok(bounded.get('k19'));
  });

  it('keeps nothing whose TTL offsets lie outside its message', () => {
    cache.set('k', { ...answer([60, 60]), ttlOffsets: [10, 61] });
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.stats().bytes, 0);
  });

  it('replaces an answer under the same key, flushes, and counts hits, stale hits and misses', () => {
    cache.set('k', answer([60, 60]));
    cache.set('k', answer([120, 120]));
    assert.equal(cache.stats().entries, 1);
    assert.deepEqual(ttlsOf(cache.get('k')?.message ?? new Uint8Array(64)), [120, 120]);
    clock += 121_000;
    cache.get('k', { stale: true });
    cache.get('missing');
    cache.flush();
    assert.equal(cache.get('k'), undefined);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, hits: 1, staleHits: 1, misses: 2 });
  });

  it('uses the slots and slab chunks of entries gone again, each message kept whole as others move', () => {
    const small = new AnswerCache({ ...LIMITS, maxEntries: 50 }, () => clock);
    /** A message saying which it is in every byte but its TTLs. */
    const numbered = (n: number, size: number): AnswerToCache => {
      const kept = answer([60, 60], { size });
      kept.message.fill(n % 251, 0, 10);
      kept.message.fill(n % 251, 14, 30);
      return kept;
    };
    const sizes = [40, 64, 100, 300];
    for (let n = 0; n < 5_000; n++) {
      small.set(`k${n}`, numbered(n, sizes[n % sizes.length] as number));
      // Entries go from the middle too, not only the oldest.
      if (n % 7 === 0) small.delete(`k${n - 20}`);
    }
    const left = Array.from({ length: 5_000 }, (_, n) => n).filter((n) => small.get(`k${n}`) !== undefined);
    assert.equal(left.length, small.stats().entries);
    assert.ok(left.length >= 40 && left.length <= 50, String(left.length));
    for (const n of left) {
      const hit = small.get(`k${n}`);
      assert.equal(hit?.message.length, sizes[n % sizes.length]);
      assert.deepEqual([...(hit?.message.subarray(0, 10) ?? [])], new Array(10).fill(n % 251), `k${n}`);
      assert.deepEqual(ttlsOf(hit?.message ?? new Uint8Array(64)), [60, 60]);
    }
    // Four size classes, each at most its chunks in use and two slabs to spare: not 5,000 messages.
    assert.ok(small.slabBytes() <= 4 * 2 * 32 * 1024, String(small.slabBytes()));
    small.flush();
    assert.equal(small.slabBytes(), 0);
    small.set('again', numbered(1, 64));
    assert.ok(small.get('again'));
  });

  it('counts each entry by the chunk it takes, so maxBytes bounds the slabs', () => {
    const bounded = new AnswerCache({ ...LIMITS, maxEntries: 100_000, maxBytes: 256 * 1024 }, () => clock);
    for (let i = 0; i < 10_000; i++) bounded.set(`k${i}`, answer([60, 60], { size: 50 + (i % 200) }));
    const { entries, bytes } = bounded.stats();
    assert.ok(bytes <= 256 * 1024, String(bytes));
    assert.ok(entries > (256 * 1024) / (320 + 192 + 6) && entries < (256 * 1024) / (64 + 192), String(entries));
    // What the chunks take is within the count; the slabs beyond it are at most two a size class.
    assert.ok(bounded.slabBytes() <= bytes + 30 * 2 * 32 * 1024, String(bounded.slabBytes()));
  });

  it('counts at least what the heap holds for its entries', () => {
    const collect = gc();
    const big = new AnswerCache({ ...LIMITS, maxEntries: 100_000, maxBytes: 1 << 30 }, () => clock);
    collect();
    const before = process.memoryUsage();
    // As a forwarded A answer is kept: its question's key, and a message of about 60 bytes.
    for (let i = 0; i < 100_000; i++)
      big.set(
        questionKey(Buffer.from(`\x06f${String(i).padStart(5, '0')}\x05bench\x07example\x00\x00\x01\x00\x01`, 'latin1')),
        answer([60, 60], { size: 56 + (i % 16) }),
      );
    collect();
    const after = process.memoryUsage();
    const held = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    const { bytes } = big.stats();
    assert.ok(held <= bytes, `the heap holds ${held} bytes for ${bytes} counted`);
    // And not so much more that maxBytes keeps the cache far smaller than it could be.
    assert.ok(bytes <= held * 2, `${bytes} bytes counted for ${held} held`);
    big.flush();
  });
});

/** The garbage collector, reached without a command-line flag. */
function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
