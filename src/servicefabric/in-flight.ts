/**
 * What cancels one request to a cluster: the caller's signal (shutdown) or the request's own
 * deadline. Each request gets a short-lived AbortController whose signal is what its transport
 * (http.ts) aborts on.
 *
 * The caller's signal is never handed to ky: ky composes it with its own with AbortSignal.any, and
 * on Node 20 a signal composed with a long-lived one (the poller's, alive for the whole process) is
 * never freed, a leak of every request (found by the soak test; Node 24 does not leak). Nor is a
 * listener added to it per request: that was a visible share of a 10,000-path cycle's CPU. One
 * listener per caller signal aborts every request held under it.
 */

/** The request's own deadline passed; recognised by class, never shown. */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/**
 * The requests in flight under one caller signal, each in a slot that is emptied when it settles
 * and reused by a later one. Not a Set: with an add and a delete per request, a long-lived Set kept
 * every request's objects (controller, headers, parsed body) alive through young-generation
 * collections, which copied and promoted them: 34 MB promoted per 10,000-path cycle and 130 ms of
 * collection, against 2.6 MB and 35 ms with slots (`--trace-gc-nvp`). V8 rebuilds a Set's table
 * as it fills with deleted entries, and the discarded tables still point at what they held.
 */
class Held {
  readonly #slots: Array<AbortController | undefined> = [];
  readonly #free: number[] = [];

  /** Holds `controller` until `release` of the slot returned. */
  hold(controller: AbortController): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = controller;
    return slot;
  }

  /** Empties `slot` for a later request. */
  release(slot: number): void {
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  /** Aborts every request held. */
  abortAll(reason: unknown): void {
    for (const each of this.#slots) each?.abort(reason);
  }
}

const heldBy = new WeakMap<AbortSignal, Held>();

function heldOn(signal: AbortSignal): Held {
  let held = heldBy.get(signal);
  if (held === undefined) {
    const created = new Held();
    held = created;
    heldBy.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        heldBy.delete(signal);
        created.abortAll(signal.reason);
      },
      { once: true },
    );
  }
  return held;
}

/**
 * One request's cancellation: `signal` aborts when the caller's signal does or the deadline passes.
 * The deadline counts from the start and covers the whole exchange, headers and body.
 */
export class InFlight {
  readonly #controller = new AbortController();
  readonly #held: Held | undefined;
  readonly #slot: number;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  /** Holds the request under `caller` (if given) until `settle()`, and arms its `timeoutMs` deadline. */
  constructor(caller: AbortSignal | undefined, timeoutMs: number) {
    this.#held = caller ? heldOn(caller) : undefined;
    this.#slot = this.#held?.hold(this.#controller) ?? -1;
    this.#timeoutMs = timeoutMs;
    this.#arm();
  }

  /** The signal the transport aborts on. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once the deadline has aborted the request. */
  get timedOut(): boolean {
    return this.#controller.signal.reason instanceof DeadlineExceeded;
  }

  /** Starts the clock again: the time spent before the request is sent (a token) is not the request's. */
  restartClock(): void {
    if (this.#settled || this.#controller.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#arm();
  }

  /** Stops the deadline and lets go of the caller's signal. */
  settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#held?.release(this.#slot);
  }

  #arm(): void {
    this.#timer = setTimeout(() => this.#controller.abort(new DeadlineExceeded()), this.#timeoutMs);
  }
}
