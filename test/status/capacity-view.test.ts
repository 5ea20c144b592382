import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { CapacityState } from '../../src/model/capacity-state.js';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import type { ImageStoreInfo } from '../../src/servicefabric/image-store-info.js';
import { capacityView, describeCapacity, LOW_FREE_FRACTION } from '../../src/status/capacity-view.js';
import { buildStatusView } from '../../src/status/view.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const GiB = 1024 ** 3;

function info(capacityBytes: number, availableBytes: number): ImageStoreInfo {
  return {
    capacityBytes,
    availableBytes,
    used: { metadata: { bytes: 100, files: 6 }, staging: { bytes: 2 * GiB, files: 3 }, copy: { bytes: 30 * GiB, files: 40 }, register: { bytes: 20 * GiB, files: 50 } },
  };
}

function state(cluster: string, over: Partial<CapacityState> = {}): CapacityState {
  return { cluster, info: info(64 * GiB, 32 * GiB), supported: true, failuresTotal: {}, failure: undefined, polledMs: T0, ...over };
}

describe('status view: image store capacity', () => {
  it('shows free space against the disk, and what the store keeps on it by use', () => {
    const view = capacityView(state('prod'));
    expect(view).toEqual({
      status: 'ok',
      capacity_bytes: 64 * GiB,
      available_bytes: 32 * GiB,
      free_fraction: 0.5,
      low: false,
      used_bytes: { metadata: 100, staging: 2 * GiB, copy: 30 * GiB, register: 20 * GiB },
      polled_at: '2026-01-01T00:00:00.000Z',
      error: null,
    });
    expect(describeCapacity(view)).toBe('32 GiB free of 64 GiB (50%)');
  });

  it('is low below 10 % free, as the alert, and not at exactly 10 %', () => {
    const low = capacityView(state('prod', { info: info(100 * GiB, 9 * GiB) }));
    expect({ low: low.low, text: describeCapacity(low) }).toEqual({ low: true, text: '9 GiB free of 100 GiB (9%), below 10 %: deployments fail once it is full' });
    expect(capacityView(state('prod', { info: info(100, 10) })).low).toBe(false);
    expect(capacityView(state('prod', { info: info(100, 0) })).low).toBe(true);
    // A disk reported as 0 bytes has no fraction, and is not called low on that alone.
    expect(capacityView(state('prod', { info: info(0, 0) }))).toMatchObject({ free_fraction: null, low: false });
  });

  it('uses the fraction of ServiceFabricImageStoreDiskFilling in deploy/prometheus/rules.yml', () => {
    const rules = parse(readFileSync(new URL('../../deploy/prometheus/rules.yml', import.meta.url), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
    const alert = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ServiceFabricImageStoreDiskFilling');
    expect(alert?.expr).toMatch(/disk_available:ratio\[5m\]\) < 0\.1\n/);
    expect(LOW_FREE_FRACTION).toBe(0.1);
  });

  it('says why it is unknown: a failed poll with its reason, code and status, or a runtime without the route', () => {
    const failed = capacityView(state('prod', { info: undefined, failure: { reason: 'fabric_error', message: 'GET … answered 503', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' } }));
    expect(failed).toMatchObject({ status: 'failed', capacity_bytes: null, available_bytes: null, free_fraction: null, low: false, used_bytes: null });
    expect(describeCapacity(failed)).toBe('unknown: the capacity poll failed (fabric_error, FABRIC_E_SERVICE_TOO_BUSY, HTTP 503): GET … answered 503');
    const old = capacityView(state('prod', { info: undefined, supported: false }));
    expect({ status: old.status, error: old.error }).toEqual({ status: 'unsupported', error: null });
    expect(describeCapacity(old)).toBe('not reported by this cluster (GetImageStoreInfo needs Service Fabric 6.5 or later)');
  });

  it('puts each cluster\'s disk beside its paths, a cluster without paths included, from the one snapshot', () => {
    const outcome: PollOutcome = { cluster: 'prod', contentPath: 'p', durationSeconds: 0.01, finishedMs: T0, result: { ok: true, sessions: [] } };
    const base = nextSnapshot(undefined, [outcome], { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 });
    const snapshot = { ...base, capacity: [state('prod', { info: info(64 * GiB, 4 * GiB) }), state('empty')] };
    const view = buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: 60_000 });
    expect(view.clusters.map((c) => [c.name, c.paths.length, c.capacity?.available_bytes, c.capacity?.low])).toEqual([
      ['prod', 1, 4 * GiB, true],
      ['empty', 0, 32 * GiB, false],
    ]);
    // A process that polls no capacity (another shard) shows none.
    expect(buildStatusView({ snapshot: base, nowMs: T0, stalledAfterMs: 60_000 }).clusters[0]?.capacity).toBeNull();
  });
});
