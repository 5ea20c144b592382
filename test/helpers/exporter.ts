import { expect } from '@jest/globals';
import type { ClusterConfig, PollConfig } from '../../src/config/types.js';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { silentLogger } from '../../src/log.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { parseExposition, type Series } from './exposition.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

/** Resolves with the exporter's first snapshot (at once if there is one). */
export function firstSnapshot(exp: Exporter): Promise<Snapshot> {
  const current = exp.poller.current();
  return current ? Promise.resolve(current) : new Promise((resolve) => exp.poller.onSnapshot(resolve));
}

/** Scrapes /metrics, which must answer 200. */
export async function scrape(exp: Exporter): Promise<{ text: string; series: Series[] }> {
  const res = await fetch(`http://${exp.address}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, series: parseExposition(text) };
}

/**
 * An exporter on 127.0.0.1 that polls `clusters` once, at start-up (its schedule never fires during
 * a test), with the default limits; resolves after that cycle. The caller closes it.
 */
export async function startOneCycleExporter(clusters: ClusterConfig[], options: { disableExporterMetrics?: boolean; poll?: Partial<PollConfig> } = {}): Promise<Exporter> {
  const exp = await startExporter({
    config: {
      ...UNWRITTEN_SECTIONS,
      poll: { schedule: '0 0 1 1 *', concurrency: 4, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000, ...options.poll },
      clusters,
    },
    listen: { host: '127.0.0.1', port: 0 },
    telemetryPath: '/metrics',
    disableExporterMetrics: options.disableExporterMetrics ?? true,
    logger: silentLogger,
  });
  await firstSnapshot(exp);
  return exp;
}
