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
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Base class: a failed request, with its method and URL in the message. */
export abstract class ServiceFabricError extends Error {
  abstract readonly reason: FailureReason;
  /** HTTP status, when an answer arrived. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
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

  constructor(message: string, options: { status: number; code: string; fabricMessage?: string; cause?: unknown }) {
    super(message, options);
    this.code = options.code;
    this.fabricMessage = options.fabricMessage;
  }
}

/** A success status whose body is not a valid UploadSession (bad JSON, wrong shape, bad numbers). */
export class InvalidResponseError extends ServiceFabricError {
  override readonly name = 'InvalidResponseError';
  readonly reason = 'invalid_response';
}
