/**
 * What a watched path is, as of one poll, and what decides it: its upload sessions, or, without
 * any, the image store.
 */
import type { UploadSession } from '../servicefabric/session.js';
import type { StoreFile } from '../servicefabric/store-file.js';
import type { FailureReason } from '../servicefabric/request-errors.js';

/**
 * The values of the `state` label of `servicefabric_imagestore_path_state`. `uploading`: a session
 * with bytes missing; `received`: a session with nothing missing (committed or awaiting commit:
 * the API cannot tell); `in_store`: no session, and the image store holds the file; `absent`: no
 * session, and the store holds no file there (not started, or lost).
 */
export const PATH_STATES = ['uploading', 'received', 'in_store', 'absent'] as const;
export type PathStateName = (typeof PATH_STATES)[number];

/** What looking a path without a session up in the image store found. */
export interface StoreLookup {
  /** The stored file at the path; undefined when the store holds none there (nothing, or a folder). */
  readonly file: StoreFile | undefined;
  /** Unix ms at which the lookup answered: a file found is looked up again only a recheck interval later. */
  readonly checkedMs: number;
}

/**
 * The state one successful poll shows: from the sessions when there are any (bytes missing from
 * any of them make it `uploading`), otherwise from the store lookup. Undefined without either
 * (a poll that made no lookup for a path without a session: nothing to tell).
 */
export function pathStateOf(sessions: readonly UploadSession[], store: StoreLookup | undefined): PathStateName | undefined {
  if (sessions.length > 0) return sessions.some((s) => s.remainingBytes > 0) ? 'uploading' : 'received';
  if (store === undefined) return undefined;
  return store.file === undefined ? 'absent' : 'in_store';
}

/** What went wrong in the last poll of a path, for metrics, logs and the status page. */
export interface PollFailure {
  readonly reason: FailureReason;
  readonly message: string;
  /** HTTP status, when an answer arrived. */
  readonly status?: number;
  /** FabricError `Code`, when the answer carried one. */
  readonly code?: string;
  /** How long the cluster asked us to wait before polling this path again (`Retry-After`), already capped. */
  readonly retryAfterMs?: number;
}

/** Remaining bytes of each session (by id) as one successful poll saw them; the basis of throughput. */
export interface RemainingSample {
  /** Unix ms at which that poll finished. */
  readonly polledMs: number;
  readonly remainingBytes: ReadonlyMap<string, number>;
}

/** The state of one configured (cluster, content path) after the most recent cycle. */
export interface PathState {
  readonly cluster: string;
  readonly contentPath: string;
  /** Whether the most recent poll of this path succeeded. */
  readonly success: boolean;
  /** Sessions found by the most recent poll; empty when it failed (no label set outlives its data). */
  readonly sessions: readonly UploadSession[];
  /** The path's state as of the most recent poll; undefined when that poll failed (the state is unknown). */
  readonly state: PathStateName | undefined;
  /**
   * The store lookup behind `in_store` or `absent`: made by the most recent poll, or carried over
   * from an earlier one while its file is not due for a recheck. Undefined when the most recent poll
   * found a session (no lookup is made then) or failed.
   */
  readonly store: StoreLookup | undefined;
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
  /**
   * Why the most recent poll's store lookup failed (its GetUploadSession answered, so the poll
   * succeeded, but the state is unknown); absent otherwise.
   */
  readonly storeFailure?: PollFailure;
  /** Unix ms before which the path is not polled, because the cluster answered with `Retry-After`. */
  readonly backoffUntilMs: number | undefined;
  /** Unix ms at which the most recent poll finished. */
  readonly polledMs: number;
  /** Unix ms at which the cycle of the most recent poll started (absent: `polledMs` stands in). */
  readonly polledCycleMs?: number;
  /**
   * Unix ms of the last poll that found a session or a change of state: the path stays hot (polled
   * every cycle) for `poll.idle_interval` after it. Absent when none has.
   */
  readonly activeMs?: number;
  /** The most recent successful poll's remaining bytes per session; undefined until one succeeds. */
  readonly lastSample: RemainingSample | undefined;
  /** The successful poll before `lastSample`: throughput is the bytes that arrived in between. */
  readonly previousSample: RemainingSample | undefined;
}
