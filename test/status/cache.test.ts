import { describe, expect, it } from '@jest/globals';
import { nextSnapshot, type Snapshot } from '../../src/poller/snapshot.js';
import { StatusViewCache } from '../../src/status/cache.js';
import { STALLED_AFTER_MS, T0, largeSnapshot } from '../fixtures/status.js';

describe('StatusViewCache', () => {
  it('builds the view once per snapshot, and its JSON and renderings once per view', () => {
    let snapshot: Snapshot | undefined = largeSnapshot();
    let now = T0;
    const cache = new StatusViewCache(() => ({ snapshot, stalledAfterMs: STALLED_AFTER_MS, maxStalenessMs: 90_000 }), () => now);
    const first = cache.current();
    now += 5000;
    const second = cache.current();
    expect(second).toBe(first);
    expect(cache.builds).toBe(1);
    expect(second.json()).toBe(first.json());
    let renders = 0;
    const render = (): string => `page ${++renders}`;
    expect([first.rendered('a', render), first.rendered('a', render), first.rendered('b', render)]).toEqual(['page 1', 'page 1', 'page 2']);

    snapshot = nextSnapshot(snapshot, [], { completedMs: now, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 });
    const third = cache.current();
    expect(third).not.toBe(first);
    expect(third.etag).not.toBe(first.etag);
    expect(cache.builds).toBe(2);
  });

  it('builds a new view when the snapshot turns stale or the stall threshold changes, and none is held after clear', () => {
    const snapshot = largeSnapshot();
    let now = T0;
    let stalledAfterMs = STALLED_AFTER_MS;
    const cache = new StatusViewCache(() => ({ snapshot, stalledAfterMs, maxStalenessMs: 90_000 }), () => now);
    expect(cache.current().view.fresh).toBe(true);
    now = T0 + 90_001;
    expect(cache.current().view.fresh).toBe(false);
    now += 60_000;
    cache.current();
    expect(cache.builds).toBe(2);
    stalledAfterMs = 1000;
    expect(cache.current().view.stalled_after_seconds).toBe(1);
    expect(cache.builds).toBe(3);
    cache.clear();
    cache.current();
    expect(cache.builds).toBe(4);
  });
});
