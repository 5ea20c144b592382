import { describe, expect, it } from '@jest/globals';
import { SnapshotCache } from '../../src/metrics/snapshot-cache.js';

describe('SnapshotCache', () => {
  it('keeps a value while its key is seen in consecutive snapshots, and drops it after a snapshot without it', () => {
    const cache = new SnapshotCache<string, object>();
    const [first, second, third, fourth] = [{}, {}, {}, {}];
    expect(cache.get(first, 'a')).toBeUndefined();
    const a = cache.set('a', { a: 1 });
    expect(cache.get(first, 'b')).toBeUndefined();
    cache.set('b', { b: 1 });
    expect(cache.get(first, 'a')).toBe(a);
    expect(cache.get(second, 'a')).toBe(a);
    // `b` was not asked for in `second`: gone in `third`.
    expect(cache.get(third, 'b')).toBeUndefined();
    expect(cache.get(third, 'a')).toBe(a);
    expect(cache.get(third, 'a')).toBe(a);
    expect(cache.get(fourth, 'a')).toBe(a);
  });
});
