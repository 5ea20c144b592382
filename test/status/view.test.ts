import { describe, expect, it } from '@jest/globals';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import { buildStatusView, sessionState } from '../../src/status/view.js';
import { session } from '../fixtures/sessions.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const cycle = (ms: number) => ({ completedMs: ms, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 });
const ok = (contentPath: string, finishedMs: number, sessions: ReturnType<typeof session>[]): PollOutcome => ({
  cluster: 'prod',
  contentPath,
  durationSeconds: 0.01,
  finishedMs,
  result: { ok: true, sessions },
});

describe('status view', () => {
  it('names the state from what is missing and how long ago the last chunk came', () => {
    expect(sessionState(0, 60 * MINUTE, 10 * MINUTE)).toBe('complete');
    expect(sessionState(5, 10 * MINUTE, 10 * MINUTE)).toBe('stalled');
    expect(sessionState(5, 10 * MINUTE - 1, 10 * MINUTE)).toBe('uploading');
  });

  it('computes throughput between the two latest successful polls, and counts states', () => {
    const id = '00000000-0000-4000-8000-00000000000a';
    const first = nextSnapshot(undefined, [ok('p', T0, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 0, end: 899 }], modifiedMs: T0 })])], cycle(T0));
    // 30 s later 600 more bytes have arrived; a second, old session has stalled; a third is done.
    const second = nextSnapshot(
      first,
      [
        ok('p', T0 + 30_000, [
          session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 600, end: 899 }], modifiedMs: T0 + 29_000 }),
          session({ sessionId: '00000000-0000-4000-8000-00000000000b', modifiedMs: T0 - 20 * MINUTE }),
          session({ sessionId: '00000000-0000-4000-8000-00000000000c', expectedRanges: [] }),
        ]),
      ],
      cycle(T0 + 30_000),
    );
    const view = buildStatusView({ snapshot: second, nowMs: T0 + 31_000, stalledAfterMs: 10 * MINUTE, maxStalenessMs: 90_000, sourceOf: () => 'file' });
    const [moving, stalled, done] = view.clusters[0]!.paths[0]!.sessions;
    expect(moving).toMatchObject({ remaining_bytes: 300, received_bytes: 700, progress: 0.7, throughput_bytes_per_second: 20, age_seconds: 2, state: 'uploading' });
    expect(stalled).toMatchObject({ throughput_bytes_per_second: null, state: 'stalled' });
    expect(done).toMatchObject({ remaining_bytes: 0, progress: 1, state: 'complete' });
    expect(view.summary).toEqual({ paths: 1, failed_paths: 0, sessions: 3, uploading: 1, stalled: 1, complete: 1 });
    expect(view.clusters[0]!.paths[0]!.source).toBe('file');
    expect(view.fresh).toBe(true);
    expect(buildStatusView({ snapshot: second, nowMs: T0 + 200_000, stalledAfterMs: MINUTE, maxStalenessMs: 90_000 }).fresh).toBe(false);
  });

  it("shows a failed poll's FabricError code, status and message, and no sessions", () => {
    const failed = nextSnapshot(
      undefined,
      [{ cluster: 'prod', contentPath: 'p', durationSeconds: 1, finishedMs: T0, result: { ok: false, failure: { reason: 'fabric_error', message: 'GET … answered 503', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' } } }],
      cycle(T0),
    );
    const path = buildStatusView({ snapshot: failed, nowMs: T0, stalledAfterMs: MINUTE }).clusters[0]!.paths[0]!;
    expect(path.poll).toMatchObject({ success: false, last_success_at: null, error: { reason: 'fabric_error', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY', message: 'GET … answered 503' } });
    expect(path.sessions).toEqual([]);
  });

  it('has no clusters before the first cycle', () => {
    const view = buildStatusView({ snapshot: undefined, nowMs: T0, stalledAfterMs: MINUTE });
    expect(view).toMatchObject({ last_cycle_at: null, fresh: false, clusters: [] });
  });
});
