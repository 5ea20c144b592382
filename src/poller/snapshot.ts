import type { UploadSession } from '../servicefabric/session.js';
import { packageStates, type ClusterPackages, type PackageState } from '../pathfiles/package-model.js';
import type { StoreLookupHealth } from './lookup-health.js';
import { pathStateOf, type PathState, type PollFailure, type RemainingSample, type StoreLookup } from '../model/path-state.js';
import type { CapacityState } from '../model/capacity-state.js';

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
  /** Every package of the path files with a path polled in this cycle: its files and bytes per state. */
  readonly packages: readonly PackageState[];
  /** Each cluster's image store capacity (capacity-poll.ts); absent when this process polls none. */
  readonly capacity?: readonly CapacityState[];
  /** Each polled cluster's store lookups: failures by reason, and whether they are failing (absent: none made). */
  readonly storeLookups?: readonly StoreLookupHealth[];
}

/** The outcome of polling one path once; input to `nextSnapshot`. */
export interface PollOutcome {
  readonly cluster: string;
  readonly contentPath: string;
  readonly durationSeconds: number;
  readonly finishedMs: number;
  /** Unix ms at which the cycle that made this poll started: a cold path's next turn counts from it. */
  readonly cycleStartedMs?: number;
  readonly result:
    | {
        readonly ok: true;
        /** The prior state's very array when the sessions did not change (`carriedOver`). */
        readonly sessions: readonly UploadSession[];
        /** The store lookup, for a path without a session (absent when it had one). */
        readonly store?: StoreLookup;
        /** Why the store lookup of a path without a session failed; its state is unknown then. */
        readonly storeFailure?: PollFailure;
      }
    | { readonly ok: false; readonly failure: PollFailure };
}

/**
 * A path that the cycle deliberately did not poll (it is backing off after a `Retry-After`): it keeps
 * its previous state, and the skipped poll is counted neither as a poll nor as a failure.
 */
export interface HeldPath {
  readonly cluster: string;
  readonly contentPath: string;
  readonly held: true;
  /** Held because the path is cold and its turn in `poll.idle_interval` has not come (else: backing off). */
  readonly cold?: true;
}

/**
 * Whether `snapshot` may still be shown as current at `nowMs`: its cycle completed at most
 * `maxStalenessMs` (`poll.max_staleness`) before. Older data means the poller is wedged; the metrics
 * withhold it and the status view flags it.
 */
export function isFresh(snapshot: Snapshot | undefined, nowMs: number, maxStalenessMs: number): boolean {
  return snapshot !== undefined && nowMs - snapshot.completedMs <= maxStalenessMs;
}

/** Whether a cycle entry is a held path rather than a poll outcome. */
export function isHeld(entry: PollOutcome | HeldPath): entry is HeldPath {
  return 'held' in entry;
}

/** The paths of a snapshot by cluster and content path (both arbitrary strings, so nested maps rather than one joined key). */
export class PathIndex {
  readonly #byCluster = new Map<string, Map<string, PathState>>();

  constructor(paths: readonly PathState[] = []) {
    for (const path of paths) {
      let byPath = this.#byCluster.get(path.cluster);
      if (byPath === undefined) {
        byPath = new Map();
        this.#byCluster.set(path.cluster, byPath);
      }
      byPath.set(path.contentPath, path);
    }
  }

  /** The state of (cluster, content path), if the snapshot has one. */
  get(cluster: string, contentPath: string): PathState | undefined {
    return this.#byCluster.get(cluster)?.get(contentPath);
  }
}

const NO_FAILURES: PathState['failuresTotal'] = Object.freeze({});
// Shared by every path without sessions (usually most of them) rather than an empty Map and array
// per path: about 220 bytes a path, 2.2 MB at 10,000 paths. Never written: both types are read-only.
const NO_REMAINING: RemainingSample['remainingBytes'] = new Map();
const NO_SESSIONS: readonly UploadSession[] = Object.freeze([]);

function sameSession(a: UploadSession, b: UploadSession): boolean {
  if (
    a.sessionId !== b.sessionId ||
    a.storeRelativePath !== b.storeRelativePath ||
    a.fileSize !== b.fileSize ||
    a.modifiedMs !== b.modifiedMs ||
    a.remainingBytes !== b.remainingBytes ||
    a.expectedRanges.length !== b.expectedRanges.length
  ) {
    return false;
  }
  return a.expectedRanges.every((r, i) => r.start === b.expectedRanges[i]?.start && r.end === b.expectedRanges[i]?.end);
}

