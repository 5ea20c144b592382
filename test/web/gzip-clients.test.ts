/**
 * The gzip body of /metrics is one gzip stream assembled from deflate parts compressed at different
 * times: what is fixed for the snapshot once, what changes per scrape per scrape (compress.ts).
 * These tests hand it to the clients that read it (Node's zlib, Python's gzip module, curl and a real
 * Prometheus 2.x) and check that each reads the plain exposition of the same instant byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { stringify } from 'yaml';
import { createMetricsRenderer } from '../../src/metrics/render.js';
import { createApp } from '../../src/web/app.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { silentLogger } from '../../src/log.js';
import { buildStatusView, DEFAULT_STALLED_AFTER_MS } from '../../src/status/view.js';
import { CachedStatusView } from '../../src/status/cache.js';
import { manySessionsSnapshot } from '../fixtures/snapshots.js';
import { parseExposition } from '../helpers/exposition.js';
import { eventually, startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };
/** About 2,000 sessions over 1,200 paths: a 3 MB exposition, with labels that need every escape. */
const snapshot = manySessionsSnapshot(1_200, T0);
const MAX_BUFFER = 64 * 1024 * 1024;
const execFileAsync = promisify(execFile);

/** The clock of the exporter under test; the tests move it, so every scrape at one value is the same instant. */
let nowMs = T0 + 1_234;
const servers: RunningServer[] = [];
/** What the server answered on /metrics, by User-Agent. */
const answers: Array<{ userAgent: string; encoding: string | undefined; length: number }> = [];

async function startServer(disableExporterMetrics: boolean): Promise<string> {
  const renderer = createMetricsRenderer({
    snapshot: () => snapshot,
    maxStalenessMs: 3_600_000,
    build,
    disableExporterMetrics,
    now: () => nowMs,
    reload: () => ({ lastSuccessful: true, lastSuccessMs: T0 - 1000 }),
    pathFiles: { watched: () => [{ cluster: 'prod', source: 'config' as const, count: 1_200 }], fileErrors: () => [] },
  });
  renderer.prepare();
  const app = createApp({
    registry: renderer,
    telemetryPath: '/metrics',
    ready: () => true,
    info: { version: '0', telemetryPath: '/metrics', demo: false },
    status: () => new CachedStatusView(buildStatusView({ snapshot, nowMs, stalledAfterMs: DEFAULT_STALLED_AFTER_MS }), '"fixture"'),
    logger: silentLogger,
  });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.server.on('request', (req, res) => {
    res.on('finish', () => {
      const encoding = res.getHeader('content-encoding');
      answers.push({ userAgent: req.headers['user-agent'] ?? '', encoding: typeof encoding === 'string' ? encoding : undefined, length: Number(res.getHeader('content-length')) });
    });
  });
  return server.address;
}

/** A raw GET of /metrics (fetch would decompress and hide the encoding). */
function get(address: string, headers: Record<string, string> = {}): Promise<{ encoding: string | undefined; body: Buffer }> {
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

/** The plain and the gzip scrape at the current clock. */
async function scrape(address: string): Promise<{ plain: Buffer; gzip: Buffer }> {
  const plain = await get(address);
  const gzip = await get(address, { 'accept-encoding': 'gzip' });
  expect(plain.encoding).toBeUndefined();
  expect(gzip.encoding).toBe('gzip');
  return { plain: plain.body, gzip: gzip.body };
}

/**
 * Bytes of `b`, after its first difference from `a`, that occur in `a` too (in 256-byte pieces).
 * When the parts fixed for the snapshot are compressed once, their bytes recur in every scrape;
 * compressed as one stream per scrape, nothing recurs once an earlier byte has changed.
 */
function recurringAfterChange(a: Buffer, b: Buffer): number {
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first += 1;
  let recurring = 0;
  for (let k = first + 256; k + 256 <= b.length; k += 256) if (a.includes(b.subarray(k, k + 256))) recurring += 256;
  return recurring;
}

/** Checks that `body` is a single gzip member: one deflate stream ending where the 8-byte trailer starts, whose CRC-32 and length are those of `plain`. */
function expectOneMember(body: Buffer, plain: Buffer): void {
  expect(body.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 0x08]));
  const { buffer, engine } = inflateRawSync(body.subarray(10, body.length - 8), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  expect(buffer.equals(plain)).toBe(true);
  expect(engine.bytesWritten).toBe(body.length - 18);
  expect(body.readUInt32LE(body.length - 8)).toBe(crc32(plain));
  expect(body.readUInt32LE(body.length - 4)).toBe(plain.length % 2 ** 32);
}

let address: string;
/** A gzip scrape of the same snapshot at an earlier instant. */
let earlier: Buffer;

/**
 * The behaviour these clients are given: a later scrape repeats, byte for byte, the compressed form
 * of the families that did not change (the path families, after age_seconds).
 */
function expectCompressedOnce(body: Buffer, before = earlier): void {
  expect(body.equals(before)).toBe(false);
  expect(recurringAfterChange(before, body)).toBeGreaterThan(body.length / 4);
}

