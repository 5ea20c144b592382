/**
 * The validated configuration, as the rest of the program sees it: durations in milliseconds,
 * every default applied. Produced only by `load.ts`.
 */
import type { ClusterAuthConfig, ClusterTlsConfig } from './cluster-security.js';

export type { ClusterAuthConfig, ClusterTlsConfig } from './cluster-security.js';

/** One Service Fabric cluster to poll. */
export interface ClusterConfig {
  /** `clusters[].name`: the `sf_cluster` label; unique. */
  readonly name: string;
  /** `clusters[].endpoint`: the HTTP gateway base URL, e.g. `http://localhost:19080`. */
  readonly endpoint: string;
  /** `clusters[].content_paths`: image-store relative paths, exactly as uploaders use them (may be empty when `contentPathFiles` is set). */
  readonly contentPaths: readonly string[];
  /** `clusters[].content_path_files`: glob patterns of path files, absolute (resolved against the config file's folder); absent when none. */
  readonly contentPathFiles?: readonly string[];
  /** `clusters[].tls`: client certificate and server verification; absent means Node's defaults. */
  readonly tls?: ClusterTlsConfig;
  /** `clusters[].auth`: Entra ID client credentials; absent means no bearer token. */
  readonly auth?: ClusterAuthConfig;
}

/** How and when to poll. */
export interface PollConfig {
  /** `poll.schedule`: node-cron expression (a leading seconds field is allowed). */
  readonly schedule: string;
  /** `poll.concurrency`: requests in flight per cluster. */
  readonly concurrency: number;
  /** `poll.request_timeout`: client-side timeout per request; also sent as `timeout` (whole seconds). */
  readonly requestTimeoutMs: number;
  /** `poll.max_staleness`: a snapshot older than this is not served as data. */
  readonly maxStalenessMs: number;
  /** `poll.max_response_size`: largest response body read; a bigger one is an invalid response. */
  readonly maxResponseBytes: number;
  /**
   * `poll.store_recheck_interval`: a path found in the image store (and without a session since) is
   * not looked up in the store again for this long.
   */
  readonly storeRecheckIntervalMs: number;
  /**
   * `poll.idle_interval`: a cold path (no session, no recent change, no hot file in its package) is
   * polled once per this long, and a lookup that found no file stands this long. Absent or 0: every
   * path every cycle.
   */
  readonly idleIntervalMs?: number;
}

/** `status:`: settings of the status page, `/api/v1/sessions` and the `status` command. */
export interface StatusConfig {
  /** `status.stalled_after`: a session with bytes missing and no chunk for this long is `stalled`. */
  readonly stalledAfterMs: number;
}

/** `path_files:`: limits of each path file (`clusters[].content_path_files`). */
export interface PathFilesConfig {
  /** `path_files.max_size`: a larger path file is not read, and counts as malformed. */
  readonly maxBytes: number;
  /** `path_files.max_entries`: a path file listing more entries is malformed. */
  readonly maxEntries: number;
  /** `path_files.max_path_length`: a path file listing a longer content path (UTF-16 code units) is malformed. */
  readonly maxPathLength: number;
  /** `path_files.max_paths`: content paths a cluster polls from its path files; those beyond are left out. */
  readonly maxPaths: number;
  /** `path_files.max_package_files`: files a cluster's packages count, over all packages; packages beyond are left out. */
  readonly maxPackageFiles: number;
  /** `path_files.follow_outside_links`: read a matched file that is a link out of its pattern's folder. */
  readonly followOutsideLinks: boolean;
}

/** An optional section of the file that can be left out whole. */
export type DefaultedSection = 'status' | 'path_files';

/** The whole configuration file. */
export interface Config {
  readonly poll: PollConfig;
  /** `status:`, its defaults (`DEFAULT_STATUS`) when the file has no such section. */
  readonly status: StatusConfig;
  /** `path_files:`, its defaults (`DEFAULT_PATH_FILES`) when the file has no such section. */
  readonly pathFiles: PathFilesConfig;
  /**
   * The sections the file left out, which the loader filled with their defaults: the start-up log
   * leaves them out as the file did. Absent: every section was written.
   */
  readonly defaulted?: readonly DefaultedSection[];
  readonly clusters: readonly ClusterConfig[];
}
