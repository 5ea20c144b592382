/**
 * The gzip body of /metrics is one gzip stream assembled from deflate parts compressed at different
 * times: what is fixed for the snapshot once, what changes per scrape per scrape (compress.ts).
 * These tests hand it to clients that read it (Node's zlib, Python's gzip module, curl) and check
 * that each reads the plain exposition of the same instant byte for byte; a real Prometheus reads
 * it in gzip-prometheus.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { expectCompressedOnce, expectOneMember, getMetrics, scrapeBoth, startFixtureServer, T0, type FixtureServer } from '../helpers/gzip-scrape.js';

const MAX_BUFFER = 64 * 1024 * 1024;
const execFileAsync = promisify(execFile);

let server: FixtureServer;
/** A gzip scrape of the same snapshot at an earlier instant. */
let earlier: Buffer;
const servers: FixtureServer[] = [];

beforeAll(async () => {
  server = await startFixtureServer(true);
  servers.push(server);
  earlier = (await getMetrics(server.address, { 'accept-encoding': 'gzip' })).body;
  server.nowMs = T0 + 29_876;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('gzip /metrics read by its clients', () => {
  it("decompresses with Node's zlib to the plain scrape of the same instant, as one gzip member, repeating the compressed bytes of what did not change", async () => {
    const { plain, gzip } = await scrapeBoth(server.address);
    expect(plain.toString('utf8')).toContain('servicefabric_imagestore_upload_session_age_seconds{');
    expect(plain.toString('utf8')).toContain('servicefabric_imagestore_poll_backoff_until_timestamp_seconds{');
    expect(gunzipSync(gzip).equals(plain)).toBe(true);
    expectOneMember(gzip, plain);
    expectCompressedOnce(gzip, earlier);
    expect(gzip.length).toBeLessThan(plain.length / 5);
  });

  it("decompresses with Python's gzip module, which checks the CRC-32 and length, to the plain scrape byte for byte", async () => {
    const { plain, gzip } = await scrapeBoth(server.address);
    expectCompressedOnce(gzip, earlier);
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
    const { plain, gzip } = await scrapeBoth(server.address);
    expectCompressedOnce(gzip, earlier);
    // Asynchronously: the server answering curl runs in this process.
    const run = await execFileAsync('curl', ['--silent', '--show-error', '--fail', '--compressed', '--user-agent', 'curl-gzip-test', `http://${server.address}/metrics`], { encoding: 'buffer', maxBuffer: MAX_BUFFER });
    expect(run.stderr.toString()).toBe('');
    expect(run.stdout.equals(plain)).toBe(true);
    expect(server.answers.filter((a) => a.userAgent === 'curl-gzip-test')).toEqual([{ userAgent: 'curl-gzip-test', encoding: 'gzip', length: gzip.length }]);
  });

  it('stays one valid gzip stream with the process_* and nodejs_* metrics, which change with every scrape', async () => {
    const withDefaults = await startFixtureServer(false);
    servers.push(withDefaults);
    const before = (await getMetrics(withDefaults.address, { 'accept-encoding': 'gzip' })).body;
    withDefaults.nowMs += 1_500;
    const { plain, gzip } = await scrapeBoth(withDefaults.address);
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
