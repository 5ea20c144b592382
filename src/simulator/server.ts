/**
 * Starts a simulated cluster: the public gateway listener, the optional admin listener and the
 * session cleanup tick, and stops them all again.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { silentLogger, type Logger } from '../log.js';
import { createAdminServer, isLoopbackHost } from './admin.js';
import { FaultController } from './faults.js';
import { Gateway, type OperationName } from './gateway.js';
import type { JsonEncoding } from './json-writer.js';
import { DEFAULT_DISK, SimulatedDisk, validateDiskSettings, type DiskSettings } from './disk.js';
import { DEFAULT_SESSION_TIMEOUT_MS, SessionStore } from './store.js';
import { aadMetadataBody, createAuthorizer, type SimulatorAadOptions, type SimulatorTlsOptions } from './gateway-security.js';

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** Public listener address. @default '127.0.0.1' */
  host?: string;
  /** Public listener port; 0 picks a free one. @default 0 */
  port?: number;
  /** `linux`: the upload-session routes do not exist, as on a Linux cluster. @default 'windows' */
  platform?: 'windows' | 'linux';
  /** Answer for "no sessions": 204 as the runtime, or 200 with an empty list. @default 204 */
  emptyStatus?: 204 | 200;
  /** Idle time after which a session expires (`UploadSessionTimeout`). @default 30 min */
  sessionTimeoutMs?: number;
  /** Period of the cleanup tick (`ProcessPendingCleanupInterval`). @default 5 min */
  cleanupIntervalMs?: number;
  /** Admin API port on `adminHost`; false for none, 0 for a free one. @default false */
  adminPort?: number | false;
  /** Admin API host; must be a loopback address. @default '127.0.0.1' */
  adminHost?: string;
  /** Highest accepted api-version (the simulated runtime's major.minor). @default '9.1' */
  runtimeVersion?: string;
  /** DeleteUploadSession of an unknown id: 404 `NotFound` or 200. @default 'not_found' */
  deleteUnknown?: 'not_found' | 'ok';
  /** @default silentLogger */
  logger?: Logger;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
  /** Serve HTTPS (optionally requiring client certificates), as a secure cluster. @default plain HTTP */
  tls?: SimulatorTlsOptions;
  /** Require an Entra ID bearer token (unless a verified client certificate admits the request). */
  aad?: SimulatorAadOptions;
  /**
   * `runtime`: JSON as a real gateway writes it, `/` escaped as `\/` and characters outside the BMP
   * as two 3-byte surrogates (CESU-8, not valid UTF-8); `utf8`: standard JSON in UTF-8, for clients
   * that only need the API's shape. @default 'runtime'
   */
  jsonEncoding?: JsonEncoding;
  /** The disk GetImageStoreInfo reports (bytes): its size and its free space at start. @default 64 GiB, 48 GiB free */
  disk?: DiskSettings;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL of the simulated gateway, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Base URL of the admin API, when enabled. */
  readonly adminUrl?: string;
  /** Direct access to the session and file store. */
  readonly store: SessionStore;
  /** The disk GetImageStoreInfo reports; `set` changes its size and free space. */
  readonly disk: SimulatedDisk;
  /** Fault rules, applied to the public listener. */
  readonly faults: FaultController;
  /** Runs a cleanup tick now; returns the number of sessions removed. */
  expireNow(): number;
  /**
   * Requests served so far by operation (`GetUploadSessionByPath`, `ListContent`, `UploadChunk`, …),
   * counted once their route matched, whatever the answer: what a client costs the cluster.
   */
  requestCounts(): Partial<Record<OperationName, number>>;
  /** Closes both listeners, destroys open sockets (stalled answers too) and stops timers. */
  close(): Promise<void>;
}

/** Default `ProcessPendingCleanupInterval`: 5 minutes. */
const DEFAULT_CLEANUP_INTERVAL_MS = 5 * 60_000;

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function baseUrl(host: string, port: number, scheme = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts a simulated Service Fabric image store. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const runtimeVersion = options.runtimeVersion ?? '9.1';
  if (!/^\d+\.\d+$/.test(runtimeVersion)) throw new Error(`runtimeVersion must be major.minor, got "${runtimeVersion}"`);
  const adminHost = options.adminHost ?? '127.0.0.1';
  if (options.adminPort !== undefined && options.adminPort !== false && !isLoopbackHost(adminHost)) {
    throw new Error(`the admin API listens only on a loopback address, not "${adminHost}"`);
  }
  const store = new SessionStore({ now, sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS });
  const faults = new FaultController();
  const disk = new SimulatedDisk(store, options.disk === undefined ? DEFAULT_DISK : validateDiskSettings(options.disk), now);
  const gateway = new Gateway({
    store,
    disk,
    faults,
    platform: options.platform ?? 'windows',
    emptyStatus: options.emptyStatus ?? 204,
    runtimeVersion,
    deleteUnknown: options.deleteUnknown ?? 'not_found',
    jsonEncoding: options.jsonEncoding ?? 'runtime',
    logger,
    now,
    authorize: createAuthorizer(options.tls, options.aad),
    aadMetadata: aadMetadataBody(options.aad),
  });

  const expireNow = (): number => {
    const removed = store.expire();
    if (removed > 0) logger.info({ removed, remaining: store.size }, 'simulator: expired idle upload sessions');
    return removed;
  };

  const tls = options.tls;
  const server: http.Server = tls
    ? https.createServer(
        {
          cert: tls.cert,
          key: tls.key,
          ca: tls.clientCa,
          requestCert: tls.clientCa !== undefined,
          // With a client CA alone the handshake itself requires a verified certificate; when a
          // token may admit the request instead, the certificate is only asked for (gateway-security.ts).
          rejectUnauthorized: tls.clientCa !== undefined && options.aad === undefined,
          // The Windows gateway (HTTP.sys) asks for client certificates by TLS 1.2 renegotiation, so
          // a refused certificate fails inside the handshake; under TLS 1.3 Node would instead close
          // an established connection without an alert, which a client cannot tell from a reset.
          ...(tls.clientCa !== undefined ? { maxVersion: 'TLSv1.2' as const } : {}),
        },
        gateway.handle,
      )
    : http.createServer(gateway.handle);
  // Requests Node cannot even parse (e.g. a raw space in the URL) get a bare 400, as HTTP.sys sends.
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const address = await listen(server, options.port ?? 0, host);

  let admin: http.Server | undefined;
  let adminUrl: string | undefined;
  if (options.adminPort !== undefined && options.adminPort !== false) {
    admin = createAdminServer({ store, disk, faults, expireNow, logger });
    try {
      const adminAddress = await listen(admin, options.adminPort, adminHost);
      adminUrl = baseUrl(adminHost, adminAddress.port);
    } catch (err) {
      await closeServer(server);
      throw err;
    }
  }

  const cleanupIntervalMs = options.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS;
  const timer = setInterval(expireNow, cleanupIntervalMs);
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl(host, address.port, tls ? 'https' : 'http'),
    adminUrl,
    store,
    disk,
    faults,
    expireNow,
    requestCounts: () => gateway.requestCounts(),
    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(timer);
        gateway.shutdown();
        await Promise.all([closeServer(server), admin ? closeServer(admin) : Promise.resolve()]);
      })();
      return closing;
    },
  };
}
