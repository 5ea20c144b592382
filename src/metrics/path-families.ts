import { PATH_STATES, type PathState } from '../model/path-state.js';
import { FAILURE_REASONS } from '../servicefabric/request-errors.js';
import { REFRESHED, type FamilySpec, type Sample, type ScrapeView } from './family.js';
import { SnapshotCache } from './snapshot-cache.js';

type Labels = Readonly<Record<string, string>>;

/** A path's label sets: alone, with each failure reason, and with each state. */
interface PathLabelSets {
  readonly path: Labels;
  readonly reasons: readonly Labels[];
  readonly states: readonly Labels[];
}

// One labels object per path (and per path and reason), shared by every family of one registry or
// renderer and kept while the path stays configured: the renderer encodes a label set once per
// object (render.ts). Per instance, so that two registries never share (or evict) each other's.
type PathLabelCache = SnapshotCache<string, SnapshotCache<string, PathLabelSets>>;

function labelsOf(labelSets: PathLabelCache, view: ScrapeView, path: PathState): PathLabelSets {
  const byPath = labelSets.get(view.snapshot, path.cluster) ?? labelSets.set(path.cluster, new SnapshotCache());
  return (
    byPath.get(view.snapshot, path.contentPath) ??
    byPath.set(path.contentPath, {
      path: { sf_cluster: path.cluster, content_path: path.contentPath },
      reasons: FAILURE_REASONS.map((reason) => ({ sf_cluster: path.cluster, content_path: path.contentPath, reason })),
      states: PATH_STATES.map((state) => ({ sf_cluster: path.cluster, content_path: path.contentPath, state })),
    })
  );
}

function samplesOf(labelSets: PathLabelCache, view: ScrapeView, value: (path: PathState, view: ScrapeView) => number | undefined): Sample[] {
  const samples: Sample[] = [];
  for (const path of view.snapshot?.paths ?? []) {
    const v = value(path, view);
    if (v !== undefined) samples.push({ labels: labelsOf(labelSets, view, path).path, value: v });
  }
  return samples;
}

/** Per-path families: one series per configured (cluster, content path); each call has its own label cache. */
export function pathFamilies(): readonly FamilySpec[] {
  const labelSets: PathLabelCache = new SnapshotCache();
  const pathSamples = (view: ScrapeView, value: (path: PathState, view: ScrapeView) => number | undefined): Sample[] => samplesOf(labelSets, view, value);
  return [
    {
      name: 'servicefabric_imagestore_upload_sessions',
      help: `Upload sessions found for the path by its last successful GetUploadSession poll (0 when none). ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => pathSamples(view, (p) => p.lastSuccessSessionCount),
    },
    {
      name: 'servicefabric_imagestore_poll_success',
      help: `1 if the last poll of the path (its GetUploadSession) succeeded, else 0; a failed store lookup does not make it 0 (see servicefabric_imagestore_store_lookup_failures_total); 0 for every path when the data is older than poll.max_staleness. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => pathSamples(view, (p, v) => (p.success && v.fresh ? 1 : 0)),
    },
    {
      name: 'servicefabric_imagestore_poll_duration_seconds',
      help: `Wall time of the last poll of the path (its GetUploadSession, and its store lookup when one was made), in seconds. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => pathSamples(view, (p) => p.durationSeconds),
    },
    {
      name: 'servicefabric_imagestore_last_poll_success_timestamp_seconds',
      help: `Unix time of the path's last successful poll; absent until one succeeds. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => pathSamples(view, (p) => (p.lastSuccessMs === undefined ? undefined : p.lastSuccessMs / 1000)),
    },
    {
      name: 'servicefabric_imagestore_polls_total',
      help: `Polls of the path attempted: each a GetUploadSession, and a store lookup when the path had no session. ${REFRESHED}`,
      type: 'counter',
      scope: 'snapshot',
      collect: (view) => pathSamples(view, (p) => p.pollsTotal),
    },
    {
      name: 'servicefabric_imagestore_poll_failures_total',
      help: `Failed polls of the path (its GetUploadSession failed), by reason (timeout, connection, tls, http_status, fabric_error, invalid_response, auth). ${REFRESHED}`,
      type: 'counter',
      scope: 'snapshot',
      collect: (view) => {
        // Every reason is present from the first poll so that rate() and increase() see the first failure.
        const samples: Sample[] = [];
        for (const path of view.snapshot?.paths ?? []) {
          const labels = labelsOf(labelSets, view, path).reasons;
          FAILURE_REASONS.forEach((reason, i) => samples.push({ labels: labels[i] as Record<string, string>, value: path.failuresTotal[reason] ?? 0 }));
        }
        return samples;
      },
    },
    {
      name: 'servicefabric_imagestore_path_state',
      help: `The path's state as of its last poll, one series per state: 1 for the current one, 0 for the others. uploading: a session with bytes missing; received: a session with nothing missing (committed or awaiting commit); in_store: no session, and the image store holds the file; absent: no session, and the store holds no file there. All 0 while the state is unknown: the last poll or its store lookup failed, or the data is older than poll.max_staleness. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => {
        // Every state is present for every path (kube-state-metrics' style), so a change of state
        // moves a 1 between series that exist all along; unknown is every series at 0, never a
        // stale 1 and never a gap.
        const samples: Sample[] = [];
        for (const path of view.snapshot?.paths ?? []) {
          const labels = labelsOf(labelSets, view, path).states;
          const current = view.fresh ? path.state : undefined;
          PATH_STATES.forEach((state, i) => samples.push({ labels: labels[i] as Record<string, string>, value: state === current ? 1 : 0 }));
        }
        return samples;
      },
    },
  ];
}
