import { REFRESHED, type FamilySpec } from './family.js';

/** Facts about this build, for `servicefabric_exporter_build_info`. */
export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly nodejsVersion: string;
}

/**
 * Exporter-wide families: the poll loop's own health and the build. `cyclesSkipped` reads the live
 * count (the poller's); without it the count of the last snapshot is served.
 */
export function exporterFamilies(build: BuildInfo, cyclesSkipped?: () => number): FamilySpec[] {
  return [
    {
      name: 'servicefabric_imagestore_poll_cycle_duration_seconds',
      help: `Wall time of the last complete poll cycle over all clusters and paths, in seconds. ${REFRESHED}`,
      type: 'gauge',
      collect: (view) => (view.snapshot ? [{ labels: {}, value: view.snapshot.cycleDurationSeconds }] : []),
    },
    {
      name: 'servicefabric_imagestore_poll_cycles_skipped_total',
      // Counted when the skip happens: a first cycle that hangs skips the next ones before any snapshot exists.
      help: 'Poll cycles that were due while the previous poll cycle was still running, and so were skipped; counted as they are skipped.',
      type: 'counter',
      collect: (view) => [{ labels: {}, value: cyclesSkipped?.() ?? view.snapshot?.cyclesSkippedTotal ?? 0 }],
    },
    {
      name: 'servicefabric_exporter_build_info',
      help: 'Always 1; labels give the exporter version, its source revision and the Node.js version it runs on.',
      type: 'gauge',
      collect: () => [
        { labels: { version: build.version, revision: build.revision, nodejs_version: build.nodejsVersion }, value: 1 },
      ],
    },
  ];
}
