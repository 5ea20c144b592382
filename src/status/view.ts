/**
 * The status view model: one snapshot turned into what a person wants to see (per cluster and path:
 * each session's progress, throughput, age and state, and the path's last poll result). The status
 * page, `GET /api/v1/sessions` and the `status` command all render this one model, so they cannot
 * disagree. Its JSON form is the documented API schema (README, "Status JSON").
 */
import { parseDuration } from '../config/duration.js';
import { DEFAULTS } from '../config/schema.js';
import { isFresh, type PathState, type Snapshot } from '../poller/snapshot.js';
import type { PathSource } from '../poller/pathfiles.js';

/** `status.stalled_after` when the configuration has no `status:` section. */
export const DEFAULT_STALLED_AFTER_MS = parseDuration(DEFAULTS.stalled_after);

/**
 * `uploading`: bytes missing, a chunk arrived within the threshold; `stalled`: bytes missing and no
 * chunk for at least the threshold; `complete`: nothing missing (committed or awaiting commit: the
 * API cannot tell these apart).
 */
export const SESSION_STATES = ['uploading', 'stalled', 'complete'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** One upload session. */
export interface SessionView {
  readonly session_id: string;
  readonly store_relative_path: string;
  readonly size_bytes: number;
  readonly remaining_bytes: number;
  readonly received_bytes: number;
  /** received / size, 0 to 1 (1 for an empty file). */
  readonly progress: number;
  readonly expected_ranges: number;
  /** `ModifiedDate`: when the last chunk arrived (or the session was created), ISO-8601 UTC. */
  readonly modified_at: string;
  /** Seconds from `modified_at` to `generated_at`; never negative. */
  readonly age_seconds: number;
  /** Bytes received per second between the two latest successful polls; null when unknown (a session first seen in the latest poll). */
  readonly throughput_bytes_per_second: number | null;
  readonly state: SessionState;
}

/** The last poll's FabricError or other failure. */
export interface PollErrorView {
  /** The `reason` label of `servicefabric_imagestore_poll_failures_total`. */
  readonly reason: string;
  readonly message: string;
  /** HTTP status, when an answer arrived. */
  readonly status: number | null;
  /** FabricError `Code`, when the answer carried one. */
  readonly code: string | null;
}

/** One content path of a cluster. */
export interface PathView {
  readonly content_path: string;
  /** `config` (content_paths) or `file` (a path file); null when unknown. */
  readonly source: PathSource | null;
  readonly poll: {
    readonly success: boolean;
    /** When the last poll finished, ISO-8601 UTC. */
    readonly at: string;
    readonly duration_seconds: number;
    /** When the path last polled successfully; null if it never has. */
    readonly last_success_at: string | null;
    /** The last poll's failure; null when it succeeded. */
    readonly error: PollErrorView | null;
  };
  /** Sessions found by the last poll; empty when it failed. */
  readonly sessions: readonly SessionView[];
}

/** One cluster. */
export interface ClusterView {
  readonly name: string;
  readonly paths: readonly PathView[];
}

/** Everything, as served by `GET /api/v1/sessions` and printed by `status --output json`. */
export interface StatusView {
  /** When this view was built, ISO-8601 UTC. */
  readonly generated_at: string;
  /** When the last poll cycle completed; null before the first one. */
  readonly last_cycle_at: string | null;
  /** False when the last cycle is older than `poll.max_staleness` (the poller is wedged): the data may be outdated. */
  readonly fresh: boolean;
  readonly stalled_after_seconds: number;
  readonly summary: {
    readonly paths: number;
    readonly failed_paths: number;
    readonly sessions: number;
    readonly uploading: number;
    readonly stalled: number;
    readonly complete: number;
  };
  readonly clusters: readonly ClusterView[];
}

/** What `buildStatusView` needs. */
export interface StatusViewInput {
  readonly snapshot: Snapshot | undefined;
  readonly nowMs: number;
  readonly stalledAfterMs: number;
  /** `poll.max_staleness`; without it the view is always fresh (the `status` command polls right before). */
  readonly maxStalenessMs?: number;
  /** Where a path comes from (path files); absent: unknown. */
  readonly sourceOf?: (cluster: string, contentPath: string) => PathSource | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The state of a session `ageMs` after its last chunk. */
export function sessionState(remainingBytes: number, ageMs: number, stalledAfterMs: number): SessionState {
  if (remainingBytes === 0) return 'complete';
  return ageMs >= stalledAfterMs ? 'stalled' : 'uploading';
}

function pathView(path: PathState, input: StatusViewInput): PathView {
  const last = path.lastSample;
  const previous = path.previousSample;
  const seconds = last && previous ? (last.polledMs - previous.polledMs) / 1000 : 0;
  const sessions = path.sessions.map((s): SessionView => {
    const before = previous?.remainingBytes.get(s.sessionId);
    const ageMs = Math.max(0, input.nowMs - s.modifiedMs);
    const received = s.fileSize - s.remainingBytes;
    return {
      session_id: s.sessionId,
      store_relative_path: s.storeRelativePath,
      size_bytes: s.fileSize,
      remaining_bytes: s.remainingBytes,
      received_bytes: received,
      progress: s.fileSize === 0 ? 1 : received / s.fileSize,
      expected_ranges: s.expectedRanges.length,
      modified_at: iso(s.modifiedMs),
      age_seconds: ageMs / 1000,
      // Bytes missing can only shrink; a larger number means another session reused the id, so unknown.
      throughput_bytes_per_second: before === undefined || seconds <= 0 || before < s.remainingBytes ? null : (before - s.remainingBytes) / seconds,
      state: sessionState(s.remainingBytes, ageMs, input.stalledAfterMs),
    };
  });
  const failure = path.failure;
  return {
    content_path: path.contentPath,
    source: input.sourceOf?.(path.cluster, path.contentPath) ?? null,
    poll: {
      success: path.success,
      at: iso(path.polledMs),
      duration_seconds: path.durationSeconds,
      last_success_at: path.lastSuccessMs === undefined ? null : iso(path.lastSuccessMs),
      error: failure ? { reason: failure.reason, message: failure.message, status: failure.status ?? null, code: failure.code ?? null } : null,
    },
    sessions,
  };
}

/** Builds the status view of a snapshot at `nowMs`. */
export function buildStatusView(input: StatusViewInput): StatusView {
  const { snapshot } = input;
  const clusters: Array<{ name: string; paths: PathView[] }> = [];
  for (const path of snapshot?.paths ?? []) {
    let cluster = clusters.find((c) => c.name === path.cluster);
    if (!cluster) {
      cluster = { name: path.cluster, paths: [] };
      clusters.push(cluster);
    }
    cluster.paths.push(pathView(path, input));
  }
  const paths = clusters.flatMap((c) => c.paths);
  const sessions = paths.flatMap((p) => p.sessions);
  const count = (state: SessionState): number => sessions.filter((s) => s.state === state).length;
  return {
    generated_at: iso(input.nowMs),
    last_cycle_at: snapshot ? iso(snapshot.completedMs) : null,
    fresh: isFresh(snapshot, input.nowMs, input.maxStalenessMs ?? Infinity),
    stalled_after_seconds: input.stalledAfterMs / 1000,
    summary: {
      paths: paths.length,
      failed_paths: paths.filter((p) => !p.poll.success).length,
      sessions: sessions.length,
      uploading: count('uploading'),
      stalled: count('stalled'),
      complete: count('complete'),
    },
    clusters,
  };
}
