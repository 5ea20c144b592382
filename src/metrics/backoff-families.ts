import type { PathState } from '../model/path-state.js';
import type { Snapshot } from '../poller/snapshot.js';
import { REFRESHED, type FamilySpec, type Sample } from './family.js';

// Paths with a backoff are rare, but the family is collected at every scrape against the scrape's
// clock: find them once per snapshot rather than walk every path per scrape.
const backingOff = new WeakMap<Snapshot, readonly PathState[]>();

function pathsWithBackoff(snapshot: Snapshot): readonly PathState[] {
  let paths = backingOff.get(snapshot);
  if (paths === undefined) {
    paths = snapshot.paths.filter((path) => path.backoffUntilMs !== undefined);
    backingOff.set(snapshot, paths);
  }
  return paths;
}

/** Families about paths the exporter is deliberately not polling because the cluster asked it to wait. */
export const backoffFamilies: readonly FamilySpec[] = [
  {
    name: 'servicefabric_imagestore_poll_backoff_until_timestamp_seconds',
    help: `Unix time before which the path is not polled, because the cluster answered 429 or 503 with Retry-After (capped at 10 minutes); present only while that time is in the future. The path keeps its last state meanwhile. ${REFRESHED}`,
    type: 'gauge',
    collect: (view) => {
      const samples: Sample[] = [];
      for (const path of view.snapshot ? pathsWithBackoff(view.snapshot) : []) {
        // Compared with the scrape's clock: a backoff that has run out is not shown until the next cycle.
        if (path.backoffUntilMs !== undefined && path.backoffUntilMs > view.nowMs) {
          samples.push({ labels: { sf_cluster: path.cluster, content_path: path.contentPath }, value: path.backoffUntilMs / 1000 });
        }
      }
      return samples;
    },
  },
];
