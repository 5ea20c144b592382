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

/** Sends a GET and resolves with the answer; rejects with the transport error (for classify.ts) or the abort reason. */
export function exchange(dispatcher: Dispatcher, options: ExchangeOptions): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let statusText = '';
    let headers: IncomingHttpHeaders = {};
    let limit = 0;
    let total = 0;
    const chunks: Buffer[] = [];
    let settled = false;
    // Settled before aborting: the abort calls onResponseError synchronously, and the outcome is ours.
    // A plain timer and listener rather than an AbortController per request: at thousands of
    // requests per second the controller, its signal and their listeners were a visible share of
    // the CPU profile.
    const abortWith = (reason: unknown): void => {
      finish(() => reject(reason));
      controller?.abort(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const onAbort = (): void => abortWith(signal?.reason);
    const timer = setTimeout(() => abortWith(new DeadlineExceeded()), options.timeoutMs);
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const tooLarge = (): void => {
      finish(() => resolve({ status, statusText, headers, body: { tooLarge: true } }));
      controller?.abort(new BodyTooLarge());
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (c) => {
        controller = c;
        if (settled) c.abort(new Error('settled before the request started'));
      },
      onResponseStart: (_c, statusCode, responseHeaders, statusMessage) => {
        status = statusCode;
        statusText = statusMessage ?? '';
        headers = responseHeaders;
        limit = options.limitFor(statusCode);
        // A declared length over the limit is refused before a single byte is read.
        const declared = Number(responseHeaders['content-length'] ?? Number.NaN);
        if (Number.isFinite(declared) && declared > limit) tooLarge();
      },
      onResponseData: (_c, chunk) => {
        if (settled) return;
        total += chunk.length;
        if (total > limit) tooLarge();
        else chunks.push(chunk);
      },
      onResponseEnd: () => {
        finish(() => {
          const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
          resolve({ status, statusText, headers, body: { tooLarge: false, bytes } });
        });
      },
      onResponseError: (_c, error) => {
        finish(() => reject(error));
      },
    };
    try {
      dispatcher.dispatch({ origin: options.origin, path: options.path, method: 'GET', headers: options.headers }, handler);
    } catch (error) {
      finish(() => reject(error));
    }
  });
}
