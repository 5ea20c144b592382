/** The listener's limits, against raw clients on 127.0.0.1 that misbehave as slow or hostile ones do. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { request, type RequestListener } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createApp } from '../../src/web/app.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { DEFAULT_SERVER_LIMITS, parseServerLimits, type ServerLimits } from '../../src/web/limits.js';
import type { MetricsSource } from '../../src/metrics/render.js';
import { silentLogger } from '../../src/log.js';
import { captureLog, type CapturedLog } from '../helpers/log-capture.js';
import { buildStatusView } from '../../src/status/view.js';
import { DEFAULT_STATUS } from '../../src/config/schema.js';
import { CachedStatusView } from '../../src/status/cache.js';

const emptyStatus = (): CachedStatusView => new CachedStatusView(buildStatusView({ snapshot: undefined, nowMs: Date.now(), stalledAfterMs: DEFAULT_STATUS.stalledAfterMs }), '"empty"');

const servers: RunningServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

async function serve(handler: RequestListener, limits: Partial<ServerLimits>, log?: CapturedLog): Promise<RunningServer> {
  const server = await listen(handler, { host: '127.0.0.1', port: 0 }, undefined, { limits: { ...DEFAULT_SERVER_LIMITS, ...limits }, logger: log?.logger });
  servers.push(server);
  return server;
}

/** A raw TCP client that sends `text` and collects whatever comes back. */
function rawClient(server: RunningServer, text = ''): { socket: Socket; received: () => string; closed: Promise<void> } {
  const [host, port] = server.address.split(':');
  const socket = connect({ host, port: Number(port) });
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  if (text !== '') socket.write(text);
  return { socket, received: () => received, closed };
}

function connections(server: RunningServer): Promise<number> {
  return new Promise((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** Polls until `probe` holds; fails naming `what` if it never does (a wait for "never", not a timing assertion). */
async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const ok: RequestListener = (_req, res) => res.end('ok\n');

describe('--web.write-timeout', () => {
  it('disconnects a /metrics client that stops reading, releasing what its answer held, and says so', async () => {
    // 64 MiB: more than the loopback socket buffers on both sides can take.
    const block = Buffer.alloc(1024 * 1024, 'a');
    const chunks = Array.from({ length: 64 }, () => block);
    const registry: MetricsSource = { contentType: 'text/plain', metrics: async () => chunks };
    const app = createApp({ registry, telemetryPath: '/metrics', ready: () => true, info: { version: '0', telemetryPath: '/metrics', demo: false }, status: emptyStatus, logger: silentLogger });
    const log = captureLog();
    const server = await serve(app, { writeTimeoutMs: 300 }, log);
    const client = rawClient(server, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('the answer to start', () => client.received().startsWith('HTTP/1.1 200'));
    client.socket.pause();
    await until('the server to close the stalled connection', async () => (await connections(server)) === 0);
    // What had reached the client's buffers still arrives, then the connection ends: the answer is cut short.
    client.socket.resume();
    await client.closed;
    expect(client.received().length).toBeLessThan(64 * 1024 * 1024);
    expect(log.entries()).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('--web.write-timeout'), path: '/metrics', write_timeout: '300ms' })]);
  });

  it('leaves a client that reads alone', async () => {
    const server = await serve(ok, { writeTimeoutMs: 200 });
    const client = rawClient(server, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200[^]*ok\n$/);
  });
});

describe('--web.read-header-timeout and --web.read-timeout', () => {
  it('answers 408 and closes a connection whose headers never end', async () => {
    const server = await serve(ok, { readHeaderTimeoutMs: 200, readTimeoutMs: 5000 });
    const client = rawClient(server, 'GET / HTTP/1.1\r\nHost: x\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers 408 and closes a connection whose body never ends', async () => {
    const readsBody: RequestListener = (req, res) => {
      req.resume();
      req.on('end', () => res.end('read\n'));
    };
    const server = await serve(readsBody, { readHeaderTimeoutMs: 200, readTimeoutMs: 400 });
    const client = rawClient(server, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('--web.idle-timeout', () => {
  it('is the keep-alive time the server announces and keeps', async () => {
    const server = await serve(ok, { idleTimeoutMs: 7000 });
    const [host, port] = server.address.split(':');
    const header = await new Promise<string | undefined>((resolve, reject) => {
      request({ host, port: Number(port), path: '/', agent: false, headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        resolve(String(res.headers['keep-alive']));
      })
        .on('error', reject)
        .end();
    });
    expect(header).toBe('timeout=7');
  });
});

describe('--web.max-connections', () => {
  it('closes connections above the cap at once, logs it once, and serves again when one ends', async () => {
    const log = captureLog();
    const server = await serve(ok, { maxConnections: 2 }, log);
    const held = [rawClient(server), rawClient(server)];
    await until('both connections to be accepted', async () => (await connections(server)) === 2);
    const third = rawClient(server, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await third.closed;
    expect(third.received()).toBe('');
    rawClient(server);
    held[0]?.socket.destroy();
    await until('the held connection to end', async () => (await connections(server)) < 2);
    const fourth = rawClient(server, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await fourth.closed;
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(log.entries().filter((e) => String(e.msg).includes('--web.max-connections'))).toEqual([expect.objectContaining({ level: 'warn', max_connections: 2 })]);
  });
});

describe('parseServerLimits', () => {
  const defaults = { readHeaderTimeout: '10s', readTimeout: '30s', writeTimeout: '2m', idleTimeout: '5s', maxConnections: '512' };

  it('reads Prometheus durations and a whole number', () => {
    expect(parseServerLimits(defaults)).toEqual(DEFAULT_SERVER_LIMITS);
    expect(parseServerLimits({ ...defaults, writeTimeout: '1m30s', maxConnections: '64' })).toMatchObject({ writeTimeoutMs: 90_000, maxConnections: 64 });
  });

  it.each<[Partial<typeof defaults>, string]>([
    [{ writeTimeout: '2 minutes' }, '--web.write-timeout: invalid duration "2 minutes"'],
    [{ idleTimeout: '0' }, '--web.idle-timeout: must be at least 1ms and at most 24d, got "0"'],
    [{ readTimeout: '30d' }, '--web.read-timeout: must be at least 1ms and at most 24d, got "30d"'],
    [{ maxConnections: '0' }, '--web.max-connections: expected a whole number of at least 1, got "0"'],
    [{ maxConnections: '1.5' }, '--web.max-connections: expected a whole number of at least 1, got "1.5"'],
    [{ readHeaderTimeout: '1m' }, '--web.read-header-timeout (1m) must not be above --web.read-timeout (30s)'],
  ])('refuses %j, naming the flag', (flags, message) => {
    expect(() => parseServerLimits({ ...defaults, ...flags })).toThrow(message);
  });
});
