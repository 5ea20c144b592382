import type { ClusterConfig, PollConfig } from './config/types.js';
import type { Logger } from './log.js';
import type { ClientOptions } from './servicefabric/client.js';
import { createClusterClient, type ClusterClient } from './servicefabric/cluster-client.js';
import { USER_AGENT } from './version.js';

/**
 * The poller's client factory: one client per cluster, configured from the poll settings in force
 * and this build's User-Agent. `overrides` (tests) are laid over the options built here.
 */
export function clusterClientFactory(
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
