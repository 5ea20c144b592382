/**
 * The transport of one cluster's client: one ky instance on one undici `Agent`. ky makes every
 * request to the cluster; undici is only what ky's `fetch` runs on: the keep-alive pool, its size,
 * and the socket/TLS connector (tls.ts) that presents the client certificate and pins the server.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import ky, { type BeforeRequestHook, type Input, type KyInstance, type Options } from 'ky';
import { Agent, request, type buildConnector, type Dispatcher } from 'undici';
import type { InFlight } from './in-flight.js';

/** A bearer token for the cluster (Entra ID); `signal` aborts its acquisition (shutdown). */
export type BearerToken = (signal: AbortSignal) => Promise<string>;

/** How to reach one cluster. */
interface ClusterHttpOptions {
  /** The gateway base URL without a trailing slash; request paths are relative to it. */
  readonly base: string;
  readonly userAgent: string;
  /** ky's timeout: the time until an answer's headers are in (a request's InFlight covers the body too). */
  readonly timeoutMs: number;
  /** Most sockets open at once. */
  readonly connections: number;
  /** Options for undici's connector (merged over a connect timeout of `timeoutMs`), or a whole connector. */
  readonly connect?: Partial<buildConnector.BuildOptions> | buildConnector.connector;
  /** When given, every request carries `Authorization: Bearer <token>`. */
  readonly bearerToken?: BearerToken;
  /**
   * What ky's requests run on: `undici` (see `fetchOn`) or Node's global `fetch` given the Agent as
   * its dispatcher (the benchmark measures both).
   * @default 'undici'
   */
  readonly fetch?: 'undici' | 'global';
}

/**
 * The per-request option that carries the request's cancellation. ky forwards options it does not
 * know to its `fetch`, so the transport aborts on the InFlight's own signal, and ky is given no
 * `signal`: one it is given, ky composes with its timeout's through AbortSignal.any, a composed
 * signal and its listeners per request (a tenth of a 10,000-path cycle's CPU with the Request's
 * own signal plumbing, in a CPU profile of the exporter).
 */
type TransportOptions = { readonly inFlight?: InFlight };

/** ky's options for one request that carries `inFlight` to the transport. */
export function withInFlight(inFlight: InFlight): Options {
  // ky's types know only its own and fetch's options; the key reaches `fetchOn` as `init.inFlight`.
  return { inFlight } as TransportOptions as Options;
}

/** A cluster's ky instance and the pool under it (`close()` it when done). */
export interface ClusterHttp {
  readonly ky: KyInstance;
  readonly agent: Agent;
}

/** Sets the Entra ID token on the request; the token source caches it, so this is usually immediate. */
function authorization(token: BearerToken): BeforeRequestHook {
  return async ({ request, options }) => {
    const inFlight = (options as TransportOptions).inFlight;
    request.headers.set('authorization', `Bearer ${await token(inFlight?.signal ?? (options.signal as AbortSignal))}`);
    // The request's deadline counts from here, as ky's timeout does: a token fetch is not the request.
    inFlight?.restartClock();
  };
}

/** HTTP headers as Fetch `Headers` input; a repeated header keeps every value. */
function headerPairs(headers: IncomingHttpHeaders): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') pairs.push([name, value]);
    else if (value !== undefined) for (const each of value) pairs.push([name, each]);
  }
  return pairs;
}

/**
 * Each body's Request, held for as long as the body is, when the Request's signal is what aborts
 * the body (a request without an InFlight). That signal's AbortController is held by nothing but the Request (the Fetch
 * Request links it to ky's signal through a WeakRef): once a garbage collection took the Request,
 * an abort after the headers never reached the body, and a stalled body hung its poll cycle.
 */
const requestOf = new WeakMap<ReadableStream<Uint8Array>, Request>();

/**
 * undici's body as a web stream whose cancel (a body over its limit) destroys it, ending the
 * request. Not `Readable.toWeb` (on Node 20 a chunk arriving after a cancel throws from its data
 * listener, uncaught) nor the Response's own wrapping of an async iterable (whose cancel before the
 * first read leaves the body, and the connection, open).
 */
function webBody(body: Readable, sent: Request | undefined): ReadableStream<Uint8Array> {
  // A read error reaches the reader through next(); this keeps a body nobody reads from being unhandled.
  body.on('error', () => undefined);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      body.destroy();
    },
  });
  if (sent) requestOf.set(stream, sent);
  return stream;
}

