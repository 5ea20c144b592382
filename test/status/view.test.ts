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
    expect(view.summary).toEqual({ paths: 1, failed_paths: 0, sessions: 3, uploading: 1, stalled: 1, complete: 1, packages: 0, stalled_packages: 0 });
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

  it('gives poll.idle_interval in seconds, and 0 (every path every cycle) without one', () => {
    const snapshot = nextSnapshot(undefined, [ok('p', T0, [])], cycle(T0));
    expect(buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: MINUTE, idleIntervalMs: 300_000 }).idle_interval_seconds).toBe(300);
    expect(buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: MINUTE, idleIntervalMs: 1_500 }).idle_interval_seconds).toBe(1.5);
    expect(buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: MINUTE }).idle_interval_seconds).toBe(0);
  });

  it('has no clusters before the first cycle', () => {
    const view = buildStatusView({ snapshot: undefined, nowMs: T0, stalledAfterMs: MINUTE });
    expect(view).toMatchObject({ last_cycle_at: null, fresh: false, clusters: [] });
  });

  it('flags the data stale from one millisecond past poll.max_staleness, and never without it', () => {
    const snapshot = nextSnapshot(undefined, [ok('p', T0, [])], cycle(T0));
    const at = (nowMs: number, maxStalenessMs?: number) =>
      buildStatusView({ snapshot, nowMs, stalledAfterMs: MINUTE, ...(maxStalenessMs === undefined ? {} : { maxStalenessMs }) });
    expect(at(T0 + 90_000, 90_000)).toMatchObject({ fresh: true, last_cycle_at: '2026-01-01T00:00:00.000Z', generated_at: '2026-01-01T00:01:30.000Z' });
    expect(at(T0 + 90_001, 90_000).fresh).toBe(false);
    // The status command polls right before it builds the view: no staleness limit.
    expect(at(T0 + 365 * 24 * 60 * MINUTE).fresh).toBe(true);
  });

  it('counts failed paths and groups paths under their cluster in configuration order', () => {
    const failure = { reason: 'timeout' as const, message: 'timed out' };
    const snapshot = nextSnapshot(
      undefined,
      [
        ok('a', T0, [session({ sessionId: '00000000-0000-4000-8000-0000000000a1', modifiedMs: T0 - 20 * MINUTE })]),
        { cluster: 'west', contentPath: 'b', durationSeconds: 0.5, finishedMs: T0 + 1, result: { ok: false, failure } },
        ok('c', T0 + 2, []),
        { cluster: 'west', contentPath: 'd', durationSeconds: 0.5, finishedMs: T0 + 3, result: { ok: true, sessions: [] } },
      ],
      cycle(T0 + 5),
    );
    const view = buildStatusView({ snapshot, nowMs: T0 + 10, stalledAfterMs: 10 * MINUTE });
    expect(view.clusters.map((c) => [c.name, c.paths.map((p) => p.content_path)])).toEqual([
      ['prod', ['a', 'c']],
      ['west', ['b', 'd']],
    ]);
    expect(view.summary).toEqual({ paths: 4, failed_paths: 1, sessions: 1, uploading: 0, stalled: 1, complete: 0, packages: 0, stalled_packages: 0 });
    expect(view.stalled_after_seconds).toBe(600);
    const failed = view.clusters[1]!.paths[0]!;
    expect(failed.source).toBeNull();
    expect(failed.poll).toEqual({ success: false, at: '2026-01-01T00:00:00.001Z', duration_seconds: 0.5, last_success_at: null, error: { reason: 'timeout', message: 'timed out', status: null, code: null } });
    expect(view.clusters[0]!.paths[0]!.poll).toMatchObject({ success: true, last_success_at: '2026-01-01T00:00:00.000Z', error: null });
  });

  it('shows a session of an empty file as complete, a chunk from the future as age 0, and ranges as a count', () => {
    const snapshot = nextSnapshot(
      undefined,
      [
        ok('p', T0, [
          session({ sessionId: '00000000-0000-4000-8000-0000000000e1', fileSize: 0, expectedRanges: [] }),
          session({ sessionId: '00000000-0000-4000-8000-0000000000e2', modifiedMs: T0 + 5000, fileSize: 1000, expectedRanges: [{ start: 0, end: 9 }, { start: 500, end: 509 }] }),
        ]),
      ],
      cycle(T0),
    );
    const [empty, future] = buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: 0 }).clusters[0]!.paths[0]!.sessions;
    expect(empty).toMatchObject({ size_bytes: 0, remaining_bytes: 0, received_bytes: 0, progress: 1, state: 'complete', expected_ranges: 0 });
    expect(future).toMatchObject({ age_seconds: 0, remaining_bytes: 20, received_bytes: 980, progress: 0.98, expected_ranges: 2, modified_at: '2026-01-01T00:00:05.000Z', state: 'stalled' });
  });

  it('knows no throughput for a session first seen, nor for one whose missing bytes grew (a reused id)', () => {
    const id = '00000000-0000-4000-8000-0000000000f1';
    const first = nextSnapshot(undefined, [ok('p', T0, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 500, end: 899 }] })])], cycle(T0));
    const grown = nextSnapshot(first, [ok('p', T0 + 10_000, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 0, end: 899 }] })])], cycle(T0 + 10_000));
    expect(buildStatusView({ snapshot: first, nowMs: T0, stalledAfterMs: MINUTE }).clusters[0]!.paths[0]!.sessions[0]!.throughput_bytes_per_second).toBeNull();
    expect(buildStatusView({ snapshot: grown, nowMs: T0 + 10_000, stalledAfterMs: MINUTE }).clusters[0]!.paths[0]!.sessions[0]!.throughput_bytes_per_second).toBeNull();
    // Unchanged: zero bytes a second, which is known, not null.
    const same = nextSnapshot(grown, [ok('p', T0 + 20_000, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 0, end: 899 }] })])], cycle(T0 + 20_000));
    expect(buildStatusView({ snapshot: same, nowMs: T0 + 20_000, stalledAfterMs: MINUTE }).clusters[0]!.paths[0]!.sessions[0]!.throughput_bytes_per_second).toBe(0);
  });

  it('knows no throughput between two polls that finished in the same millisecond', () => {
    const id = '00000000-0000-4000-8000-0000000000f2';
    const first = nextSnapshot(undefined, [ok('p', T0, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 0, end: 899 }] })])], cycle(T0));
    const second = nextSnapshot(first, [ok('p', T0, [session({ sessionId: id, fileSize: 1000, expectedRanges: [{ start: 500, end: 899 }] })])], cycle(T0));
    expect(buildStatusView({ snapshot: second, nowMs: T0, stalledAfterMs: MINUTE }).clusters[0]!.paths[0]!.sessions[0]!.throughput_bytes_per_second).toBeNull();
  });
});
