/**
 * The status view model: one snapshot turned into what a person wants to see (per cluster and path:
 * each session's progress, throughput, age and state, and the path's last poll result). The status
 * page, `GET /api/v1/sessions` and the `status` command all render this one model, so they cannot
 * disagree. Its JSON form is the documented API schema (README, "Status JSON").
 */
import type { PathState, PathStateName } from '../model/path-state.js';
import { isFresh, type Snapshot } from '../poller/snapshot.js';
import type { PathSource } from '../pathfiles/path-file-watcher.js';
import type { PackageFileState, PackageState } from '../pathfiles/package-model.js';
import { capacityViews, type CapacityView } from './capacity-view.js';

/**
 * `uploading`: bytes missing, a chunk arrived within the threshold; `stalled`: bytes missing and no
 * chunk for at least the threshold; `complete`: nothing missing (committed or awaiting commit: the
 * API cannot tell these apart).
 */
export type SessionState = 'uploading' | 'stalled' | 'complete';

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
interface PollErrorView {
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
  /** The path's state (`uploading`, `received`, `in_store`, `absent`); null when its last poll failed. */
  readonly state: PathStateName | null;
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

/** One file of a package. */
export interface PackageFileView {
  /** The content path; its sessions and poll are under the cluster's `paths`. */
  readonly content_path: string;
  /** The file's state in the package (a path state, or `size_mismatch`); null when its last poll failed. */
  readonly state: PackageFileState | null;
  /** Expected bytes (the path file's `size`, else the size the cluster reports); null when unknown. */
  readonly size_bytes: number | null;
  /** Bytes there: the expected size once received or in the store, the bytes received so far while uploading, 0 otherwise. */
  readonly received_bytes: number;
  /** When the file's newest session last received a chunk, ISO-8601 UTC; null without a session. */
  readonly last_chunk_at: string | null;
  /** `uploading` with no chunk for at least `stalled_after`. */
  readonly stalled: boolean;
}

/** One package of a cluster's path files, as servicefabric_imagestore_package_files and _bytes count it. */
export interface PackageView {
  readonly name: string;
  /** `''` when no path file of the package names one. */
  readonly version: string;
  /** Files per state, as `servicefabric_imagestore_package_files`; a file whose poll failed counts in none. */
  readonly files_by_state: Readonly<Record<PackageFileState, number>>;
  /** Bytes per state, as `servicefabric_imagestore_package_bytes`. */
  readonly bytes_by_state: Readonly<Record<PackageFileState, number>>;
  /** Every file of the package, in the order of `paths`. */
  readonly files: readonly PackageFileView[];
  /** Files whose last poll failed. */
  readonly failed_files: number;
  /** The sum of the files' `size_bytes`. */
  readonly size_bytes: number;
  /** The sum of the files' `received_bytes`. */
  readonly received_bytes: number;
  /** received / size, 0 to 1 (for a package of empty files, 1 once every file is received or in the store, else 0). */
  readonly progress: number;
  /** The newest chunk any of its files' sessions received; null without a session. */
  readonly last_chunk_at: string | null;
  /**
   * The copy started and stopped: files `absent` or `uploading`, at least one `in_store` or
   * `received`, and no chunk for at least `stalled_after` (ServiceFabricPackageCopyStalled).
   */
  readonly stalled: boolean;
}

/** One cluster. */
interface ClusterView {
  readonly name: string;
  readonly paths: readonly PathView[];
  /** The packages of its path files with a path in `paths`, by name and version. */
  readonly packages: readonly PackageView[];
  /** Its image store disk (capacity-view.ts); null when this process does not poll it (another shard). */
  readonly capacity: CapacityView | null;
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
  /** `poll.idle_interval`: a path without a session (cold) is asked once per this long; 0, every cycle. */
  readonly idle_interval_seconds: number;
  readonly summary: {
    readonly paths: number;
    readonly failed_paths: number;
    readonly sessions: number;
    readonly uploading: number;
    readonly stalled: number;
    readonly complete: number;
    readonly packages: number;
    readonly stalled_packages: number;
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
  /** `poll.idle_interval`: how often a cold path is asked; absent or 0, every path every cycle. */
  readonly idleIntervalMs?: number;
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
    state: path.state ?? null,
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

const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : iso(ms));

/** A package's view at `nowMs`: its figures as the snapshot holds them, with what depends on the clock (stalled). */
function packageView(pkg: PackageState, input: StatusViewInput): PackageView {
  const files = pkg.members.map(
    (file): PackageFileView => ({
      content_path: file.contentPath,
      state: file.state ?? null,
      size_bytes: file.sizeBytes ?? null,
      received_bytes: file.receivedBytes,
      last_chunk_at: isoOrNull(file.lastChunkMs),
      stalled: file.state === 'uploading' && file.lastChunkMs !== undefined && input.nowMs - file.lastChunkMs >= input.stalledAfterMs,
    }),
  );
  // A file just completed is the copy's latest chunk too: a copy between two files is not stalled.
  // Without any session (the finished files' sessions expired) the last chunk is older than that.
  const quiet = pkg.lastModifiedMs === undefined || input.nowMs - pkg.lastModifiedMs >= input.stalledAfterMs;
  return {
    name: pkg.name,
    version: pkg.version,
    files_by_state: pkg.files,
    bytes_by_state: pkg.bytes,
    files,
    failed_files: pkg.failedFiles,
    size_bytes: pkg.sizeBytes,
    received_bytes: pkg.receivedBytes,
    progress: pkg.progress,
    last_chunk_at: isoOrNull(pkg.lastModifiedMs),
    stalled: pkg.copying && quiet,
  };
}

/** `items` by their cluster, each cluster's in their order, the clusters in order of first appearance. */
function groupByCluster<T extends { readonly cluster: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.cluster);
    if (list) list.push(item);
    else out.set(item.cluster, [item]);
  }
  return out;
}

/** Builds the status view of a snapshot at `nowMs`. */
export function buildStatusView(input: StatusViewInput): StatusView {
  const { snapshot } = input;
  const byCluster = groupByCluster(snapshot?.paths ?? []);
  const packagesByCluster = groupByCluster(snapshot?.packages ?? []);
  // A cluster with no path yet still has its disk shown.
  const capacity = capacityViews(snapshot?.capacity);
  for (const name of capacity.keys()) if (!byCluster.has(name)) byCluster.set(name, []);
  const clusters: ClusterView[] = [...byCluster].map(([name, states]) => ({
    name,
    paths: states.map((path) => pathView(path, input)),
    packages: (packagesByCluster.get(name) ?? []).map((pkg) => packageView(pkg, input)),
    capacity: capacity.get(name) ?? null,
  }));
  const paths = clusters.flatMap((c) => c.paths);
  const packages = clusters.flatMap((c) => c.packages);
  const sessions = paths.flatMap((p) => p.sessions);
  const count = (state: SessionState): number => sessions.filter((s) => s.state === state).length;
  return {
    generated_at: iso(input.nowMs),
    last_cycle_at: snapshot ? iso(snapshot.completedMs) : null,
    fresh: isFresh(snapshot, input.nowMs, input.maxStalenessMs ?? Infinity),
    stalled_after_seconds: input.stalledAfterMs / 1000,
    idle_interval_seconds: (input.idleIntervalMs ?? 0) / 1000,
    summary: {
      paths: paths.length,
      failed_paths: paths.filter((p) => !p.poll.success).length,
      sessions: sessions.length,
      uploading: count('uploading'),
      stalled: count('stalled'),
      complete: count('complete'),
      packages: packages.length,
      stalled_packages: packages.filter((p) => p.stalled).length,
    },
    clusters,
  };
}
