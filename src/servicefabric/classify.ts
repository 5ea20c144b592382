/**
 * Classifies a failed request into one typed error: what ky throws (its TimeoutError, its
 * NetworkError), our own deadline, and failures below HTTP (no usable answer).
 *
 * Node's fetch reports almost everything as `TypeError: fetch failed` (or `terminated` once the
 * body is streaming) and puts the real error in `cause`, sometimes an `AggregateError` of one
 * error per address tried; so the whole chain is searched, most specific kind first: a TLS error
 * wrapped in a reset is still a TLS problem.
 */
import { isHTTPError, isTimeoutError } from 'ky';
import {
  ConnectionError,
  HttpStatusError,
  InvalidResponseError,
  ServiceFabricError,
  type ServiceFabricErrorOptions,
  TimeoutError,
  TlsError,
} from './request-errors.js';
import { parseRetryAfter } from './retry-after.js';

/** OpenSSL / Node certificate verification codes (`tls.TLSSocket.authorizationError`). */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** undici's own limits, all of which mean "no answer in time". */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Refused, reset, unresolvable or unreachable: the conversation could not happen or broke off. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const CONNECTION_MESSAGES = /socket hang up|other side closed|^terminated$/i;

type Kind = 'tls' | 'timeout' | 'connection' | 'protocol';

interface Found {
  readonly kind: Kind;
  readonly error: unknown;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function nameOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

// Duck-typed rather than `instanceof`: errors raised inside Node's bundled undici may come from
// another realm (as under jest's VM modules), where `instanceof Error` is false.
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Every error reachable through `cause` and `AggregateError.errors`, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 32) {
    const next = queue.shift();
    if (next === undefined || next === null || out.includes(next)) continue;
    out.push(next);
    // Stryker disable next-line ConditionalExpression: a primitive has no `errors` or `cause` to destructure, so skipping it or not queues nothing
    if (typeof next !== 'object') continue;
    const { errors, cause } = next as { errors?: unknown; cause?: unknown };
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
    queue.push(cause);
  }
  return out;
}

function kindOf(error: unknown): Kind | undefined {
  // Stryker disable next-line StringLiteral: any stand-in for "no code" is in no code set and starts with no prefix below
  const code = codeOf(error) ?? '';
  const message = messageOf(error);
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'tls';
  if (/before secure TLS connection was established/i.test(message)) return 'tls';
  // ky's TimeoutError and AbortSignal.timeout()'s DOMException both carry this name.
  if (TIMEOUT_CODES.has(code) || nameOf(error) === 'TimeoutError') return 'timeout';
  if (CONNECTION_CODES.has(code) || CONNECTION_MESSAGES.test(message)) return 'connection';
  // llhttp parse errors: the peer answered, but not in HTTP. Node 20's bundled undici leaves
  // `code` unset on HTTPParserError, and sometimes re-wraps it as a plain Error whose message
  // starts with the name, hence the name and message checks.
  if (
    code.startsWith('HPE_') ||
    code === 'UND_ERR_HEADERS_OVERFLOW' ||
    nameOf(error) === 'HTTPParserError' ||
    /^HTTPParserError\b/.test(message)
  ) {
    return 'protocol';
  }
  return undefined;
}

const PRIORITY: readonly Kind[] = ['tls', 'timeout', 'protocol', 'connection'];

function find(error: unknown): Found | undefined {
  // Stryker disable next-line ConditionalExpression: an entry of no kind is never picked, since the loop below asks for each kind by name
  const found = chain(error).map((e) => ({ kind: kindOf(e), error: e })).filter((f): f is Found => f.kind !== undefined);
  for (const kind of PRIORITY) {
    // The innermost error of a kind is the most precise description of it.
    const match = found.filter((f) => f.kind === kind).at(-1);
    if (match) return match;
  }
  return undefined;
}

function detail(error: unknown): string {
  const code = codeOf(error);
  const message = messageOf(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** The innermost error of a chain, for a message when nothing in it is recognised. */
function innermost(error: unknown): unknown {
  return chain(error).at(-1) ?? error;
}

/**
 * Turns a transport-level exception into a typed error. Anything unrecognised counts as a
 * connection failure: no answer arrived, and the message keeps the original text.
 */
export function classifyTransportError(error: unknown, prefix: string, options: ServiceFabricErrorOptions): ServiceFabricError {
  const found = find(error);
  const base = { ...options, cause: error };
  switch (found?.kind) {
    case 'tls':
      return new TlsError(`${prefix}: TLS failed: ${detail(found.error)}`, base);
    case 'timeout':
      return new TimeoutError(`${prefix}: timed out: ${detail(found.error)}`, base);
    case 'protocol':
      return new InvalidResponseError(`${prefix}: invalid response: not HTTP: ${detail(found.error)}`, base);
    case 'connection':
      return new ConnectionError(`${prefix}: connection failed: ${detail(found.error)}`, base);
    default:
      return new ConnectionError(`${prefix}: connection failed: ${detail(innermost(error))}`, base);
  }
}

/** The request a failure belongs to. */
export interface FailedRequest {
  readonly method: string;
  readonly url: string;
  /** `GET <url>`, the prefix of every message. */
  readonly prefix: string;
  /** The request's deadline, for the timeout message. */
  readonly timeoutMs: number;
}

/**
 * The one place where what a request through ky throws becomes a typed error (the caller's own
 * abort is told apart before this, by its signal). `deadlinePassed`: our deadline on the body fired,
 * which surfaces as whatever the body read threw.
 */
export function classifyRequestFailure(error: unknown, request: FailedRequest, deadlinePassed: boolean): ServiceFabricError {
  const options: ServiceFabricErrorOptions = { method: request.method, url: request.url, cause: error };
  // ky's TimeoutError: no answer's headers within its timeout.
  if (deadlinePassed || (isTimeoutError(error) && !(error instanceof ServiceFabricError))) {
    return new TimeoutError(`${request.prefix}: no complete answer within ${request.timeoutMs} ms`, options);
  }
  // Already typed: the answer's own failure, or the token hook's.
  if (error instanceof ServiceFabricError) return error;
  // Not thrown while our instances set `throwHttpErrors: false` (statuses are mapped where the body
  // is read under its limit); should one be, it is still a status failure, never a raw error.
  if (isHTTPError(error)) {
    const { status, statusText, headers } = error.response;
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers.get('retry-after')) : undefined;
    return new HttpStatusError(`${request.prefix}: status ${statusText ? `${status} ${statusText}` : status}`, { ...options, status, retryAfterMs });
  }
  // ky's NetworkError and fetch's own errors carry the real cause in their chain.
  return classifyTransportError(error, request.prefix, { method: request.method, url: request.url });
}
