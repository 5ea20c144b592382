import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExporter, type Exporter } from '../src/exporter.js';
import { startSimulator, type Simulator } from '../src/simulator/server.js';
import type { Config } from '../src/config/types.js';
import { silentLogger } from '../src/log.js';
import { seriesOf, valueOf } from './helpers/exposition.js';
import { REFERENCE_EXAMPLE, sessionOperation, uploadChunk } from './helpers/upload.js';
import { firstSnapshot, scrape } from './helpers/exporter.js';
import { UNWRITTEN_SECTIONS } from '../src/config/schema.js';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
});

/** A schedule that never fires during a test: cycles run at start-up and when the test ticks. */
const MANUAL = '0 0 1 1 *';

async function simulator(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}

async function exporter(endpoint: string, contentPaths: string[], extra: Partial<Config['poll']> = {}, contentPathFiles?: string[]): Promise<Exporter> {
  const config: Config = {
    ...UNWRITTEN_SECTIONS,
    poll: { schedule: MANUAL, concurrency: 4, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000, ...extra },
    clusters: [{ name: 'sim', endpoint, contentPaths, ...(contentPathFiles === undefined ? {} : { contentPathFiles }) }],
  };
  const exp = await startExporter({
    config,
    listen: { host: '127.0.0.1', port: 0 },
    telemetryPath: '/metrics',
    disableExporterMetrics: true,
    logger: silentLogger,
  });
  running.push(exp);
  return exp;
}


async function uploadReferenceExample(sim: Simulator): Promise<void> {
  for (const s of REFERENCE_EXAMPLE.sessions) {
    const status = await uploadChunk(sim.url, REFERENCE_EXAMPLE.path, s.sessionId, { ...s.received, fileSize: REFERENCE_EXAMPLE.fileSize });
    expect(status).toBe(200);
  }
}

const REMAINING = 'servicefabric_imagestore_upload_session_remaining_bytes';

