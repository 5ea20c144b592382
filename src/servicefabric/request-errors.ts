/**
 * Typed errors for one request to a cluster. Each failure is classified once, here, into a
 * `reason` (the `reason` label of `servicefabric_imagestore_poll_failures_total`), so the poller and
 * the metrics never inspect raw exceptions.
 */

/** Why a poll failed; the values of the `reason` label. */
export const FAILURE_REASONS = [
  'timeout',
  'connection',
  'tls',
  'http_status',
  'fabric_error',
  'invalid_response',
  'auth',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Longest FabricError `Code` kept: real codes are identifiers of about 30 characters (`FABRIC_E_SERVICE_TOO_BUSY`). */
export const MAX_FABRIC_CODE_CHARS = 64;
/** Longest FabricError `Message` kept: real messages are one sentence. */
export const MAX_FABRIC_MESSAGE_CHARS = 300;

/**
 * `text` cut to at most `max` characters, `…` marking a cut (never between the halves of a UTF-16
 * surrogate pair): for text from a cluster, which is shown in logs, pages and JSON and must not be
 * able to make them any size.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** What every error below may carry besides its message. */
export interface ServiceFabricErrorOptions {
  status?: number;
  cause?: unknown;
  /** HTTP method of the failed request. */
  method?: string;
  /** URL of the failed request, credentials removed. */
  url?: string;
  /** From a `Retry-After` header on 429/503, in milliseconds from when the answer arrived. */
  retryAfterMs?: number;
}

/** Base class: a failed request, with its method and URL in the message. */
export abstract class ServiceFabricError extends Error {
  abstract readonly reason: FailureReason;
  /** HTTP status, when an answer arrived. */
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** How long the server asked us to wait (429/503 `Retry-After`), when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ServiceFabricErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.method = options.method;
    this.url = options.url;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** No complete answer within `request_timeout`. */
export class TimeoutError extends ServiceFabricError {
  override readonly name = 'TimeoutError';
  readonly reason = 'timeout';
}

/** The connection could not be made or broke: refused, reset, DNS failure. */
export class ConnectionError extends ServiceFabricError {
  override readonly name = 'ConnectionError';
  readonly reason = 'connection';
}

/** TLS handshake or server certificate verification failed. */
export class TlsError extends ServiceFabricError {
  override readonly name = 'TlsError';
  readonly reason = 'tls';
}

/** A non-success status without a FabricError body (for example a 403 with an empty body). */
export class HttpStatusError extends ServiceFabricError {
  override readonly name = 'HttpStatusError';
  readonly reason = 'http_status';
}

/** A non-success status with a FabricError body `{"Error":{"Code","Message"}}`. */
export class FabricError extends ServiceFabricError {
  override readonly name = 'FabricError';
  readonly reason = 'fabric_error';
  readonly code: string;
  readonly fabricMessage: string | undefined;
  /** Operator advice when the code alone misleads (e.g. E_INVALIDARG from a Linux cluster). */
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: ServiceFabricErrorOptions & { status: number; code: string; fabricMessage?: string; hint?: string },
  ) {
    super(message, options);
    this.code = options.code;
    this.fabricMessage = options.fabricMessage;
    this.hint = options.hint;
  }
}

/** A success status whose body is not a valid UploadSession (bad JSON, wrong shape, bad numbers). */
export class InvalidResponseError extends ServiceFabricError {
  override readonly name = 'InvalidResponseError';
  readonly reason = 'invalid_response';
}

/**
 * The cluster's credential could not be obtained: the Entra ID token request failed, or the cluster's
 * `GetAadMetadata` does not describe an Entra ID cluster. No request for sessions was sent.
 */
export class AuthError extends ServiceFabricError {
  override readonly name = 'AuthError';
  readonly reason = 'auth';
}

/**
 * The caller's own `AbortSignal` fired (shutdown): not a poll failure, so it is deliberately not a
 * `ServiceFabricError` and has no `reason`; callers skip it instead of counting it.
 */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(message: string, options: { cause?: unknown; method?: string; url?: string } = {}) {
    super(message, { cause: options.cause });
    this.method = options.method;
    this.url = options.url;
  }
}