/**
 * ky's `fetch` for a cluster: the Request ky built, sent with undici's `request()` on the
 * cluster's Agent, the answer handed back as a Fetch `Response` streaming undici's body.
 *
 * Why not the global fetch: at the scale the exporter is benchmarked at (10,000 paths, 64 at a
 * time) Node's fetch builds a second Request with its own Headers and abort signal from ky's, and
 * streams the body through its own machinery: about 0.22 ms of CPU per request against 0.14 ms
 * this way for the same ky instance (bench: "CPU per 1,000 GETs", and the README's Performance).
 * Everything ky does (prefix, headers, hooks, timeout, signal, errors) is unchanged; redirects are
 * not followed (undici's request() never follows one) and the reason phrase is kept.
 */
function fetchOn(dispatcher: Dispatcher): (input: Input, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const sent = input instanceof Request ? input : new Request(input, init);
    const headers: Record<string, string> = {};
    sent.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // The request's InFlight when it has one (a cluster client's request), else the Request's signal.
    const inFlight = (init as TransportOptions | undefined)?.inFlight;
    const signal = inFlight?.signal ?? sent.signal;
    const answer = await request(sent.url, { dispatcher, method: sent.method as Dispatcher.HttpMethod, headers, signal });
    const status = answer.statusCode;
    // The Fetch standard's null-body statuses have no body to stream; a Response cannot carry a
    // status outside 200–599 (RFC 9110 has none): not HTTP, as a strict parser would say.
    const nullBody = status === 204 || status === 205 || status === 304;
    if (nullBody || status < 200 || status > 599) {
      // Read to its end (a few bytes at most for these), so the connection stays reusable.
      void answer.body.dump().catch(() => undefined);
      if (!nullBody) throw Object.assign(new Error(`status ${status} is not an HTTP status`), { code: 'HPE_INVALID_STATUS' });
    }
    return new Response(nullBody ? null : webBody(answer.body, inFlight ? undefined : sent), { status, statusText: answer.statusText, headers: headerPairs(answer.headers) });
  };
}

/** Node's global `fetch` on the cluster's Agent, aborting on the request's InFlight (the benchmark's comparison). */
function globalFetchOn(dispatcher: Dispatcher): (input: Input, init?: RequestInit) => Promise<Response> {
  return (input, init) => {
    const inFlight = (init as TransportOptions | undefined)?.inFlight;
    // The cast bridges the `undici` package's types and the copy `@types/node` bundles.
    const options = { ...init, dispatcher, ...(inFlight ? { signal: inFlight.signal } : {}) } as unknown as RequestInit;
    return fetch(input, options);
  };
}

/** Builds the pool and the ky instance for one cluster. */
export function createClusterHttp(options: ClusterHttpOptions): ClusterHttp {
  const agent = new Agent({
    connections: options.connections,
    // undici's default keep-alive (4 s, or the server's hint) stays below common server idle
    // timeouts, so a reused socket is not one the server is closing at the same moment.
    connect:
      typeof options.connect === 'function'
        ? options.connect
        : {
            // Our deadline, not undici's 10 s connect limit, decides when a connect has taken too long.
            timeout: options.timeoutMs,
            ...options.connect,
          },
  });
  const instance = ky.create({
    prefix: options.base,
    headers: { 'user-agent': options.userAgent, accept: 'application/json' },
    timeout: options.timeoutMs,
    // The next poll cycle is the retry: retrying here would hide failures and stretch a cycle, and
    // a 429/503's Retry-After holds the path back across cycles instead (the poller's backoff).
    retry: 0,
    // Statuses are mapped by the caller, which reads the body under its own limit: ky's HTTPError
    // would first read up to 10 MiB of an error body as text.
    throwHttpErrors: false,
    // A gateway never redirects these routes; following one could leave the cluster (or TLS) we
    // were configured for. A 3xx is reported as an HTTP status failure instead.
    redirect: 'manual',
    ...(options.bearerToken ? { hooks: { beforeRequest: [authorization(options.bearerToken)] } } : {}),
    fetch: options.fetch === 'global' ? globalFetchOn(agent) : fetchOn(agent),
  });
  return { ky: instance, agent };
}
