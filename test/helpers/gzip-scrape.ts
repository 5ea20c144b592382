/**
 * An exporter's web app over a fixed snapshot of about 2,000 sessions and a clock the test moves,
 * and what the gzip tests check about its /metrics answers (test/web/gzip-*.test.ts).
 */
import { expect } from '@jest/globals';
import { request } from 'node:http';
import { crc32, inflateRawSync } from 'node:zlib';
import { createMetricsRenderer } from '../../src/metrics/render.js';
import { createApp } from '../../src/web/app.js';
import { listen } from '../../src/web/listen.js';
import { silentLogger } from '../../src/log.js';
import { buildStatusView } from '../../src/status/view.js';
import { DEFAULT_STATUS } from '../../src/config/schema.js';
import { CachedStatusView } from '../../src/status/cache.js';
import { manySessionsSnapshot } from '../fixtures/snapshots.js';

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };
/** About 2,000 sessions over 1,200 paths: a 3 MB exposition, with labels that need every escape. */
const snapshot = manySessionsSnapshot(1_200, T0);

/** A running app and the clock of its exposition. */
export interface FixtureServer {
  readonly address: string;
  /** The exposition's clock: every scrape at one value is the same instant. */
  nowMs: number;
  /** What the server answered on /metrics, by User-Agent. */
  readonly answers: Array<{ userAgent: string; encoding: string | undefined; length: number }>;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1, port 0. */
export async function startFixtureServer(disableExporterMetrics: boolean): Promise<FixtureServer> {
  const fixture = { nowMs: T0 + 1_234 };
  const renderer = createMetricsRenderer({
    snapshot: () => snapshot,
    maxStalenessMs: 3_600_000,
    build,
    disableExporterMetrics,
    now: () => fixture.nowMs,
    reload: () => ({ lastSuccessful: true, lastSuccessMs: T0 - 1000 }),
    pathFiles: { watched: () => [{ cluster: 'prod', source: 'config' as const, count: 1_200 }], fileErrors: () => [] },
  });
  renderer.prepare();
  const app = createApp({
    registry: renderer,
    telemetryPath: '/metrics',
    ready: () => true,
    info: { version: '0', telemetryPath: '/metrics', demo: false },
    status: () => new CachedStatusView(buildStatusView({ snapshot, nowMs: fixture.nowMs, stalledAfterMs: DEFAULT_STATUS.stalledAfterMs }), '"fixture"'),
    logger: silentLogger,
  });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  const answers: FixtureServer['answers'] = [];
  server.server.on('request', (req, res) => {
    res.on('finish', () => {
      const encoding = res.getHeader('content-encoding');
      answers.push({ userAgent: req.headers['user-agent'] ?? '', encoding: typeof encoding === 'string' ? encoding : undefined, length: Number(res.getHeader('content-length')) });
    });
  });
  return Object.assign(fixture, { address: server.address, answers, close: () => server.close() });
}

/** A raw GET of /metrics (fetch would decompress and hide the encoding). */
export function getMetrics(address: string, headers: Record<string, string> = {}): Promise<{ encoding: string | undefined; body: Buffer }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path: '/metrics', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

/** The plain and the gzip scrape at the server's current clock. */
export async function scrapeBoth(address: string): Promise<{ plain: Buffer; gzip: Buffer }> {
  const plain = await getMetrics(address);
  const gzip = await getMetrics(address, { 'accept-encoding': 'gzip' });
  expect(plain.encoding).toBeUndefined();
  expect(gzip.encoding).toBe('gzip');
  return { plain: plain.body, gzip: gzip.body };
}

/**
 * Bytes of `b`, after its first difference from `a`, that occur in `a` too (in 256-byte pieces).
 * When the parts fixed for the snapshot are compressed once, their bytes recur in every scrape;
 * compressed as one stream per scrape, next to nothing recurs once an earlier byte has changed.
 */
function recurringAfterChange(a: Buffer, b: Buffer): number {
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first += 1;
  let recurring = 0;
  for (let k = first + 256; k + 256 <= b.length; k += 256) if (a.includes(b.subarray(k, k + 256))) recurring += 256;
  return recurring;
}

/**
 * The behaviour the gzip clients are given: a later scrape (`body`) repeats, byte for byte, the
 * compressed form of the families that did not change since an `earlier` one (the path families,
 * after age_seconds).
 */
export function expectCompressedOnce(body: Buffer, earlier: Buffer): void {
  expect(body.equals(earlier)).toBe(false);
  expect(recurringAfterChange(earlier, body)).toBeGreaterThan(body.length / 4);
}

/** Checks that `body` is a single gzip member: one deflate stream ending where the 8-byte trailer starts, whose CRC-32 and length are those of `plain`. */
export function expectOneMember(body: Buffer, plain: Buffer): void {
  expect(body.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 0x08]));
  const { buffer, engine } = inflateRawSync(body.subarray(10, body.length - 8), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  expect(buffer.equals(plain)).toBe(true);
  expect(engine.bytesWritten).toBe(body.length - 18);
  expect(body.readUInt32LE(body.length - 8)).toBe(crc32(plain));
  expect(body.readUInt32LE(body.length - 4)).toBe(plain.length % 2 ** 32);
}
