/**
 * What one client may hold of the listener: how long it may take to send its request, how long a
 * response may take to be taken off the socket, how long an idle keep-alive connection stays, and
 * how many connections there are at once. Named as Prometheus names its flags
 * (`--web.read-timeout`, `--web.max-connections`) and Go's `http.Server` its fields
 * (`ReadHeaderTimeout`, `WriteTimeout`, `IdleTimeout`).
 *
 * The write timeout matters most: a `/metrics` answer is megabytes at thousands of sessions, and a
 * client that stops reading keeps its buffers alive for as long as its socket is open.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { Logger } from '../log.js';

/** The listener's limits; every duration is in milliseconds and above 0. */
export interface ServerLimits {
  /** `--web.read-header-timeout`: from the connection (or the previous response) to the end of the request's headers; also the TLS handshake. */
  readonly readHeaderTimeoutMs: number;
  /** `--web.read-timeout`: to the end of the whole request, body included. */
  readonly readTimeoutMs: number;
  /** `--web.write-timeout`: from the request to the last byte of the response handed to the kernel; then the connection is closed. */
  readonly writeTimeoutMs: number;
  /** `--web.idle-timeout`: how long a keep-alive connection waits for its next request. */
  readonly idleTimeoutMs: number;
  /** `--web.max-connections`: connections above this are closed at once. */
  readonly maxConnections: number;
}

/** The flags' defaults. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({
  readHeaderTimeoutMs: 10_000,
  readTimeoutMs: 30_000,
  // Longer than any sensible scrape_timeout, so only a client that has stopped reading is cut off.
  writeTimeoutMs: 120_000,
  // Node's own default, which the exporter always had.
  idleTimeoutMs: 5_000,
  // Prometheus's default.
  maxConnections: 512,
});

/** A dropped-connection warning at most this often: a flood must not become a flood of log lines. */
const DROP_LOG_INTERVAL_MS = 60_000;

/** Parses the flags' text values; throws an Error whose message names the flag. */
export function parseServerLimits(flags: {
  readHeaderTimeout: string;
  readTimeout: string;
  writeTimeout: string;
  idleTimeout: string;
  maxConnections: string;
}): ServerLimits {
  const duration = (flag: string, text: string): number => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      throw new Error(`--web.${flag}: ${(error as Error).message}`, { cause: error });
    }
    // setTimeout's limit: a longer one fires at once.
    if (ms < 1 || ms > 2 ** 31 - 1) throw new Error(`--web.${flag}: must be at least 1ms and at most 24d, got ${JSON.stringify(text)}`);
    return ms;
  };
  const limits = {
    readHeaderTimeoutMs: duration('read-header-timeout', flags.readHeaderTimeout),
    readTimeoutMs: duration('read-timeout', flags.readTimeout),
    writeTimeoutMs: duration('write-timeout', flags.writeTimeout),
    idleTimeoutMs: duration('idle-timeout', flags.idleTimeout),
    maxConnections: Number(flags.maxConnections),
  };
  if (!/^\d+$/.test(flags.maxConnections) || limits.maxConnections < 1 || !Number.isSafeInteger(limits.maxConnections)) {
    throw new Error(`--web.max-connections: expected a whole number of at least 1, got ${JSON.stringify(flags.maxConnections)}`);
  }
  if (limits.readHeaderTimeoutMs > limits.readTimeoutMs) {
    throw new Error(`--web.read-header-timeout (${formatDuration(limits.readHeaderTimeoutMs)}) must not be above --web.read-timeout (${formatDuration(limits.readTimeoutMs)})`);
  }
  return Object.freeze(limits);
}

/** Options for `http.createServer`/`https.createServer` that carry the limits Node takes at construction. */
export function serverOptions(limits: ServerLimits): ServerOptions & { handshakeTimeout: number } {
  return {
    headersTimeout: limits.readHeaderTimeoutMs,
    requestTimeout: limits.readTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // Node checks the two read timeouts only this often (30 s by default), which would let a
    // 10 s header timeout run for 40 s.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.readHeaderTimeoutMs / 2))),
    // A connection that never finishes its TLS handshake has no request yet for the header timeout to bound.
    handshakeTimeout: limits.readHeaderTimeoutMs,
  };
}

/** Applies the limits that are set on a built server: the connection cap and the write timeout. */
export function applyServerLimits(server: Server | HttpsServer, limits: ServerLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let loggedMs = -Infinity;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - loggedMs < DROP_LOG_INTERVAL_MS) return;
    logger.warn({ dropped_connections: dropped, max_connections: limits.maxConnections }, 'connections refused: --web.max-connections reached');
    loggedMs = now;
    dropped = 0;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const timer = setTimeout(() => {
      if (res.writableFinished) return;
      logger.warn(
        { path: (req.url ?? '').split('?')[0]?.slice(0, 200), remote: req.socket.remoteAddress, write_timeout: formatDuration(limits.writeTimeoutMs) },
        'response not taken by the client within --web.write-timeout; connection closed',
      );
      req.socket.destroy();
    }, limits.writeTimeoutMs);
    timer.unref();
    const clear = (): void => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
  });
}
