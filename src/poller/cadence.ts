/**
 * Which paths a cycle polls. Requests follow the uploads, not the watch list: a *hot* path (one with
 * an upload session, one whose session or state changed within the hold time, or any file of a
 * package with a hot file) is polled every cycle; a *cold* path once per `poll.idle_interval`, in
 * the cycle after a moment fixed for it by a stable hash, so that each cycle carries the same share
 * of the cold paths; a path never polled (start-up, a reload, a new path file) at once; and at
 * least one path of each cluster every cycle, so that the cluster's freshness does not wait on its cold paths.
 */
import type { ClusterPackages } from '../pathfiles/package-model.js';
import type { PathState } from '../model/path-state.js';
import { spreadShare } from './recheck.js';
import type { PathIndex } from './snapshot.js';

/**
 * Whether `prior` is hot by itself at `nowMs`: it had a session at its last poll, or its last
 * session or change of state is less than `holdMs` old.
 */
function isHotByItself(prior: PathState, nowMs: number, holdMs: number): boolean {
  return prior.sessions.length > 0 || (prior.activeMs !== undefined && nowMs - prior.activeMs < holdMs);
}

/**
 * The index of the idle interval `ms` falls in, for a path: intervals of `intervalMs` shifted by the
 * path's share of one, so that the paths' boundaries are spread evenly over the interval.
 */
function slotOf(ms: number, intervalMs: number, share: number): number {
  return Math.floor((ms + share * intervalMs) / intervalMs);
}

/**
 * Whether a cold path last polled in the cycle that started at `lastCycleMs` is due in the cycle
 * starting at `startedMs`: its boundary in the idle interval has passed since. So a cold path is
 * polled once per interval, between one interval and one interval plus one cycle apart.
 */
export function coldPathDue(cluster: string, contentPath: string, lastCycleMs: number, startedMs: number, intervalMs: number): boolean {
  const share = spreadShare(cluster, contentPath);
  return slotOf(startedMs, intervalMs, share) > slotOf(lastCycleMs, intervalMs, share);
}

/**
 * The paths of one cluster's target that this cycle polls, by position in `contentPaths`.
 * `intervalMs` 0 polls every path every cycle; `holdMs` is how long a path stays hot after its last
 * session or change of state.
 */
export function duePaths(
  cluster: string,
  contentPaths: readonly string[],
  packages: ClusterPackages | undefined,
  previous: PathIndex | undefined,
  startedMs: number,
  intervalMs: number,
  holdMs: number,
): boolean[] {
  if (intervalMs <= 0 || previous === undefined) return contentPaths.map(() => true);
  const priors = contentPaths.map((path) => previous.get(cluster, path));
  const hot = priors.map((prior) => prior !== undefined && isHotByItself(prior, startedMs, holdMs));
  // A copy moves file by file: once one file of a package is hot, the others follow soon.
  const hotPackages = new Set<number>();
  if (packages !== undefined) {
    contentPaths.forEach((path, i) => {
      if (hot[i]) for (const m of packages.byPath.get(path) ?? []) hotPackages.add(m.package);
    });
  }
  const due = contentPaths.map((path, i) => {
    const prior = priors[i];
    if (prior === undefined || hot[i]) return true;
    if (hotPackages.size > 0 && (packages?.byPath.get(path) ?? []).some((m) => hotPackages.has(m.package))) return true;
    return coldPathDue(cluster, path, prior.polledCycleMs ?? prior.polledMs, startedMs, intervalMs);
  });
  // A cluster's freshness (its newest successful poll: ServiceFabricExporterDataStale pages after
  // 5 minutes without one) must not depend on how many paths it has: a cycle with no path of the
  // cluster due polls its stalest one, so every cycle asks each cluster at least once.
  if (contentPaths.length > 0 && !due.includes(true)) due[stalestIndex(priors)] = true;
  return due;
}

/** The position of the path polled longest ago (the first of equals). */
function stalestIndex(priors: ReadonlyArray<PathState | undefined>): number {
  let stalest = 0;
  let oldestMs = Infinity;
  priors.forEach((prior, i) => {
    const polledMs = prior?.polledMs ?? -Infinity;
    if (polledMs < oldestMs) {
      oldestMs = polledMs;
      stalest = i;
    }
  });
  return stalest;
}
