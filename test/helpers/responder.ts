// The responder as the DNS tests observe it: the full path alone, and a cache that counts its hits.
import { type CacheLevel, type Exchange, Responder, type ResponderOptions } from '../../src/dns/respond.js';
import type { Transport } from '../../src/dns/transport.js';
import type { ZoneIndex } from '../../src/dns/zone-index.js';

/** One exchange the full way, with nothing cached: what every reply from the cache must equal. */
export function respondUncached(index: ZoneIndex, bytes: Uint8Array, transport: Transport): Exchange {
  return new Responder(index, { maxEntries: 0 }).respond(bytes, transport);
}

/** A table that counts the lookups it answers. */
class CountingMap<Value> extends Map<string, Value> {
  constructor(private readonly onHit: () => void) {
    super();
  }

  override get(key: string): Value | undefined {
    const value = super.get(key);
    if (value !== undefined) this.onHit();
    return value;
  }
}

/** A responder whose replies from each level of the cache are counted in `hits`. */
export function countingResponder(
  index: ZoneIndex,
  options: Omit<ResponderOptions, 'newTable'> = {},
): { responder: Responder; hits: Record<CacheLevel, number> } {
  const hits: Record<CacheLevel, number> = { exact: 0, byQuestion: 0 };
  const newTable = <Value>(level: CacheLevel) => new CountingMap<Value>(() => hits[level]++);
  return { responder: new Responder(index, { ...options, newTable }), hits };
}
