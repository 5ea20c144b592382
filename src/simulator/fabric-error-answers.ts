/**
 * The FabricError answers the gateway sends, with the status and message the runtime pairs with each
 * code (HttpUtil `ErrorCodeToHttpStatus`, `resourceids.h`). Codes the runtime has no message for
 * carry the literal "Null", as the gateway writes them.
 */
import type { ServerResponse } from 'node:http';
import { fabricErrorWire } from './wire-format.js';

/** Status and default message for each FabricError code the simulator emits. */
const FABRIC_CODES = {
  E_INVALIDARG: { status: 400, message: 'Invalid argument' },
  FABRIC_E_INVALID_UPLOAD_SESSION_ID: { status: 400, message: 'The upload session identity is invalid.' },
  FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE: { status: 400, message: 'Null' },
  FABRIC_E_UPLOAD_SESSION_ID_CONFLICT: { status: 409, message: 'Null' },
  NotFound: { status: 404, message: 'Null' },
  FABRIC_E_FILE_NOT_FOUND: { status: 404, message: 'Null' },
  E_ACCESSDENIED: { status: 403, message: 'Null' },
  E_FAIL: { status: 500, message: 'Null' },
  FABRIC_E_GATEWAY_NOT_REACHABLE: { status: 502, message: 'A communication error caused the operation to fail.' },
  FABRIC_E_SERVICE_TOO_BUSY: {
    status: 503,
    message: 'The service cannot process the request because it is too busy. Please retry.',
  },
  FABRIC_E_NOT_PRIMARY: {
    status: 503,
    message:
      'The operation failed because this node is not the primary replica.  Consider re-resolving the primary and retrying the operation there.',
  },
  FABRIC_E_NOT_READY: {
    status: 503,
    message: 'The requested data is not yet in cache.  This same operation is likely to succeed if retried later.',
  },
  FABRIC_E_TIMEOUT: { status: 504, message: 'Operation timed out.' },
  FABRIC_E_COMMUNICATION_ERROR: { status: 504, message: 'A communication error caused the operation to fail.' },
} as const satisfies Record<string, { status: number; message: string }>;

type FabricCode = keyof typeof FABRIC_CODES;

/** The default FabricError code for a status, for faults that give only a status. */
export function defaultCodeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'E_INVALIDARG';
    case 403:
      return 'E_ACCESSDENIED';
    case 404:
      return 'NotFound';
    case 409:
      return 'FABRIC_E_UPLOAD_SESSION_ID_CONFLICT';
    case 502:
      return 'FABRIC_E_GATEWAY_NOT_REACHABLE';
    case 503:
      return 'FABRIC_E_SERVICE_TOO_BUSY';
    case 504:
      return 'FABRIC_E_TIMEOUT';
    default:
      return 'E_FAIL';
  }
}

/** The status the runtime maps a code to; unmapped codes are 500, as in `ErrorCodeToHttpStatus`. */
export function statusForCode(code: string): number {
  return code in FABRIC_CODES ? FABRIC_CODES[code as FabricCode].status : 500;
}

/** The default message for a code: the runtime's text when known, otherwise "Null". */
export function defaultMessageForCode(code: string): string {
  return code in FABRIC_CODES ? FABRIC_CODES[code as FabricCode].message : 'Null';
}

/** Headers on every JSON answer of the gateway, including 204 and bodiless 200. */
export const JSON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
} as const;

/**
 * Sends a FabricError, for the one path that cannot build a normal answer (an unexpected error); its
 * codes and messages are ASCII, so plain JSON is also the runtime's bytes. The reason phrase is the
 * code name except for E_INVALIDARG ("Bad Request"), as the gateway sets it.
 */
export function sendFabricError(
  res: ServerResponse,
  code: string,
  options: { status?: number; message?: string; headers?: Record<string, string> } = {},
): void {
  const known = code in FABRIC_CODES ? FABRIC_CODES[code as FabricCode] : undefined;
  const status = options.status ?? known?.status ?? 500;
  const body = JSON.stringify(fabricErrorWire(code, options.message ?? known?.message ?? 'Null'));
  res.statusCode = status;
  res.statusMessage = code === 'E_INVALIDARG' ? 'Bad Request' : code;
  res.setHeader('Content-Type', JSON_HEADERS['Content-Type']);
  res.setHeader('X-Content-Type-Options', JSON_HEADERS['X-Content-Type-Options']);
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