/**
 * `prior` when `next` holds the same sessions in the same order, else `next` (one shared array when
 * empty). The cycle applies it as each answer arrives, so that equal copies are garbage at once: a
 * snapshot lives for a whole cycle, so whatever it holds is promoted to the old generation, and at
 * 10,000 paths re-promoting identical sessions every cycle is a large share of the garbage
 * collector's work.
 */
export function carriedOver(prior: readonly UploadSession[] | undefined, next: readonly UploadSession[]): readonly UploadSession[] {
  if (prior === next) return prior;
  if (next.length === 0) return NO_SESSIONS;
  if (prior === undefined || prior.length !== next.length) return next;
  return next.every((session, i) => sameSession(session, prior[i] as UploadSession)) ? prior : next;
}

/**
 * Folds one cycle's outcomes into the previous snapshot: counters and last-success times carry
 * over for paths that are still configured; paths no longer polled drop out with their series.
 */
export function nextSnapshot(
  previous: Snapshot | undefined,
  outcomes: readonly (PollOutcome | HeldPath)[],
  cycle: { completedMs: number; cycleDurationSeconds: number; cyclesSkippedTotal: number },
  /** `previous` indexed, when the caller has built it already. */
  before: PathIndex = new PathIndex(previous?.paths),
  /** The packages of each cluster's path files (none when absent). */
  packagesOf: (cluster: string) => ClusterPackages | undefined = () => undefined,
): Snapshot {
  const paths: PathState[] = [];
  for (const outcome of outcomes) {
    const prior = before.get(outcome.cluster, outcome.contentPath);
    // A held path without a prior state cannot happen (a backoff comes from a previous poll); if it
    // did, the path is simply absent until it is polled.
    if (isHeld(outcome)) {
      if (prior) paths.push(prior);
      continue;
    }
    const result = outcome.result;
    let failuresTotal = prior?.failuresTotal ?? NO_FAILURES;
    if (!result.ok) {
      const reason = result.failure.reason;
      failuresTotal = { ...failuresTotal, [reason]: (failuresTotal[reason] ?? 0) + 1 };
    }
    const retryAfterMs = result.ok ? undefined : result.failure.retryAfterMs;
    // The cycle has already carried unchanged sessions over (`carriedOver`), so the same array as
    // the prior's means the same sessions.
    const sessions = result.ok ? result.sessions : NO_SESSIONS;
    const lastSample: RemainingSample | undefined = result.ok
      ? {
          polledMs: outcome.finishedMs,
          remainingBytes:
            // The last sample came from the prior poll only if that poll succeeded.
            prior?.success === true && prior.lastSample !== undefined && sessions === prior.sessions
              ? prior.lastSample.remainingBytes
              : sessions.length === 0
                ? NO_REMAINING
                : new Map(sessions.map((s) => [s.sessionId, s.remainingBytes])),
        }
      : prior?.lastSample;
    // A lookup only stands for a path without a session; a poll that found one made none.
    const store = result.ok && sessions.length === 0 ? result.store : undefined;
    const state = result.ok ? pathStateOf(sessions, store) : undefined;
    // Hot (cadence.ts) from the last poll that saw a session or a change between two known states.
    const changed = prior?.state !== undefined && state !== undefined && state !== prior.state;
    const activeMs = sessions.length > 0 || changed ? outcome.finishedMs : prior?.activeMs;
    paths.push({
      cluster: outcome.cluster,
      contentPath: outcome.contentPath,
      success: result.ok,
      sessions,
      state,
      store,
      durationSeconds: outcome.durationSeconds,
      lastSuccessSessionCount: result.ok ? sessions.length : (prior?.lastSuccessSessionCount ?? 0),
      lastSuccessMs: result.ok ? outcome.finishedMs : prior?.lastSuccessMs,
      pollsTotal: (prior?.pollsTotal ?? 0) + 1,
      failuresTotal,
      failure: result.ok ? undefined : result.failure,
      ...(result.ok && result.storeFailure !== undefined ? { storeFailure: result.storeFailure } : {}),
      ...(activeMs === undefined ? {} : { activeMs }),
      ...(outcome.cycleStartedMs === undefined ? {} : { polledCycleMs: outcome.cycleStartedMs }),
      backoffUntilMs: retryAfterMs !== undefined && retryAfterMs > 0 ? outcome.finishedMs + retryAfterMs : undefined,
      polledMs: outcome.finishedMs,
      lastSample,
      previousSample: result.ok ? prior?.lastSample : prior?.previousSample,
    });
  }
  return { ...cycle, paths, packages: packageStates(paths, packagesOf) };
}
