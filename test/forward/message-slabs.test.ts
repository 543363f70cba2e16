// The answer cache's message store: size classes that fit every message with little to spare,
// chunks taken and given back with each class kept packed (the last chunk moved into a hole, its
// owner told), and slabs let go as a class shrinks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkBytes, MessageSlabs, SLAB_BYTES, sizeClass } from '../../src/forward/message-slabs.js';

describe('sizeClass', () => {
  it('gives the smallest class that holds the size, wasting at most a fifth of the chunk', () => {
    for (let size = 1; size <= 70_000; size++) {
      const klass = sizeClass(size);
      assert.ok(chunkBytes(klass) >= size, `size ${size}: class ${klass} holds ${chunkBytes(klass)}`);
      if (klass > 0) assert.ok(chunkBytes(klass - 1) < size, `size ${size}: class ${klass - 1} holds it`);
      if (size > 32) assert.ok(size > chunkBytes(klass) * 0.8, `size ${size} in ${chunkBytes(klass)}`);
    }
  });

  it('steps a quarter of a power of two at a time', () => {
    const cases: Array<[number, number]> = [
      [1, 32],
      [32, 32],
      [33, 40],
      [64, 64],
      [65, 80],
      [100, 112],
      [512, 512],
      [516, 640],
      [65_535, 65_536],
    ];
    for (const [size, chunk] of cases) assert.equal(chunkBytes(sizeClass(size)), chunk, `size ${size}`);
  });
});

describe('MessageSlabs', () => {
  const write = (slabs: MessageSlabs, klass: number, index: number, fill: number) =>
    slabs.slab(klass, index).fill(fill, slabs.offset(klass, index), slabs.offset(klass, index) + chunkBytes(klass));
  const read = (slabs: MessageSlabs, klass: number, index: number) => slabs.slab(klass, index)[slabs.offset(klass, index)];

  it('moves the last chunk into the one given back, and says whose it was', () => {
    const slabs = new MessageSlabs();
    const klass = sizeClass(64);
    for (let owner = 0; owner < 5; owner++) assert.equal(slabs.take(klass, 100 + owner), owner);
    for (let index = 0; index < 5; index++) write(slabs, klass, index, 10 + index);
    assert.equal(slabs.give(klass, 1), 104);
    assert.equal(read(slabs, klass, 1), 14);
    // The last chunk given back moves nothing; the next taken is the one after those in use.
    assert.equal(slabs.give(klass, 3), undefined);
    assert.equal(slabs.take(klass, 200), 3);
  });

  it('holds slabs as the chunks in use need, and one to spare', () => {
    const slabs = new MessageSlabs();
    const klass = sizeClass(1000);
    const perSlab = Math.floor(SLAB_BYTES / chunkBytes(klass));
    const slab = perSlab * chunkBytes(klass);
    for (let owner = 0; owner < perSlab * 4; owner++) slabs.take(klass, owner);
    assert.equal(slabs.reservedBytes(), 4 * slab);
    for (let left = perSlab * 4; left > perSlab; left--) slabs.give(klass, 0);
    assert.equal(slabs.reservedBytes(), 2 * slab);
    // A chunk larger than a slab has a slab of its own.
    const large = sizeClass(SLAB_BYTES * 2);
    slabs.take(large, 0);
    assert.equal(slabs.reservedBytes(), 2 * slab + chunkBytes(large));
    slabs.clear();
    assert.equal(slabs.reservedBytes(), 0);
  });
});
