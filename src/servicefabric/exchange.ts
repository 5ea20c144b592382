/**
 * One GET through undici's dispatcher API, with the body read under a byte limit as it arrives.
 *
 * The poller used ky over the global fetch: a profile of a 10,000-path cycle showed about 1 ms of
 * CPU per request, most of it fetch's WHATWG machinery (Request/Headers objects, web streams,
 * composed abort signals) and the garbage it leaves; the dispatcher API does the same exchange on
 * the same keep-alive pool for a fraction of that, and its handler sees the reason phrase
 * (`statusText`), which undici's `request()` would drop.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** The outcome of a bounded read: the bytes, or the fact that there were too many. */
export type BoundedBody = { readonly tooLarge: false; readonly bytes: Uint8Array } | { readonly tooLarge: true };

/** An answer: status line, headers and the body, or the fact that it exceeded its limit. */
export interface Exchanged {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: BoundedBody;
}

/** What to send and how much to read. */
export interface ExchangeOptions {
  /** `scheme://host:port`. */
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The caller's signal: aborting rejects with its reason. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole exchange, body included: then it rejects with `DeadlineExceeded`. */
  readonly timeoutMs: number;
  /** Most body bytes kept for an answer with this status; a longer body ends the exchange as `tooLarge`. */
  readonly limitFor: (status: number) => number;
}

/** The exchange's own deadline passed; recognised by class, never shown. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** Why we cut an answer short ourselves; recognised by identity. */
class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** What the shared abort listener calls. */
interface Abortable {
  abort(reason: unknown): void;
}

/**
 * The exchanges in flight under one caller signal, each in a slot that is emptied when it settles
 * and reused by a later one. Not a Set: with an add and a delete per request, a long-lived Set kept
 * every request's objects (handler, headers, parsed body) alive through young-generation
 * collections, which copied and promoted them: 34 MB promoted per 10,000-path cycle and 130 ms of
 * collection, against 2.6 MB and 35 ms with slots (`--trace-gc-nvp`). V8 rebuilds a Set's table
 * as it fills with deleted entries, and the discarded tables still point at what they held.
 */
class InFlight {
  readonly #slots: Array<Abortable | undefined> = [];
  readonly #free: number[] = [];

  /** Holds `exchange` until `release` of the slot returned. */
  hold(exchange: Abortable): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = exchange;
    return slot;
  }

  /** Empties `slot` for a later exchange. */
  release(slot: number): void {
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  /** Aborts every exchange held; each releases its slot as it settles. */
  abortAll(reason: unknown): void {
    for (const each of this.#slots) each?.abort(reason);
  }
}

/**
 * The in-flight exchanges per caller signal, and the one listener that aborts them all. The poller
 * passes the same long-lived signal to every request; adding and removing an EventTarget listener
 * per request was a visible share of a 10,000-path cycle's CPU, a slot is not.
 */
const inFlight = new WeakMap<AbortSignal, InFlight>();

function inFlightOn(signal: AbortSignal): InFlight {
  let waiting = inFlight.get(signal);
  if (waiting === undefined) {
    const created = new InFlight();
    waiting = created;
    inFlight.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        inFlight.delete(signal);
        created.abortAll(signal.reason);
      },
      { once: true },
    );
  }
  return waiting;
}

/**
 * One exchange's state and its dispatch handler in one object: a closure per callback, per request,
 * was garbage the collector had to chase at thousands of requests per second.
 */
class Exchange implements Dispatcher.DispatchHandler, Abortable {
  readonly #options: ExchangeOptions;
  readonly #resolve: (answer: Exchanged) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #waiting: InFlight | undefined;
  readonly #slot: number;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #statusText = '';
  #headers: IncomingHttpHeaders = {};
  #limit = 0;
  #total = 0;
  readonly #chunks: Buffer[] = [];
  #settled = false;

  constructor(options: ExchangeOptions, resolve: (answer: Exchanged) => void, reject: (reason: unknown) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(() => this.abort(new DeadlineExceeded()), options.timeoutMs);
    this.#waiting = options.signal ? inFlightOn(options.signal) : undefined;
    this.#slot = this.#waiting?.hold(this) ?? -1;
  }

  /** Ends the exchange with `reason` (the caller's abort reason, or our deadline) and cancels the request. */
  abort(reason: unknown): void {
    // Settled before aborting: the abort calls onResponseError synchronously, and the outcome is ours.
    if (!this.#settle()) return;
    this.#reject(reason);
    this.#controller?.abort(reason instanceof Error ? reason : new Error(String(reason)));
  }

  /** Ends the exchange with a dispatch that threw. */
  fail(error: unknown): void {
    if (this.#settle()) this.#reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new Error('settled before the request started'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#status = statusCode;
    this.#statusText = statusMessage ?? '';
    this.#headers = headers;
    this.#limit = this.#options.limitFor(statusCode);
    // A declared length over the limit is refused before a single byte is read.
    const declared = Number(headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > this.#limit) this.#tooLarge();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#total += chunk.length;
    if (this.#total > this.#limit) this.#tooLarge();
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.#settle()) return;
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#total);
    this.#resolve({ status: this.#status, statusText: this.#statusText, headers: this.#headers, body: { tooLarge: false, bytes } });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settle()) this.#reject(error);
  }

  #tooLarge(): void {
    if (!this.#settle()) return;
    this.#resolve({ status: this.#status, statusText: this.#statusText, headers: this.#headers, body: { tooLarge: true } });
    this.#controller?.abort(new BodyTooLarge());
  }

  /** Marks the exchange settled; false if it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#waiting?.release(this.#slot);
    return true;
  }
}

/** Sends a GET and resolves with the answer; rejects with the transport error (for classify.ts) or the abort reason. */
export function exchange(dispatcher: Dispatcher, options: ExchangeOptions): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason);
      return;
    }
    const handler = new Exchange(options, resolve, reject);
    try {
      dispatcher.dispatch({ origin: options.origin, path: options.path, method: 'GET', headers: options.headers }, handler);
    } catch (error) {
      handler.fail(error);
    }
  });
}
