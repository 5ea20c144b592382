import { afterEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { constants, crc32, deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { createApp } from '../../src/web/app.js';
import { acceptsGzip, createChunkGzip } from '../../src/web/compress.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { silentLogger } from '../../src/log.js';
import { buildStatusView } from '../../src/status/view.js';
import { DEFAULT_STATUS } from '../../src/config/schema.js';
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
    status: () => new CachedStatusView(buildStatusView({ snapshot: undefined, nowMs: Date.now(), stalledAfterMs: DEFAULT_STATUS.stalledAfterMs }), '"empty"'),
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
    // Level 1, the fastest, as documented: the gzip header's XFL byte says so (4; level 9 writes 2,
    // the others 0), and the deflate stream starts with what zlib makes of the exposition at level 1
    // (a part ended by a sync flush, as the body is built), which level 6 would not.
    expect(res.body[8]).toBe(4);
    const deflated = (level: number): Buffer => deflateRawSync(expected, { level, finishFlush: constants.Z_SYNC_FLUSH });
    expect(res.body.subarray(10, 10 + deflated(1).length).equals(deflated(1))).toBe(true);
    expect(deflated(6).equals(deflated(1))).toBe(false);
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

describe('gzip of chunks compressed apart', () => {
  /** The body as one buffer, checked to be one gzip member of exactly `plain`: one deflate stream up to the trailer, whose CRC-32 and length are plain's. */
  function oneMember(parts: readonly Buffer[], plain: Buffer): Buffer {
    const body = Buffer.concat(parts);
    expect(gunzipSync(body).equals(plain)).toBe(true);
    const { buffer, engine } = inflateRawSync(body.subarray(10, body.length - 8), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    expect(buffer.equals(plain)).toBe(true);
    expect(engine.bytesWritten).toBe(body.length - 18);
    expect(body.readUInt32LE(body.length - 8)).toBe(crc32(plain));
    expect(body.readUInt32LE(body.length - 4)).toBe(plain.length);
    return body;
  }

  const chunk = fc.oneof(
    fc.uint8Array({ maxLength: 4000 }).map((a): Buffer => Buffer.from(a)),
    fc.string({ maxLength: 2000 }).map((t): Buffer => Buffer.from(t.repeat(3))),
  );

  it('decompresses to the chunks in order, as one gzip member, whichever of them are fixed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ bytes: chunk, fixed: fc.boolean() }), { maxLength: 8 }), async (parts) => {
        const gzip = createChunkGzip();
        const fixed = new Set(parts.filter((p) => p.fixed).map((p) => p.bytes));
        const chunks = parts.map((p) => p.bytes);
        oneMember(await gzip(chunks, (c) => fixed.has(c)), Buffer.concat(chunks));
      }),
      { numRuns: 150 },
    );
  });

  it('compresses a fixed chunk once and sends the same bytes at every later call, the changing ones anew', async () => {
    const gzip = createChunkGzip();
    const fixed = Buffer.from('# HELP a A.\n# TYPE a gauge\n'.repeat(2000));
    const changing = Buffer.from('b 1\n');
    const first = await gzip([fixed, changing, fixed], (c) => c === fixed);
    // A buffer that is not fixed may be written again between scrapes (the renderer reuses them).
    changing.write('b 2\n');
    const second = await gzip([fixed, changing, fixed], (c) => c === fixed);
    expect(second[1]).toBe(first[1]);
    expect(second[3]).toBe(first[1]);
    expect(gunzipSync(Buffer.concat(second)).toString()).toBe(`${fixed}b 2\n${fixed}`);
    // Another gzip instance keeps its own parts.
    expect((await createChunkGzip()([fixed], () => true))[1]).not.toBe(first[1]);
  });

  it('answers an empty body with an empty gzip member', async () => {
    oneMember(await createChunkGzip()([], () => false), Buffer.alloc(0));
    oneMember(await createChunkGzip()([Buffer.alloc(0)], () => true), Buffer.alloc(0));
  });
});
