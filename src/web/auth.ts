/**
 * HTTP basic authentication against bcrypt hashes (`basic_auth_users`), as exporter-toolkit does
 * it: an unknown user costs the same bcrypt work as a known one (a dummy hash of the highest cost
 * in use), and verdicts are cached per (user, hash, password) so a scrape every few seconds does
 * not pay for bcrypt each time. The cache keys are HMACs under a per-process random key, so the
 * cache never holds a password.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';

const CACHE_LIMIT = 256;
const DUMMY_PASSWORD = 'sf-upload-exporter-dummy-password';

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
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function costOf(hash: string): number {
  return Number(/^\$2[abxy]?\$(\d\d)\$/.exec(hash)?.[1] ?? 10);
}

/** Checks basic-auth credentials against a set of bcrypt hashes. */
export class BasicAuthenticator {
  readonly #cacheKey = randomBytes(32);
  readonly #cache = new Map<string, boolean>();
  readonly #dummies = new Map<number, Promise<string>>();

  /** Whether `user`/`password` match `users`; always does bcrypt work unless the verdict is cached. */
  async verify(users: Readonly<Record<string, string>>, user: string, password: string): Promise<boolean> {
    const known = Object.hasOwn(users, user);
    const hash = known ? (users[user] as string) : await this.#dummy(Math.max(10, ...Object.values(users).map(costOf)));
    const key = createHmac('sha256', this.#cacheKey).update(JSON.stringify([user, hash, password])).digest('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const match = await bcrypt.compare(password, hash);
    const verdict = known && match;
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, verdict);
    return verdict;
  }

  #dummy(cost: number): Promise<string> {
    let hash = this.#dummies.get(cost);
    if (hash === undefined) {
      hash = bcrypt.hash(DUMMY_PASSWORD, cost);
      this.#dummies.set(cost, hash);
    }
    return hash;
  }
}
