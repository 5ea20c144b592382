import type { PathFileErrorCount, PathFileLimitCount, WatchedCount } from '../pathfiles/path-file-watcher.js';
import type { FamilySpec } from './family.js';

/** What the path-file reader reports, read at scrape time. */
export interface PathFileStatus {
  /** Content paths polled per cluster and source, as of the last cycle. */
  readonly watched: () => readonly WatchedCount[];
  /** Malformed versions seen per cluster and path file (and listings over budget, per pattern). */
  readonly fileErrors: () => readonly PathFileErrorCount[];
  /** Poll cycles in which a cluster's path files added up to more than a `path_files` limit; absent in older wiring. */
  readonly limitsReached?: () => readonly PathFileLimitCount[];
}

/** Families about where the polled paths come from: the configuration or path files. */
export function pathFileFamilies(status: PathFileStatus): FamilySpec[] {
  return [
    {
      name: 'servicefabric_imagestore_watched_paths',
      help: 'Content paths polled for the cluster, by source: config (content_paths) or file (content_path_files); a path in both counts as config. As of the last poll cycle.',
      type: 'gauge',
      collect: () => status.watched().map((w) => ({ labels: { sf_cluster: w.cluster, source: w.source }, value: w.count })),
    },
    {
      name: 'servicefabric_exporter_path_file_errors_total',
      help: 'Malformed, unreadable or oversized versions of a path file seen (each counted once per change); the last good content stays in force. Present while the file matches the cluster\'s content_path_files. With file set to a pattern: poll cycles whose listing of the pattern overran its budget.',
      type: 'counter',
      collect: () => status.fileErrors().map((e) => ({ labels: { sf_cluster: e.cluster, file: e.file }, value: e.count })),
    },
    {
      name: 'servicefabric_exporter_path_file_limit_reached_total',
      help: 'Poll cycles in which the cluster\'s path files added up to more than a limit, by limit: max_paths (content paths polled from files; the rest are not polled) or max_package_files (files counted in packages; later packages are not counted). Present, from 0, for clusters with content_path_files.',
      type: 'counter',
      collect: () => (status.limitsReached?.() ?? []).map((l) => ({ labels: { sf_cluster: l.cluster, limit: l.limit }, value: l.count })),
    },
  ];
}
