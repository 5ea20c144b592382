/**
 * The status view of the current snapshot, built once: the status page, `/api/v1/sessions` and
 * their refreshes all read the same one until the next poll cycle (or until the snapshot turns
 * stale, which the view shows). Building it, serializing it and rendering the page cost time in
 * proportion to the sessions; per request, a few clients refreshing the page at 10,000 sessions
 * kept the event loop busy for seconds, and a poll timed out behind them.
 */
import { randomBytes } from 'node:crypto';
import { buildStatusView, type StatusView, type StatusViewInput } from './view.js';

/** Renderings of one view kept at most (page sections per filter). */
const MAX_RENDERINGS = 32;

/** One built view, with what is derived from it made once too. */
export class CachedStatusView {
  readonly view: StatusView;
  /** An entity tag for HTTP: the same for as long as this view is served. */
  readonly etag: string;
  #json: Buffer | undefined;
  readonly #renderings = new Map<string, string>();

  constructor(view: StatusView, etag: string) {
    this.view = view;
    this.etag = etag;
  }

  /** The view as JSON (`GET /api/v1/sessions`), serialized on first use. */
  json(): Buffer {
    this.#json ??= Buffer.from(JSON.stringify(this.view));
    return this.#json;
  }

  /** `render()` of this view under `key`, made on first use; only the last MAX_RENDERINGS keys are kept. */
  rendered(key: string, render: () => string): string {
    let text = this.#renderings.get(key);
    if (text === undefined) {
      text = render();
      if (this.#renderings.size >= MAX_RENDERINGS) this.#renderings.delete(this.#renderings.keys().next().value as string);
      this.#renderings.set(key, text);
    }
    return text;
  }
}

/** Builds the view on demand and keeps it while its snapshot, its freshness and the stall threshold stay the same. */
export class StatusViewCache {
  readonly #input: () => Omit<StatusViewInput, 'nowMs'>;
  readonly #now: () => number;
  // Told apart from the tags of an earlier process, which a client may still hold.
  readonly #tagPrefix = randomBytes(4).toString('hex');
  #builds = 0;
  #entry: { key: readonly unknown[]; cached: CachedStatusView } | undefined;

  /** `input` is read at each request: the snapshot and settings in effect now. */
  constructor(input: () => Omit<StatusViewInput, 'nowMs'>, now: () => number = Date.now) {
    this.#input = input;
    this.#now = now;
  }

  /** Views built so far. */
  get builds(): number {
    return this.#builds;
  }

  /** The view to serve now. */
  current(): CachedStatusView {
    const input = this.#input();
    const nowMs = this.#now();
    const { snapshot, maxStalenessMs } = input;
    const fresh = snapshot !== undefined && (maxStalenessMs === undefined || nowMs - snapshot.completedMs <= maxStalenessMs);
    const key = [snapshot, fresh, input.stalledAfterMs];
    const entry = this.#entry;
    if (entry !== undefined && key.every((part, i) => part === entry.key[i])) return entry.cached;
    this.#builds += 1;
    const cached = new CachedStatusView(buildStatusView({ ...input, nowMs }), `"${this.#tagPrefix}-${this.#builds}"`);
    this.#entry = { key, cached };
    return cached;
  }

  /** Drops the view (a new snapshot replaces it): the next request builds one, and until then none is held. */
  clear(): void {
    this.#entry = undefined;
  }
}
