import type { UploadSession } from '../servicefabric/session.js';
import type { FailureReason } from '../servicefabric/errors.js';

/** What went wrong in the last poll of a path, for metrics, logs and the landing page. */
export interface PollFailure {
  readonly reason: FailureReason;
  readonly message: string;
  /** HTTP status, when an answer arrived. */
  readonly status?: number;
  /** FabricError `Code`, when the answer carried one. */
  readonly code?: string;
}

/** The state of one configured (cluster, content path) after the most recent cycle. */
export interface PathState {
  readonly cluster: string;
  readonly contentPath: string;
  /** Whether the most recent poll of this path succeeded. */
  readonly success: boolean;
  /** Sessions found by the most recent poll; empty when it failed (no label set outlives its data). */
  readonly sessions: readonly UploadSession[];
  /** Wall time of the most recent poll, seconds. */
  readonly durationSeconds: number;
  /** Sessions found by the most recent successful poll; 0 if none succeeded yet. */
  readonly lastSuccessSessionCount: number;
  /** Unix ms of the most recent successful poll; undefined if it never succeeded. */
  readonly lastSuccessMs: number | undefined;
  /** Polls attempted since start (or since the path was added). */
  readonly pollsTotal: number;
  /** Failed polls since start, by reason. */
  readonly failuresTotal: Readonly<Partial<Record<FailureReason, number>>>;
  /** The most recent failure; undefined when the most recent poll succeeded. */
  readonly failure: PollFailure | undefined;
}

/** One immutable picture of everything the exporter knows, replaced whole after every cycle. */
export interface Snapshot {
  /** Unix ms at which the cycle that produced this snapshot completed. */
  readonly completedMs: number;
  /** Wall time of that cycle, seconds. */
  readonly cycleDurationSeconds: number;
  /** Cycles that were due while the previous one still ran, since start. */
  readonly cyclesSkippedTotal: number;
  /** One entry per configured (cluster, content path), in configuration order. */
  readonly paths: readonly PathState[];
}

/** The outcome of polling one path once; input to `nextSnapshot`. */
export interface PollOutcome {
  readonly cluster: string;
  readonly contentPath: string;
  readonly durationSeconds: number;
  readonly finishedMs: number;
  readonly result: { readonly ok: true; readonly sessions: readonly UploadSession[] } | { readonly ok: false; readonly failure: PollFailure };
}

/** A collision-free map key for a (cluster, content path) pair: both are arbitrary strings. */
export function pathKey(cluster: string, contentPath: string): string {
  return JSON.stringify([cluster, contentPath]);
}

/**
 * Folds one cycle's outcomes into the previous snapshot: counters and last-success times carry
 * over for paths that are still configured; paths no longer polled drop out with their series.
 */
export function nextSnapshot(
  previous: Snapshot | undefined,
  outcomes: readonly PollOutcome[],
  cycle: { completedMs: number; cycleDurationSeconds: number; cyclesSkippedTotal: number },
): Snapshot {
  const before = new Map(previous?.paths.map((p) => [pathKey(p.cluster, p.contentPath), p]));
  const paths = outcomes.map((outcome): PathState => {
    const prior = before.get(pathKey(outcome.cluster, outcome.contentPath));
    const failuresTotal = { ...prior?.failuresTotal };
    if (!outcome.result.ok) {
      const reason = outcome.result.failure.reason;
      failuresTotal[reason] = (failuresTotal[reason] ?? 0) + 1;
    }
    return {
      cluster: outcome.cluster,
      contentPath: outcome.contentPath,
      success: outcome.result.ok,
      sessions: outcome.result.ok ? outcome.result.sessions : [],
      durationSeconds: outcome.durationSeconds,
      lastSuccessSessionCount: outcome.result.ok ? outcome.result.sessions.length : (prior?.lastSuccessSessionCount ?? 0),
      lastSuccessMs: outcome.result.ok ? outcome.finishedMs : prior?.lastSuccessMs,
      pollsTotal: (prior?.pollsTotal ?? 0) + 1,
      failuresTotal,
      failure: outcome.result.ok ? undefined : outcome.result.failure,
    };
  });
  return { ...cycle, paths };
}
