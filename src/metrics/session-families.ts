import type { UploadSession } from '../servicefabric/session.js';
import type { PathState } from '../model/path-state.js';
import { REFRESHED, type FamilySpec, type Sample, type ScrapeView } from './family.js';
import { SnapshotCache } from './snapshot-cache.js';

// One labels object per session, shared by the five families of one registry or renderer and kept
// while the session is unchanged (the poller carries unchanged sessions over as the same objects):
// the renderer encodes a label set once per object (render.ts). A session object belongs to the
// path it was polled for. Per instance, so that two registries never share (or evict) each other's.
type SessionLabelCache = SnapshotCache<UploadSession, Readonly<Record<string, string>>>;

function sessionLabels(labelSets: SessionLabelCache, view: ScrapeView, path: PathState, session: UploadSession): Readonly<Record<string, string>> {
  const cached = labelSets.get(view.snapshot, session);
  // The same object under another path cannot come from the poller; checked all the same.
  if (cached !== undefined && cached.sf_cluster === path.cluster && cached.content_path === path.contentPath) return cached;
  const labels = {
    sf_cluster: path.cluster,
    content_path: path.contentPath,
    store_relative_path: session.storeRelativePath,
    session_id: session.sessionId,
  };
  return cached === undefined ? labelSets.set(session, labels) : labels;
}

function samplesOf(labelSets: SessionLabelCache, view: ScrapeView, value: (session: UploadSession, view: ScrapeView) => number): Sample[] {
  // A stale snapshot (poller wedged) is withheld rather than served as if current.
  if (!view.snapshot || !view.fresh) return [];
  const samples: Sample[] = [];
  for (const path of view.snapshot.paths) {
    for (const session of path.sessions) samples.push({ labels: sessionLabels(labelSets, view, path, session), value: value(session, view) });
  }
  return samples;
}

/**
 * The clock `age_seconds` is computed at: the scrape's time in whole seconds. Scrapes within one
 * second then read the same ages, and the renderer renders and compresses the family once per
 * second instead of once per scrape (2.5 MB of text at 10,000 sessions: about 7 ms of gzip each).
 * A second is well below any scrape interval and any stall threshold.
 */
const AGE_STEP_MS = 1000;

function ageSeconds(modifiedMs: number, nowMs: number): number {
  const clockMs = Math.floor(nowMs / AGE_STEP_MS) * AGE_STEP_MS;
  return Math.max(0, (clockMs - modifiedMs) / 1000);
}

/** Per-session families, one series per live upload session; each call has its own label cache. */
export function sessionFamilies(): readonly FamilySpec[] {
  const labelSets: SessionLabelCache = new SnapshotCache();
  const sessionSamples = (view: ScrapeView, value: (session: UploadSession, view: ScrapeView) => number): Sample[] => samplesOf(labelSets, view, value);
  return [
    {
      name: 'servicefabric_imagestore_upload_session_size_bytes',
      help: `Size of the file being uploaded, from the session's FileSize. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => sessionSamples(view, (s) => s.fileSize),
    },
    {
      name: 'servicefabric_imagestore_upload_session_remaining_bytes',
      help: `Bytes not yet received: sum of EndPosition - StartPosition + 1 over the session's ExpectedRanges. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => sessionSamples(view, (s) => s.remainingBytes),
    },
    {
      name: 'servicefabric_imagestore_upload_session_expected_ranges',
      help: `Number of byte ranges still missing, from the length of the session's ExpectedRanges. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => sessionSamples(view, (s) => s.expectedRanges.length),
    },
    {
      name: 'servicefabric_imagestore_upload_session_modified_timestamp_seconds',
      help: `Time the session last accepted new bytes, from its ModifiedDate, as Unix seconds. ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => sessionSamples(view, (s) => s.modifiedMs / 1000),
    },
    {
      name: 'servicefabric_imagestore_upload_session_age_seconds',
      help: `Seconds from the session's ModifiedDate to this scrape, never negative; ModifiedDate is refreshed each poll cycle, the age is computed at scrape time.`,
      type: 'gauge',
      collect: (view) => sessionSamples(view, (s, v) => ageSeconds(s.modifiedMs, v.nowMs)),
      timed: { series: (view) => sessionSamples(view, (s) => s.modifiedMs), value: ageSeconds, stepMs: AGE_STEP_MS },
    },
  ];
}
