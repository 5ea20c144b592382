/**
 * A real local HTTP(S) server for tests: listens on 127.0.0.1 with an ephemeral port, counts
 * connections, and destroys every socket on close so no test waits on keep-alive.
 */
import { afterEach } from '@jest/globals';
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';

/** A running test server. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly server: http.Server | https.Server;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

/** Options for `startServer`. */
interface StartOptions {
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** Starts a server on 127.0.0.1, port 0, with `handler` answering every request. */
export async function startServer(handler: http.RequestListener, options: StartOptions = {}): Promise<TestServer> {
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A TLS handshake the client aborts surfaces here; it is expected in TLS tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Servers a test file starts per test, and whatever else a test opens, closed after it. */
export interface PerTestServers {
  /** `startServer`, the server closed after the running test. */
  readonly serve: (handler: http.RequestListener, options?: StartOptions) => Promise<TestServer>;
  /** Runs `cleanup` after the running test, before the cleanups registered earlier in it. */
  readonly later: (cleanup: () => void | Promise<void>) => void;
}

/**
 * Closes after each test, whatever happened in it, what it opened, the last opened first (a client
 * before its server). Call once at the top level of a test file: it registers the `afterEach`.
 */
export function serversPerTest(): PerTestServers {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    serve: async (handler, options) => {
      const server = await startServer(handler, options);
      cleanups.push(() => server.close());
      return server;
    },
    later: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
}

/**
 * A port on 127.0.0.1 that refuses connections for the rest of the test process. It is the local
 * end of a connection to a throw-away listener: bound, so no other socket can take it, and not
 * listening, so connecting to it is refused. (A port opened and closed again could be taken by
 * another process before the test dials it.)
 */
export async function closedPort(): Promise<number> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const holder = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  await once(holder, 'connect');
  const peer = await accepted;
  // The established pair keeps the port bound; nothing waits for it, and the listener can go.
  listener.close();
  holder.unref();
  peer.unref();
  holder.on('error', () => undefined);
  peer.on('error', () => undefined);
  return holder.localPort as number;
}
