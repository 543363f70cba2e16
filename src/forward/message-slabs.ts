// Where the answer cache keeps its messages: fixed-size chunks cut from shared slabs (one Buffer
// holding many chunks), a size class for each quarter of a power of two, so that a chunk wastes at
// most a fifth of itself. Each class stays packed: freeing a chunk moves the class's last chunk
// into the hole and says whose it was, so a class holds at most two slabs it does not fill, and
// memory follows the chunks in use, however the entries come and go. No object per message.

/** The smallest chunk, in bytes. */
const MIN_CHUNK = 32;
const MIN_SHIFT = 5;
/** A slab's size, for the chunks that fit in it; a larger chunk has a slab of its own. */
export const SLAB_BYTES = 32 * 1024;
const INITIAL_OWNERS = 16;

/** The size class of a chunk that holds `size` bytes: 0 for MIN_CHUNK, then four a power of two. */
export function sizeClass(size: number): number {
  if (size <= MIN_CHUNK) return 0;
  const shift = 31 - Math.clz32(size - 1);
  const quarter = 1 << (shift - 2);
  return (shift - MIN_SHIFT) * 4 + Math.ceil((size - (1 << shift)) / quarter);
}

/** The bytes of a chunk of class `klass`. */
export function chunkBytes(klass: number): number {
  if (klass === 0) return MIN_CHUNK;
  const shift = MIN_SHIFT + Math.floor((klass - 1) / 4);
  return (1 << shift) + (((klass - 1) % 4) + 1) * (1 << (shift - 2));
}

/** One size class: its slabs, the chunks in use (0..count-1, packed) and who owns each. */
interface SizeClass {
  chunk: number;
  perSlab: number;
  slabs: Buffer[];
  count: number;
  owners: Int32Array;
}

export class MessageSlabs {
  readonly #classes: Array<SizeClass | undefined> = [];
  #reserved = 0;

  /** Takes a chunk of class `klass` for `owner` (a number the caller knows it by); returns its index. */
  take(klass: number, owner: number): number {
    const size = this.#class(klass);
    const index = size.count;
    if (Math.floor(index / size.perSlab) >= size.slabs.length) {
      size.slabs.push(Buffer.alloc(size.perSlab * size.chunk));
      this.#reserved += size.perSlab * size.chunk;
    }
    if (index >= size.owners.length) {
      const owners = new Int32Array(size.owners.length * 2);
      owners.set(size.owners);
      size.owners = owners;
    }
    size.owners[index] = owner;
    size.count++;
    return index;
  }

  /**
   * Gives back chunk `index` of class `klass`. The class's last chunk moves into it: the return is
   * that chunk's owner, whose chunk is `index` from now on; undefined when nothing moved.
   */
  give(klass: number, index: number): number | undefined {
    const size = this.#classes[klass];
    if (size === undefined || index >= size.count) return undefined;
    const last = --size.count;
    let moved: number | undefined;
    if (index !== last) {
      const from = this.slab(klass, last);
      from.copy(this.slab(klass, index), this.offset(klass, index), this.offset(klass, last), this.offset(klass, last) + size.chunk);
      moved = size.owners[last] as number;
      size.owners[index] = moved;
    }
    // One empty slab is kept at the end, so that a class going to and fro across a slab's edge
    // does not allocate each time; a second goes.
    while (size.slabs.length * size.perSlab - size.count >= 2 * size.perSlab) {
      size.slabs.pop();
      this.#reserved -= size.perSlab * size.chunk;
    }
    return moved;
  }

  /** The slab that holds chunk `index` of class `klass`. */
  slab(klass: number, index: number): Buffer {
    const size = this.#classes[klass] as SizeClass;
    return size.slabs[Math.floor(index / size.perSlab)] as Buffer;
  }

  /** Where chunk `index` of class `klass` starts in its slab. */
  offset(klass: number, index: number): number {
    const size = this.#classes[klass] as SizeClass;
    return (index % size.perSlab) * size.chunk;
  }

  /** The bytes of slabs held, in use or not. */
  reservedBytes(): number {
    return this.#reserved;
  }

  /** Lets every slab go. */
  clear(): void {
    this.#classes.length = 0;
    this.#reserved = 0;
  }

  #class(klass: number): SizeClass {
    let size = this.#classes[klass];
    if (size === undefined) {
      const chunk = chunkBytes(klass);
      size = { chunk, perSlab: Math.max(1, Math.floor(SLAB_BYTES / chunk)), slabs: [], count: 0, owners: new Int32Array(INITIAL_OWNERS) };
      this.#classes[klass] = size;
    }
    return size;
  }
}
