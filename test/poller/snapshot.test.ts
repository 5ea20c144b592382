import { describe, expect, it } from '@jest/globals';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
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
