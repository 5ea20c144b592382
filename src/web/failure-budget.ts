/**
 * Failed basic-auth attempts allowed per client address: a token bucket of `capacity` attempts,
 * one more every `refillMs`. Each bcrypt verification costs the event loop tens of milliseconds,
 * so a client that keeps guessing is answered 429 without one instead of being verified again.
 */

/** The per-client allowance of failed attempts. */
export interface FailureBudgetOptions {
  /** Failed attempts a client may make at once. */
  readonly capacity: number;
  /** One more attempt every this many ms. */
  readonly refillMs: number;
  /** Clients remembered; the longest-unseen is forgotten first. */
  readonly maxClients: number;
  readonly now?: () => number;
}

/** The defaults: 10 failures at once, then one every 6 s (10 a minute), for up to 10,000 addresses. */
export const DEFAULT_FAILURE_BUDGET: FailureBudgetOptions = { capacity: 10, refillMs: 6000, maxClients: 10_000 };

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Token buckets of failed attempts, one per client address. */
export class FailureBudget {
  readonly #options: FailureBudgetOptions;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: FailureBudgetOptions = DEFAULT_FAILURE_BUDGET) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one attempt from `client`'s allowance: 0 when there was one, else the ms until there is. */
  take(client: string): number {
    const bucket = this.#bucket(client);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) * this.#options.refillMs);
  }

  /** Gives back the attempt `take` charged, when it turned out not to be a failure. */
  refund(client: string): void {
    const bucket = this.#bucket(client);
    bucket.tokens = Math.min(this.#options.capacity, bucket.tokens + 1);
  }

  #bucket(client: string): Bucket {
    const now = this.#now();
    const { capacity, refillMs, maxClients } = this.#options;
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      bucket = { tokens: capacity, atMs: now };
      if (this.#buckets.size >= maxClients) this.#buckets.delete(this.#buckets.keys().next().value as string);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.atMs) / refillMs);
      bucket.atMs = now;
      // Re-inserted so the map's order is least recently seen first.
      this.#buckets.delete(client);
    }
    this.#buckets.set(client, bucket);
    return bucket;
  }
}
