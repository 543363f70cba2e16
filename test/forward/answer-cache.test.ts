// The cache of forwarded answers: TTLs counted down, negative and stale answers as RFC 2308 and
// RFC 8767 say, and the bounds in entries and bytes.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AnswerCache, type AnswerToCache, type CacheLimits, cacheKey, STALE_TTL } from '../../src/forward/answer-cache.js';

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

  it('keys names without case (RFC 4343)', () => {
    assert.equal(cacheKey('WWW.Example.COM', 1, 1), cacheKey('www.example.com', 1, 1));
    assert.notEqual(cacheKey('www.example.com', 1, 1), cacheKey('www.example.com', 28, 1));
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
    assert.deepEqual(hit.message.subarray(0, 10), kept.message.subarray(0, 10));
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
});
