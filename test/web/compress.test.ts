import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { createApp } from '../../src/web/app.js';
import { acceptsGzip } from '../../src/web/compress.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { silentLogger } from '../../src/log.js';
import { buildStatusView, DEFAULT_STALLED_AFTER_MS } from '../../src/status/view.js';
import { CachedStatusView } from '../../src/status/cache.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serveRegistry(): Promise<{ address: string; expected: string }> {
  const registry = new Registry();
  registry.registerMetric({
    name: 'x_total',
    get: async () => ({ name: 'x_total', help: 'x', type: 'counter', values: Array.from({ length: 500 }, (_, i) => ({ labels: { i: String(i) }, value: i })), aggregator: 'sum' }),
  } as never);
  const app = createApp({
    registry,
    telemetryPath: '/metrics',
    ready: () => true,
    info: { version: '0', telemetryPath: '/metrics', demo: false },
    status: () => new CachedStatusView(buildStatusView({ snapshot: undefined, nowMs: Date.now(), stalledAfterMs: DEFAULT_STALLED_AFTER_MS }), '"empty"'),
    logger: silentLogger,
  });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { address: server.address, expected: await registry.metrics() };
}

/** A raw GET (fetch would decompress and hide the encoding). */
function get(address: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path: '/metrics', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('gzip on /metrics', () => {
  it('compresses when the scraper accepts gzip, as Prometheus asks, and the bytes decompress to the exposition', async () => {
    const { address, expected } = await serveRegistry();
    const res = await get(address, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(gunzipSync(res.body).toString('utf8')).toBe(expected);
    expect(res.body.length).toBeLessThan(Buffer.byteLength(expected) / 3);
  });

  it('sends plain text without Accept-Encoding, or when gzip is refused', async () => {
    const { address, expected } = await serveRegistry();
    const cases: Array<Record<string, string>> = [{}, { 'accept-encoding': 'gzip;q=0, identity' }, { 'accept-encoding': 'br' }];
    for (const headers of cases) {
      const res = await get(address, headers);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.toString('utf8')).toBe(expected);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
    }
  });

  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['*', true],
    ['deflate, gzip;q=0.5', true],
    ['identity;q=1, gzip;q=0.5', false],
    ['gzip;q=0', false],
    ['br', false],
    ['', false],
  ])('Accept-Encoding %j admits gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('treats a missing header as no gzip', () => {
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
