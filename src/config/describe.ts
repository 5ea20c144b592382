/** What the start-up log says about the configuration. */
import { formatDuration } from './duration.js';
import { formatSize } from './size.js';
import { describeAuth, describeTls } from './cluster-security.js';
import type { Config } from './types.js';

/** A JSON-able summary for the start-up log: the file's key names, durations formatted; the one place that decides what is printed (and, later, what is redacted). */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    poll: {
      schedule: config.poll.schedule,
      concurrency: config.poll.concurrency,
      request_timeout: formatDuration(config.poll.requestTimeoutMs),
      max_staleness: formatDuration(config.poll.maxStalenessMs),
      max_response_size: formatSize(config.poll.maxResponseBytes),
    },
    ...(config.defaulted?.includes('status') ? {} : { status: { stalled_after: formatDuration(config.status.stalledAfterMs) } }),
    ...(config.defaulted?.includes('path_files')
      ? {}
      : {
          path_files: {
            max_size: formatSize(config.pathFiles.maxBytes),
            max_entries: config.pathFiles.maxEntries,
            max_path_length: config.pathFiles.maxPathLength,
            max_paths: config.pathFiles.maxPaths,
            max_package_files: config.pathFiles.maxPackageFiles,
            follow_outside_links: config.pathFiles.followOutsideLinks,
          },
        }),
    // Listed key by key rather than spread, so that a secret added to ClusterConfig later is not
    // printed until someone decides how to show it.
    clusters: config.clusters.map((cluster) => ({
      name: cluster.name,
      endpoint: cluster.endpoint,
      content_paths: [...cluster.contentPaths],
      ...(cluster.contentPathFiles === undefined ? {} : { content_path_files: [...cluster.contentPathFiles] }),
      ...(cluster.tls === undefined ? {} : { tls: describeTls(cluster.tls) }),
      ...(cluster.auth === undefined ? {} : { auth: describeAuth(cluster.auth) }),
    })),
  };
}
