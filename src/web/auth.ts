/**
 * HTTP basic authentication against bcrypt hashes (`basic_auth_users`), as exporter-toolkit does
 * it: an unknown user costs the same bcrypt work as a known one (a dummy hash of the highest cost
 * in use), and verdicts are cached per (user, hash, password) so a scrape every few seconds does
 * not pay for bcrypt each time. The cache keys are HMACs under a per-process random key, so the
 * cache never holds a password.
 *
 * bcrypt runs on the event loop, so what wrong passwords can cost is bounded: one check at a time,
 * a short queue, and a budget of failed attempts per client address (failure-budget.ts); past
 * either the answer is 429 without a check. Credentials already verified skip all three, so a
 * flood does not lock out the scraper that knows the password.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import pLimit from 'p-limit';
import { DEFAULT_FAILURE_BUDGET, FailureBudget, type FailureBudgetOptions } from './failure-budget.js';

const CACHE_LIMIT = 256;
/** The password of the dummy hash an unknown user is checked against; exported so a test can prove it admits no one. */
export const DUMMY_PASSWORD = 'sf-upload-exporter-dummy-password';

/**
 * `Basic` and standard base64 with its padding and nothing after it, as Go's `Request.BasicAuth`
 * (exporter-toolkit) reads it: Node's decoder would stop at the first `=` and ignore what follows.
 */
const BASIC = /^Basic\s+((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)\s*$/i;

/** The user and password of an `Authorization: Basic` header, or undefined. */
export function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : BASIC.exec(header);
  if (match === null) return undefined;
  // Stryker disable next-line StringLiteral: the group always takes part in a match (perhaps empty), so the fallback is never used
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function costOf(hash: string): number {
  return Number(/^\$2[abxy]?\$(\d\d)\$/.exec(hash)?.[1] ?? 10);
}

/** What `verify` found. */
export type AuthVerdict =
  | { readonly result: 'ok' }
  | { readonly result: 'denied' }
  /** Refused without checking: the client used up its failed attempts, or too many checks wait already. */
  | { readonly result: 'throttled'; readonly retryAfterSeconds: number };

const OK: AuthVerdict = { result: 'ok' };
const DENIED: AuthVerdict = { result: 'denied' };

/**
 * bcrypt checks at once. bcryptjs computes on the event loop in slices of up to 100 ms; with one
 * check at a time, everything else (`/-/healthy`, scrapes with cached credentials) waits for at most
 * one slice, where 50 interleaved checks made it wait for 50.
 */
const CONCURRENT_CHECKS = 1;
/** Checks allowed to wait for their turn; more are answered 429 at once instead of queueing without bound. */
const MAX_WAITING_CHECKS = 16;

/** A bounded set, least recently used first. */
class RecentKeys {
  readonly #keys = new Set<string>();
  constructor(readonly limit: number) {}

  has(key: string): boolean {
    if (!this.#keys.delete(key)) return false;
    this.#keys.add(key);
    return true;
  }

  add(key: string): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound decides only what is remembered; a verdict forgotten is checked again, with the same result
    if (this.#keys.size >= this.limit) this.#keys.delete(this.#keys.values().next().value as string);
    this.#keys.add(key);
  }
}

/** Checks basic-auth credentials against a set of bcrypt hashes; see the module comment for what it bounds. */
export class BasicAuthenticator {
  readonly #cacheKey = randomBytes(32);
  // Apart, so that a flood of wrong passwords can never push the real ones out of the cache.
  readonly #successes = new RecentKeys(CACHE_LIMIT);
  readonly #failures = new RecentKeys(CACHE_LIMIT);
  readonly #dummies = new Map<number, Promise<string>>();
  readonly #checks = pLimit(CONCURRENT_CHECKS);
  readonly #budget: FailureBudget;

  constructor(options: { budget?: FailureBudgetOptions } = {}) {
    this.#budget = new FailureBudget(options.budget ?? DEFAULT_FAILURE_BUDGET);
  }

  /** Prepares the dummy hash for `users` now, so the first unknown user is not slower than a known one. */
  // Stryker disable next-line BlockStatement: warming only moves the dummy hash's cost to start-up; verify makes it when missing
  warm(users: Readonly<Record<string, string>>): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: as above, and with no users nobody is checked
    if (Object.keys(users).length > 0) void this.#dummy(dummyCost(users));
  }

  /**
   * Checks `user`/`password` from `client` (its address) against `users`. Credentials that passed
   * before are admitted from the cache; anything else is charged to the client's failed-attempt
   * budget (refunded on success) and, unless that failure is cached, costs one bcrypt check of the
   * same cost for known and unknown users.
   */
  async verify(users: Readonly<Record<string, string>>, user: string, password: string, client: string): Promise<AuthVerdict> {
    const known = Object.hasOwn(users, user);
    const hash = known ? (users[user] as string) : await this.#dummy(dummyCost(users));
    const key = createHmac('sha256', this.#cacheKey).update(JSON.stringify([user, hash, password])).digest('base64');
    if (this.#successes.has(key)) return OK;
    const waitMs = this.#budget.take(client);
    if (waitMs > 0) return { result: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    // Stryker disable next-line ConditionalExpression: a cached failure saves the bcrypt check, which denies it again
    if (this.#failures.has(key)) return DENIED;
    if (this.#checks.pendingCount >= MAX_WAITING_CHECKS) {
      this.#budget.refund(client);
      return { result: 'throttled', retryAfterSeconds: 1 };
    }
    const match = await this.#checks(() => bcrypt.compare(password, hash));
    if (known && match) {
      this.#budget.refund(client);
      this.#successes.add(key);
      return OK;
    }
    this.#failures.add(key);
    return DENIED;
  }

  #dummy(cost: number): Promise<string> {
    let hash = this.#dummies.get(cost);
    // Stryker disable next-line ConditionalExpression: a new dummy hash for every unknown user costs time and denies the same
    if (hash === undefined) {
      hash = bcrypt.hash(DUMMY_PASSWORD, cost);
      this.#dummies.set(cost, hash);
    }
    return hash;
  }
}

/** The cost of the dummy hash an unknown user is checked against: the highest in use, so no known user is slower. */
export function dummyCost(users: Readonly<Record<string, string>>): number {
  return Math.max(...Object.values(users).map(costOf));
}
