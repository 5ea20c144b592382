import { createServer, type Server, type ServerOptions } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { silentLogger, type Logger } from '../log.js';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverOptions, type ServerLimits } from './limits.js';

/** A parsed `--web.listen-address`: host empty means every interface. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port`, `:port` or `[v6]:port`, as Prometheus exporters accept them. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`invalid listen address "${text}": expected host:port, :port or [ipv6]:port`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

/** A listening HTTP(S) server and how to stop it. */
export interface RunningServer {
  readonly server: Server | HttpsServer;
  /** The bound address, e.g. `127.0.0.1:18922` (useful with port 0). */
  readonly address: string;
  /** Stops accepting, ends idle keep-alive connections, and destroys the rest after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** Builds the server: given the options that carry the limits Node takes at construction. */
type CreateServer = (handler: RequestListener, options: ServerOptions & { handshakeTimeout: number }) => Server | HttpsServer;

/**
 * Starts a server for `handler` on `address`: plain HTTP unless `create` builds another (HTTPS,
 * web-security.ts), under `limits` (default: the flags' defaults); `logger` hears of cut-off clients.
 */
export async function listen(
  handler: RequestListener,
  address: ListenAddress,
  create: CreateServer = (h, options) => createServer(options, h),
  { limits = DEFAULT_SERVER_LIMITS, logger = silentLogger }: { limits?: ServerLimits; logger?: Logger } = {},
): Promise<RunningServer> {
  const server = create(handler, serverOptions(limits));
  applyServerLimits(server, limits, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    server,
    address: `${host}:${bound.port}`,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
