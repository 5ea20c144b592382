/**
 * Fault 11 (429/503 with Retry-After, honoured and visible) and fault 17 (every path slow at once:
 * cycles end at the request timeout and the ones due meanwhile are skipped and counted).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { seriesOf, valueOf } from '../helpers/exposition.js';
import { FAULTY, HEALTHY_A, HEALTHY_B, closeAll, healthySimulator, runExporter, scrape } from './harness.js';
import type { Snapshot } from '../../src/poller/snapshot.js';

afterEach(closeAll);

const BACKOFF = 'servicefabric_imagestore_poll_backoff_until_timestamp_seconds';
const POLLS = 'servicefabric_imagestore_polls_total';

describe('Retry-After', () => {
  it.each([
    [429, 'FABRIC_E_SERVICE_TOO_BUSY'],
    [503, 'FABRIC_E_SERVICE_TOO_BUSY'],
  ])('a %i with Retry-After holds that path until the time it names, visibly, and only that path', async (status, code) => {
    const sim = await healthySimulator();
    sim.faults.add({ kind: 'status', path: FAULTY, status, code, retryAfterSeconds: 120 });
    const before = Date.now();
    const { exporter, lines } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A, FAULTY, HEALTHY_B] }]);

    let { series } = await scrape(exporter);
    const until = valueOf(series, BACKOFF, { content_path: FAULTY });
    expect(until).toBeGreaterThanOrEqual(before / 1000 + 120);
    expect(until).toBeLessThanOrEqual(Date.now() / 1000 + 120);
    expect(seriesOf(series, BACKOFF)).toHaveLength(1);

    // Three more cycles: the faulty path is not asked again, the others are.
    for (let i = 0; i < 3; i++) await exporter.poller.tick();
    ({ series } = await scrape(exporter));
    expect(valueOf(series, POLLS, { content_path: FAULTY })).toBe(1);
    expect(valueOf(series, POLLS, { content_path: HEALTHY_A })).toBe(4);
    expect(sim.faults.list()[0]?.hits).toBe(1);
    // It keeps its state: failed once, with the reason of that answer, and not counted again.
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: FAULTY })).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_failures_total', { content_path: FAULTY, reason: 'fabric_error' })).toBe(1);
    expect(valueOf(series, BACKOFF, { content_path: FAULTY })).toBe(until);

    // One log line, when the backoff starts, saying until when.
    const logged = lines.filter((l) => l.content_path === FAULTY);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.msg).toMatch(/Retry-After\): not polling this path again before \d{4}-\d\d-\d\dT/);
    expect(logged[0]?.backoff_until).toBe(new Date(until * 1000).toISOString());
  });

  it('polls the path again once the time has passed, and the gauge goes away', async () => {
    const sim = await healthySimulator();
    sim.faults.add({ kind: 'status', path: FAULTY, status: 429, retryAfterSeconds: 1, times: 1 });
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A, FAULTY] }]);
    expect(seriesOf((await scrape(exporter)).series, BACKOFF)).toHaveLength(1);
    await sleep(1100);
    expect(seriesOf((await scrape(exporter)).series, BACKOFF)).toHaveLength(0);
    await exporter.poller.tick();
    const { series } = await scrape(exporter);
    expect(valueOf(series, POLLS, { content_path: FAULTY })).toBe(2);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: FAULTY })).toBe(1);
    expect(seriesOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes', { content_path: FAULTY })).toHaveLength(1);
  });

  it('caps a long Retry-After at 10 minutes', async () => {
    const sim = await healthySimulator();
    sim.faults.add({ kind: 'status', path: FAULTY, status: 503, retryAfterSeconds: 86_400 });
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [FAULTY] }]);
    const until = valueOf((await scrape(exporter)).series, BACKOFF, { content_path: FAULTY });
    expect(until).toBeLessThanOrEqual(Date.now() / 1000 + 600);
    expect(until).toBeGreaterThan(Date.now() / 1000 + 590);
  });

  it('a 503 without Retry-After does not back off', async () => {
    const sim = await healthySimulator();
    sim.faults.add({ kind: 'status', path: FAULTY, status: 503 });
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [FAULTY] }]);
    await exporter.poller.tick();
    const { series } = await scrape(exporter);
    expect(seriesOf(series, BACKOFF)).toHaveLength(0);
    expect(valueOf(series, POLLS, { content_path: FAULTY })).toBe(2);
  });
});

describe('a gateway slow for every path at once', () => {
  it('ends each cycle at the request timeout and skips (and counts) the cycles due meanwhile, never stacking them', async () => {
    const sim = await healthySimulator();
    sim.faults.add({ kind: 'latency', latencyMs: 30_000 });
    const paths = [HEALTHY_A, HEALTHY_B, FAULTY];
    // Every second, with a 1.5 s timeout: each cycle outlives at least one schedule tick.
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: paths }], { schedule: '* * * * * *' });
    const snapshots: Snapshot[] = [exporter.poller.current()!];
    await new Promise<void>((resolve) =>
      exporter.poller.onSnapshot((s) => {
        snapshots.push(s);
        if (snapshots.length === 3) resolve();
      }),
    );
    // /metrics answers while every request of the next cycle hangs.
    const { series } = await scrape(exporter);
    const last = snapshots.at(-1)!;
    expect(last.cyclesSkippedTotal).toBeGreaterThanOrEqual(1);
    expect(valueOf(series, 'servicefabric_imagestore_poll_cycles_skipped_total')).toBeGreaterThanOrEqual(1);
    for (const path of last.paths) {
      expect(path.failure?.reason).toBe('timeout');
      // Not stacked: each completed cycle polled each path exactly once.
      expect(path.pollsTotal).toBe(snapshots.indexOf(last) + 1);
    }
    // Skips are counted, monotonically, and every snapshot has every path once.
    expect(snapshots.map((s) => s.cyclesSkippedTotal)).toEqual([...snapshots.map((s) => s.cyclesSkippedTotal)].sort((a, b) => a - b));
    for (const s of snapshots) expect(s.paths.map((p) => p.contentPath)).toEqual(paths);
  });
});