beforeAll(async () => {
  address = await startServer(true);
  earlier = (await get(address, { 'accept-encoding': 'gzip' })).body;
  nowMs = T0 + 29_876;
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('gzip /metrics read by its clients', () => {
  it("decompresses with Node's zlib to the plain scrape of the same instant, as one gzip member, repeating the compressed bytes of what did not change", async () => {
    const { plain, gzip } = await scrape(address);
    expect(plain.toString('utf8')).toContain('servicefabric_imagestore_upload_session_age_seconds{');
    expect(plain.toString('utf8')).toContain('servicefabric_imagestore_poll_backoff_until_timestamp_seconds{');
    expect(gunzipSync(gzip).equals(plain)).toBe(true);
    expectOneMember(gzip, plain);
    expectCompressedOnce(gzip);
    expect(gzip.length).toBeLessThan(plain.length / 5);
  });

  it("decompresses with Python's gzip module, which checks the CRC-32 and length, to the plain scrape byte for byte", async () => {
    const { plain, gzip } = await scrape(address);
    expectCompressedOnce(gzip);
    const script = [
      'import gzip, sys, zlib',
      'data = sys.stdin.buffer.read()',
      'text = gzip.decompress(data)',
      // One member and nothing after it, read by zlib's streaming decoder as well.
      'd = zlib.decompressobj(16 + zlib.MAX_WBITS)',
      'again = d.decompress(data) + d.flush()',
      'if not d.eof or d.unused_data or again != text: sys.exit("not one complete gzip member")',
      'sys.stdout.buffer.write(text)',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { input: gzip, maxBuffer: MAX_BUFFER });
    expect(run.stderr.toString()).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.equals(plain)).toBe(true);
  });

  it('is read by curl --compressed byte for byte, and curl is answered with gzip', async () => {
    const { plain, gzip } = await scrape(address);
    expectCompressedOnce(gzip);
    // Asynchronously: the server answering curl runs in this process.
    const run = await execFileAsync('curl', ['--silent', '--show-error', '--fail', '--compressed', '--user-agent', 'curl-gzip-test', `http://${address}/metrics`], { encoding: 'buffer', maxBuffer: MAX_BUFFER });
    expect(run.stderr.toString()).toBe('');
    expect(run.stdout.equals(plain)).toBe(true);
    expect(answers.filter((a) => a.userAgent === 'curl-gzip-test')).toEqual([{ userAgent: 'curl-gzip-test', encoding: 'gzip', length: gzip.length }]);
  });

  it('is scraped by a real Prometheus 2.x with every series present and every value as in the plain scrape', async () => {
    const { plain, gzip } = await scrape(address);
    expectCompressedOnce(gzip);
    const expected = parseExposition(plain.toString('utf8'));
    let prometheus: PrometheusServer | undefined;
    try {
      prometheus = await startPrometheus({
        config: stringify({ global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'gzip', static_configs: [{ targets: [address] }] }] }),
      });
      const server = prometheus;
      const scraped = await eventually('a completed scrape', 20_000, async () => {
        const samples = await server.query('scrape_samples_scraped{job="gzip"}');
        return samples.length === 1 ? Number(samples[0]?.value[1]) : undefined;
      });
      expect(scraped).toBe(expected.length);
      expect((await server.query('up{job="gzip"}'))[0]?.value[1]).toBe('1');
      const stored = await server.query('{job="gzip", __name__!~"up|scrape_.*"}');
      const key = (name: string, labels: Readonly<Record<string, string>>): string => JSON.stringify([name, Object.entries(labels).sort()]);
      const got = new Map(stored.map((s) => {
        const { __name__: name, job: _job, instance: _instance, ...labels } = s.metric;
        return [key(name as string, labels), Number(s.value[1])];
      }));
      expect(got.size).toBe(expected.length);
      for (const s of expected) expect([key(s.name, s.labels), got.get(key(s.name, s.labels))]).toEqual([key(s.name, s.labels), s.value]);
      // Prometheus asked for gzip and got the same body as the scrape above.
      const toPrometheus = answers.filter((a) => a.userAgent.startsWith('Prometheus/'));
      expect(toPrometheus.length).toBeGreaterThan(0);
      for (const a of toPrometheus) expect(a).toMatchObject({ encoding: 'gzip', length: gzip.length });
    } finally {
      await prometheus?.close();
    }
  }, 60_000);

  it('stays one valid gzip stream with the process_* and nodejs_* metrics, which change with every scrape', async () => {
    const withDefaults = await startServer(false);
    const before = (await get(withDefaults, { 'accept-encoding': 'gzip' })).body;
    nowMs += 1_500;
    const { plain, gzip } = await scrape(withDefaults);
    expectCompressedOnce(gzip, before);
    const text = gunzipSync(gzip);
    expectOneMember(gzip, text);
    const split = (body: Buffer): [string, string] => {
      const s = body.toString('utf8');
      const at = s.indexOf('\n# HELP process_cpu_user_seconds_total');
      return [s.slice(0, at), s.slice(at)];
    };
    const [ours, defaults] = split(text);
    expect(ours).toBe(split(plain)[0]);
    expect(defaults).toContain('\nnodejs_version_info{');
    const python = spawnSync('python3', ['-c', 'import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))'], { input: gzip, maxBuffer: MAX_BUFFER });
    expect(python.status).toBe(0);
    expect(python.stdout.equals(text)).toBe(true);
  });
});
