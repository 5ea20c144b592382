import { describe, expect, it } from '@jest/globals';
import { isFresh, nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import { session } from '../fixtures/sessions.js';

const ok = (contentPath: string, finishedMs: number, n = 1): PollOutcome => ({
  cluster: 'c1',
  contentPath,
  durationSeconds: 0.01,
  finishedMs,
  result: { ok: true, sessions: Array.from({ length: n }, (_, i) => session({ sessionId: `00000000-0000-4000-8000-00000000000${i}` })) },
});
const failed = (contentPath: string, finishedMs: number): PollOutcome => ({
  cluster: 'c1',
  contentPath,
  durationSeconds: 0.02,
  finishedMs,
  result: { ok: false, failure: { reason: 'fabric_error', message: 'boom', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' } },
});
const cycle = (completedMs: number) => ({ completedMs, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 });

describe('nextSnapshot', () => {
  it("takes a changed path's new sessions and samples, and keeps the sample of sessions carried over", () => {
    const first = nextSnapshot(undefined, [ok('a', 1000, 2), ok('b', 1000)], cycle(1000));
    const moved = session({ sessionId: '00000000-0000-4000-8000-000000000000', expectedRanges: [{ start: 50, end: 99 }] });
    const carried = { ...ok('a', 2000), result: { ok: true as const, sessions: first.paths[0]?.sessions ?? [] } };
    const second = nextSnapshot(first, [carried, { ...ok('b', 2000), result: { ok: true, sessions: [moved] } }], cycle(2000));
    const [a, b] = second.paths;
    expect(a?.sessions).toBe(first.paths[0]?.sessions);
    // Unchanged sessions: the same remaining bytes as before, not a copy of them.
    expect(a?.lastSample?.remainingBytes).toBe(first.paths[0]?.lastSample?.remainingBytes);
    // New bytes arrived: the new session, with its new figures.
    expect(b?.sessions).not.toBe(first.paths[1]?.sessions);
    expect(b?.sessions[0]).toMatchObject({ remainingBytes: 50 });
    expect(b?.lastSample?.remainingBytes.get(moved.sessionId)).toBe(50);
    expect(b?.previousSample?.remainingBytes.get(moved.sessionId)).toBe(100);
    expect(a?.lastSample).toMatchObject({ polledMs: 2000 });
    expect(a?.previousSample).toMatchObject({ polledMs: 1000 });
  });

  it('does not take a sample from before a failed poll as the last one when the same sessions come back', () => {
    const first = nextSnapshot(undefined, [ok('a', 1000)], cycle(1000));
    const second = nextSnapshot(first, [failed('a', 2000)], cycle(2000));
    const third = nextSnapshot(second, [{ ...ok('a', 3000), result: { ok: true, sessions: [] } }], cycle(3000));
    expect(third.paths[0]?.sessions).toEqual([]);
    expect(third.paths[0]?.lastSample?.polledMs).toBe(3000);
    expect(third.paths[0]?.lastSample?.remainingBytes.size).toBe(0);
    // The sample before the failure stays the previous one, so throughput spans the gap.
    expect(third.paths[0]?.previousSample?.polledMs).toBe(1000);
  });

  it('keeps a session whose ranges changed as a new one even when its remaining bytes are the same', () => {
    const before = session({ fileSize: 1000, expectedRanges: [{ start: 0, end: 99 }] });
    const after = session({ fileSize: 1000, expectedRanges: [{ start: 100, end: 199 }] });
    const first = nextSnapshot(undefined, [{ ...ok('a', 1000), result: { ok: true, sessions: [before] } }], cycle(1000));
    const second = nextSnapshot(first, [{ ...ok('a', 2000), result: { ok: true, sessions: [after] } }], cycle(2000));
    expect(second.paths[0]?.sessions[0]?.expectedRanges).toEqual([{ start: 100, end: 199 }]);
  });

  it('counts polls and failures by reason across cycles', () => {
    const first = nextSnapshot(undefined, [ok('a', 1000), failed('b', 1000)], cycle(1000));
    const second = nextSnapshot(first, [failed('a', 2000), failed('b', 2000)], cycle(2000));
    const [a, b] = second.paths;
    expect(a).toMatchObject({ pollsTotal: 2, failuresTotal: { fabric_error: 1 }, success: false, lastSuccessMs: 1000 });
    expect(b).toMatchObject({ pollsTotal: 2, failuresTotal: { fabric_error: 2 }, lastSuccessMs: undefined });
  });

  it("drops a failed path's sessions but keeps the last successful session count", () => {
    const first = nextSnapshot(undefined, [ok('a', 1000, 2)], cycle(1000));
    const second = nextSnapshot(first, [failed('a', 2000)], cycle(2000));
    expect(second.paths[0]).toMatchObject({ sessions: [], lastSuccessSessionCount: 2, failure: { code: 'FABRIC_E_SERVICE_TOO_BUSY' } });
  });

  it('forgets paths that are no longer polled, and starts added ones from zero', () => {
    const first = nextSnapshot(undefined, [ok('a', 1000), ok('b', 1000)], cycle(1000));
    const second = nextSnapshot(first, [ok('b', 2000), ok('c', 2000)], cycle(2000));
    expect(second.paths.map((p) => [p.contentPath, p.pollsTotal])).toEqual([
      ['b', 2],
      ['c', 1],
    ]);
  });

  it('keeps paths of different clusters apart even when the path is the same', () => {
    const other: PollOutcome = { ...ok('a', 1000), cluster: 'c2' };
    const first = nextSnapshot(undefined, [ok('a', 1000), other], cycle(1000));
    const second = nextSnapshot(first, [failed('a', 2000), { ...other, finishedMs: 2000 }], cycle(2000));
    expect(second.paths.map((p) => [p.cluster, p.pollsTotal, p.success])).toEqual([
      ['c1', 2, false],
      ['c2', 2, true],
    ]);
  });
});

describe('isFresh (poll.max_staleness)', () => {
  it("derives each path's state from its sessions, else from its store lookup, and none from a failed poll", () => {
    const file = { storeRelativePath: 'in', fileSize: 7, modifiedMs: 5 };
    const withStore = (contentPath: string, store: { file: typeof file | undefined; checkedMs: number }, sessions = 0): PollOutcome => {
      const o = ok(contentPath, 1000, sessions);
      return { ...o, result: { ok: true, sessions: o.result.ok ? o.result.sessions : [], store } };
    };
    const snapshot = nextSnapshot(
      undefined,
      [
        ok('up', 1000),
        { ...ok('done', 1000), result: { ok: true, sessions: [session({ expectedRanges: [] })] } },
        withStore('in', { file, checkedMs: 900 }),
        withStore('out', { file: undefined, checkedMs: 900 }),
        // A lookup handed in beside sessions stands for nothing: the sessions decide.
        withStore('both', { file, checkedMs: 900 }, 1),
        failed('broken', 1000),
        // No session and no lookup: nothing to tell.
        ok('unknown', 1000, 0),
      ],
      cycle(1000),
    );
    expect(snapshot.paths.map((p) => [p.contentPath, p.state, p.store?.file?.fileSize])).toEqual([
      ['up', 'uploading', undefined],
      ['done', 'received', undefined],
      ['in', 'in_store', 7],
      ['out', 'absent', undefined],
      ['both', 'uploading', undefined],
      ['broken', undefined, undefined],
      ['unknown', undefined, undefined],
    ]);
    // A held path keeps its state and its lookup until it is polled again.
    const held = nextSnapshot(snapshot, [{ cluster: 'c1', contentPath: 'in', held: true }], cycle(2000));
    expect(held.paths[0]).toBe(snapshot.paths[2]);
  });

  it('is fresh up to max_staleness after the cycle completed, inclusive, and stale one millisecond later', () => {
    const snapshot = nextSnapshot(undefined, [ok('a', 1000)], cycle(10_000));
    expect(isFresh(snapshot, 10_000, 60_000)).toBe(true);
    expect(isFresh(snapshot, 70_000, 60_000)).toBe(true);
    expect(isFresh(snapshot, 70_001, 60_000)).toBe(false);
    // A clock that stepped back since the cycle still shows the data.
    expect(isFresh(snapshot, 9_000, 60_000)).toBe(true);
  });

  it('is never fresh before the first cycle', () => {
    expect(isFresh(undefined, 0, Number.POSITIVE_INFINITY)).toBe(false);
  });
});