describe('exporter end to end against the simulator', () => {
  it("turns the reference example's two sessions into exact remaining bytes and range counts", async () => {
    const sim = await simulator();
    await uploadReferenceExample(sim);
    const exp = await exporter(sim.url, [REFERENCE_EXAMPLE.path]);
    await firstSnapshot(exp);
    const { series } = await scrape(exp);
    for (const s of REFERENCE_EXAMPLE.sessions) {
      const labels = { sf_cluster: 'sim', content_path: REFERENCE_EXAMPLE.path, store_relative_path: REFERENCE_EXAMPLE.path, session_id: s.sessionId };
      expect(valueOf(series, REMAINING, labels)).toBe(s.remaining);
      expect(valueOf(series, 'servicefabric_imagestore_upload_session_expected_ranges', labels)).toBe(2);
      expect(valueOf(series, 'servicefabric_imagestore_upload_session_size_bytes', labels)).toBe(2097152);
    }
    expect(valueOf(series, 'servicefabric_imagestore_upload_sessions', { content_path: REFERENCE_EXAMPLE.path })).toBe(2);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: REFERENCE_EXAMPLE.path })).toBe(1);
  });

  it('drops a deleted session after the next poll, keeps a committed one with nothing remaining', async () => {
    const sim = await simulator();
    await uploadReferenceExample(sim);
    const done = '11111111-2222-4333-8444-555555555555';
    expect(await uploadChunk(sim.url, 'Pkg\\done.bin', done, { start: 0, end: 99, fileSize: 100 })).toBe(200);
    expect(await sessionOperation(sim.url, 'CommitUploadSession', done)).toBe(200);
    const exp = await exporter(sim.url, [REFERENCE_EXAMPLE.path, 'Pkg\\done.bin']);
    await firstSnapshot(exp);
    expect(seriesOf((await scrape(exp)).series, REMAINING)).toHaveLength(3);

    const [gone, kept] = REFERENCE_EXAMPLE.sessions;
    expect(await sessionOperation(sim.url, 'DeleteUploadSession', gone.sessionId)).toBe(200);
    await exp.poller.tick();
    const { series } = await scrape(exp);
    expect(seriesOf(series, REMAINING, { session_id: gone.sessionId })).toHaveLength(0);
    expect(seriesOf(series, REMAINING, { session_id: kept.sessionId })).toHaveLength(1);
    expect(valueOf(series, REMAINING, { session_id: done })).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_expected_ranges', { session_id: done })).toBe(0);
  });

  it('drops an expired session after the next poll, and the path stays present with 0 sessions', async () => {
    let now = Date.now();
    const sim = await simulator({ now: () => now, sessionTimeoutMs: 30 * 60_000 });
    await uploadReferenceExample(sim);
    const exp = await exporter(sim.url, [REFERENCE_EXAMPLE.path]);
    await firstSnapshot(exp);
    now += 31 * 60_000;
    expect(sim.expireNow()).toBe(2);
    await exp.poller.tick();
    const { series } = await scrape(exp);
    expect(seriesOf(series, REMAINING)).toHaveLength(0);
    expect(valueOf(series, 'servicefabric_imagestore_upload_sessions', { content_path: REFERENCE_EXAMPLE.path })).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: REFERENCE_EXAMPLE.path })).toBe(1);
  });

  it('treats 204 and an empty 200 list alike: a successful poll with zero sessions', async () => {
    for (const emptyStatus of [204, 200] as const) {
      const sim = await simulator({ emptyStatus });
      const exp = await exporter(sim.url, ['Nothing\\here.bin']);
      await firstSnapshot(exp);
      const { series } = await scrape(exp);
      expect(valueOf(series, 'servicefabric_imagestore_poll_success')).toBe(1);
      expect(valueOf(series, 'servicefabric_imagestore_upload_sessions')).toBe(0);
    }
  });

  it('isolates a failing path: it reads 0 with its reason, the others are untouched', async () => {
    const sim = await simulator();
    await uploadReferenceExample(sim);
    sim.faults.add({ kind: 'status', path: 'Broken\\path', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' });
    sim.faults.add({ kind: 'wrong_shape', path: 'Garbled' });
    const exp = await exporter(sim.url, [REFERENCE_EXAMPLE.path, 'Broken\\path', 'Garbled']);
    await firstSnapshot(exp);
    const { series } = await scrape(exp);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: 'Broken\\path' })).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_failures_total', { content_path: 'Broken\\path', reason: 'fabric_error' })).toBe(1);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: 'Garbled' })).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_failures_total', { content_path: 'Garbled', reason: 'invalid_response' })).toBe(1);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: REFERENCE_EXAMPLE.path })).toBe(1);
    expect(seriesOf(series, REMAINING, { content_path: REFERENCE_EXAMPLE.path })).toHaveLength(2);
  });

  it('serves watched_paths, path_file_errors_total and path_file_limit_reached_total on /metrics for content_path_files', async () => {
    const sim = await simulator();
    const dir = mkdtempSync(join(tmpdir(), 'sfue-exporter-pathfiles-'));
    try {
      writeFileSync(join(dir, 'good.yaml'), "- 'Store\\App\\one.zip'\n- 'Store\\App\\two.zip'\n- 'MyAppPkg'\n");
      writeFileSync(join(dir, 'bad.yaml'), '- [unterminated\n');
      const exp = await exporter(sim.url, ['MyAppPkg'], {}, [join(dir, '*.yaml')]);
      await firstSnapshot(exp);
      const { series } = await scrape(exp);
      // A path listed in both the configuration and a file counts as config.
      expect(seriesOf(series, 'servicefabric_imagestore_watched_paths').map((s) => [s.labels, s.value])).toEqual([
        [{ sf_cluster: 'sim', source: 'config' }, 1],
        [{ sf_cluster: 'sim', source: 'file' }, 2],
      ]);
      expect(seriesOf(series, 'servicefabric_exporter_path_file_errors_total').map((s) => [s.labels, s.value])).toEqual([
        [{ sf_cluster: 'sim', file: join(dir, 'bad.yaml') }, 1],
      ]);
      expect(seriesOf(series, 'servicefabric_exporter_path_file_limit_reached_total').map((s) => [s.labels, s.value])).toEqual([
        [{ sf_cluster: 'sim', limit: 'max_paths' }, 0],
        [{ sf_cluster: 'sim', limit: 'max_package_files' }, 0],
      ]);
      expect(seriesOf(series, 'servicefabric_imagestore_poll_success')).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains a Linux cluster's E_INVALIDARG as missing upload-session support", async () => {
    const sim = await simulator({ platform: 'linux' });
    const exp = await exporter(sim.url, ['Any\\path']);
    const snapshot = await firstSnapshot(exp);
    const path = snapshot.paths[0];
    expect(path?.success).toBe(false);
    expect(path?.failure).toMatchObject({ reason: 'fabric_error', status: 400, code: 'E_INVALIDARG' });
    expect(path?.failure?.message).toMatch(/upload sessions may not be supported/);
  });

  it('answers /-/ready 503 until the first cycle completes, then 200', async () => {
    const sim = await simulator();
    sim.faults.add({ kind: 'latency', latencyMs: 500 });
    const exp = await exporter(sim.url, ['Slow\\path']);
    expect((await fetch(`http://${exp.address}/-/ready`)).status).toBe(503);
    expect((await fetch(`http://${exp.address}/-/healthy`)).status).toBe(200);
    await firstSnapshot(exp);
    expect((await fetch(`http://${exp.address}/-/ready`)).status).toBe(200);
  });

  it('builds the status view once per poll cycle: the page and the JSON serve the same one until the next cycle', async () => {
    const sim = await simulator();
    await uploadReferenceExample(sim);
    const exp = await exporter(sim.url, [REFERENCE_EXAMPLE.path]);
    await firstSnapshot(exp);
    const sessions = async (): Promise<{ etag: string | null; generatedAt: string }> => {
      const res = await fetch(`http://${exp.address}/api/v1/sessions`);
      return { etag: res.headers.get('etag'), generatedAt: ((await res.json()) as { generated_at: string }).generated_at };
    };
    const first = await sessions();
    // The clock moves on: a view built per request would say so in generated_at.
    await new Promise((r) => setTimeout(r, 20));
    expect(await sessions()).toEqual(first);
    expect(first.etag).not.toBeNull();
    expect(await (await fetch(`http://${exp.address}/`)).text()).toContain(`<time datetime="${first.generatedAt}">`);
    await exp.poller.tick();
    const next = await sessions();
    expect(next.etag).not.toBe(first.etag);
    expect(next.generatedAt).not.toBe(first.generatedAt);
  });

  it('counts cycles skipped behind a first cycle that has not completed yet, as they are logged', async () => {
    const sim = await simulator();
    sim.faults.add({ kind: 'latency', latencyMs: 30_000 });
    const exp = await exporter(sim.url, ['Slow\\path'], { requestTimeoutMs: 20_000, maxStalenessMs: 60_000 });
    // Two schedule ticks while the first cycle still waits for its answer.
    void exp.poller.tick();
    void exp.poller.tick();
    expect((await fetch(`http://${exp.address}/-/ready`)).status).toBe(503);
    const { series } = await scrape(exp);
    expect(valueOf(series, 'servicefabric_imagestore_poll_cycles_skipped_total')).toBe(2);
  });
});
