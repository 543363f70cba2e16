// How many questions a second one client may send upstream through devdns: a token bucket per
// client address, so a runaway script cannot turn devdns into a flood at the upstream (or, with
// forward all, at every name's servers). Answers from the cache cost nothing. Bounded: the
// clients seen longest ago are forgotten first. Pure: the clock is given.

export interface RateLimitOptions {
  /** Upstream questions a second, on average. */
  perSecond: number;
  /** How many may come at once after a quiet spell. */
  burst: number;
  /** Clients remembered at most. */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class ClientRateLimit {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxClients: number;

  constructor(
    private readonly options: RateLimitOptions,
    /** Milliseconds, never going back. */
    private readonly now: () => number,
  ) {
    this.#maxClients = options.maxClients ?? 4096;
  }

  /** Takes one question's worth from `client`'s bucket; false when it is empty. */
  allow(client: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxClients) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      this.#buckets.set(client, { tokens: this.options.burst - 1, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond);
    bucket.at = now;
    // Most recently seen last, so the first is the one to forget.
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
