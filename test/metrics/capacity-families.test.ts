/**
 * The capacity families as a scrape shows them: the disk and each use per cluster, absent for a
 * cluster without the route, after a failed poll and when the data is stale; the failure counter by
 * reason from the first poll; the cached renderer byte for byte as prom-client.
 */
import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '../../src/metrics/registry.js';
import { createMetricsRenderer } from '../../src/metrics/render.js';
import type { CapacityState } from '../../src/model/capacity-state.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import type { ImageStoreInfo } from '../../src/servicefabric/image-store-info.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };

const INFO: ImageStoreInfo = {
  // Above 2^32 and near 2^53, so no value goes through 32-bit arithmetic or exponent notation unnoticed.
  capacityBytes: 9_007_199_254_740_991,
  availableBytes: 228_851_900_416,
  used: { metadata: { bytes: 23_093_248, files: 6 }, staging: { bytes: 6_291_456, files: 9 }, copy: { bytes: 4_194_304, files: 2 }, register: { bytes: 0, files: 0 } },
};

function snapshot(capacity: CapacityState[]): Snapshot {
  return { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0, paths: [], packages: [], capacity };
}

const answered: CapacityState = { cluster: 'prod "west"', info: INFO, supported: true, failuresTotal: { timeout: 2 }, failure: undefined, polledMs: T0 };
const unsupported: CapacityState = { cluster: 'old', info: undefined, supported: false, failuresTotal: {}, failure: undefined, polledMs: T0 };
const failing: CapacityState = {
  cluster: 'busy',
  info: undefined,
  supported: true,
  failuresTotal: { http_status: 1 },
  failure: { reason: 'http_status', message: 'GET …: status 503' },
  polledMs: T0,
};

async function scrape(snap: Snapshot | undefined, nowMs = T0 + 1000): Promise<string> {
  const options = { snapshot: () => snap, maxStalenessMs: 90_000, build, disableExporterMetrics: true, now: () => nowMs };
  const reference = await createRegistry(options).metrics();
  const rendered = Buffer.concat(await createMetricsRenderer(options).metrics()).toString('utf8');
  expect(rendered).toBe(reference);
  return reference;
}

const lines = (text: string, family: string): string[] => text.split('\n').filter((l) => l.startsWith(`${family}{`));

describe('capacity families', () => {
  it('give the disk and each use of a cluster that answered', async () => {
    const text = await scrape(snapshot([answered]));
    expect(lines(text, 'servicefabric_imagestore_disk_capacity_bytes')).toEqual(['servicefabric_imagestore_disk_capacity_bytes{sf_cluster="prod \\"west\\""} 9007199254740991']);
    expect(lines(text, 'servicefabric_imagestore_disk_available_bytes')).toEqual(['servicefabric_imagestore_disk_available_bytes{sf_cluster="prod \\"west\\""} 228851900416']);
    expect(lines(text, 'servicefabric_imagestore_used_bytes')).toEqual([
      'servicefabric_imagestore_used_bytes{sf_cluster="prod \\"west\\"",use="metadata"} 23093248',
      'servicefabric_imagestore_used_bytes{sf_cluster="prod \\"west\\"",use="staging"} 6291456',
      'servicefabric_imagestore_used_bytes{sf_cluster="prod \\"west\\"",use="copy"} 4194304',
      'servicefabric_imagestore_used_bytes{sf_cluster="prod \\"west\\"",use="register"} 0',
    ]);
    expect(lines(text, 'servicefabric_imagestore_used_files')).toEqual([
      'servicefabric_imagestore_used_files{sf_cluster="prod \\"west\\"",use="metadata"} 6',
      'servicefabric_imagestore_used_files{sf_cluster="prod \\"west\\"",use="staging"} 9',
      'servicefabric_imagestore_used_files{sf_cluster="prod \\"west\\"",use="copy"} 2',
      'servicefabric_imagestore_used_files{sf_cluster="prod \\"west\\"",use="register"} 0',
    ]);
    expect(text).toContain('# TYPE servicefabric_imagestore_info_poll_failures_total counter\n');
    expect(lines(text, 'servicefabric_imagestore_info_poll_failures_total')).toEqual(
      ['timeout 2', 'connection 0', 'tls 0', 'http_status 0', 'fabric_error 0', 'invalid_response 0', 'auth 0'].map((rv) => {
        const [reason, value] = rv.split(' ');
        return `servicefabric_imagestore_info_poll_failures_total{sf_cluster="prod \\"west\\"",reason="${reason}"} ${value}`;
      }),
    );
  });

  it('leave out a cluster without the route and one whose poll failed, still counting its failures', async () => {
    const text = await scrape(snapshot([unsupported, failing, answered]));
    for (const family of ['servicefabric_imagestore_disk_capacity_bytes', 'servicefabric_imagestore_disk_available_bytes', 'servicefabric_imagestore_used_bytes', 'servicefabric_imagestore_used_files']) {
      expect(lines(text, family).every((l) => l.includes('sf_cluster="prod \\"west\\""'))).toBe(true);
      expect(lines(text, family).length).toBeGreaterThan(0);
    }
    expect(text).toContain('servicefabric_imagestore_info_poll_failures_total{sf_cluster="busy",reason="http_status"} 1\n');
    expect(text).toContain('servicefabric_imagestore_info_poll_failures_total{sf_cluster="old",reason="fabric_error"} 0\n');
  });

  it('withhold the gauges once the data is older than poll.max_staleness, keep the counter', async () => {
    const text = await scrape(snapshot([answered]), T0 + 90_001);
    expect(lines(text, 'servicefabric_imagestore_disk_available_bytes')).toEqual([]);
    expect(lines(text, 'servicefabric_imagestore_used_bytes')).toEqual([]);
    expect(lines(text, 'servicefabric_imagestore_info_poll_failures_total')).toHaveLength(7);
  });

  it('are empty before the first cycle and for a snapshot without capacity', async () => {
    expect(lines(await scrape(undefined), 'servicefabric_imagestore_disk_capacity_bytes')).toEqual([]);
    const { capacity: _none, ...withoutCapacity } = snapshot([]);
    expect(lines(await scrape(withoutCapacity), 'servicefabric_imagestore_info_poll_failures_total')).toEqual([]);
  });
});
