/**
 * The polling pipeline: path files, one client per cluster and the poller over them. The exporter
 * and the `status` command both run it, built here once.
 */
import type { ClusterConfig, Config, PollConfig } from './config/types.js';
import type { Logger } from './log.js';
import { PathFiles } from './pathfiles/path-file-watcher.js';
import { Poller } from './poller/poller.js';
import type { Shard } from './poller/shard.js';
import type { ClientOptions } from './servicefabric/client.js';
import { createClusterClient, type ClusterClient } from './servicefabric/cluster-client.js';
import { USER_AGENT } from './version.js';

/**
 * The poller's client factory: one client per cluster, configured from the poll settings in force
 * and this build's User-Agent. `overrides` (tests) are laid over the options built here.
 */
function clusterClientFactory(
  logger: Logger,
  overrides?: (cluster: ClusterConfig) => Partial<ClientOptions>,
): (cluster: ClusterConfig, poll: PollConfig) => ClusterClient {
  return (cluster, poll) =>
    createClusterClient(
      cluster,
      {
        requestTimeoutMs: poll.requestTimeoutMs,
        userAgent: USER_AGENT,
        connections: poll.concurrency,
        maxResponseBytes: poll.maxResponseBytes,
        ...overrides?.(cluster),
      },
      logger,
    );
}

/** A polling pipeline. */
export interface Pipeline {
  /** Applies a reloaded configuration from the next cycle on; owns and closes the clients. */
  readonly poller: Poller;
  /** Where each polled path comes from, and the path-file figures of the metrics. */
  readonly pathFiles: PathFiles;
}

/** Builds the pipeline for `config`; throws when a cluster's client cannot be built. */
export function createPipeline(options: {
  config: Config;
  logger: Logger;
  /** `--shard.index`/`--shard.count`; default: every path. */
  shard?: Shard;
  /** For tests: per-cluster client options laid over the ones built from the configuration. */
  clientOverrides?: (cluster: ClusterConfig) => Partial<ClientOptions>;
}): Pipeline {
  const { config, logger } = options;
  const pathFiles = new PathFiles({ logger });
  const poller = new Poller({
    config,
    logger,
    shard: options.shard,
    // The path-file limits of the configuration in effect for this cycle, reloaded or not.
    resolveTargets: (targets, applied) => pathFiles.resolveTargets(targets, applied.pathFiles),
    createClient: clusterClientFactory(logger, options.clientOverrides),
  });
  return { poller, pathFiles };
}
