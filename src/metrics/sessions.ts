import type { UploadSession } from '../servicefabric/session.js';
import type { PathState } from '../poller/snapshot.js';
import { REFRESHED, type FamilySpec, type Sample, type ScrapeView } from './family.js';

// One labels object per session, shared by the five families: the renderer formats a label set
// once per object rather than once per family (render.ts).
const labelSets = new WeakMap<PathState, readonly Readonly<Record<string, string>>[]>();

function sessionLabels(path: PathState): readonly Readonly<Record<string, string>>[] {
  let sets = labelSets.get(path);
  if (sets === undefined) {
    sets = path.sessions.map((session) => ({
      sf_cluster: path.cluster,
      content_path: path.contentPath,
      store_relative_path: session.storeRelativePath,
      session_id: session.sessionId,
    }));
    labelSets.set(path, sets);
  }
  return sets;
}

function sessionSamples(view: ScrapeView, value: (session: UploadSession, view: ScrapeView) => number): Sample[] {
  // A stale snapshot (poller wedged) is withheld rather than served as if current.
  if (!view.snapshot || !view.fresh) return [];
  const samples: Sample[] = [];
  for (const path of view.snapshot.paths) {
    const labels = sessionLabels(path);
    path.sessions.forEach((session, i) => samples.push({ labels: labels[i] as Record<string, string>, value: value(session, view) }));
  }
  return samples;
}

function ageSeconds(modifiedMs: number, nowMs: number): number {
  return Math.max(0, (nowMs - modifiedMs) / 1000);
}

/** Per-session families, one series per live upload session. */
export const sessionFamilies: readonly FamilySpec[] = [
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
    timed: { series: (view) => sessionSamples(view, (s) => s.modifiedMs), value: ageSeconds },
  },
];
