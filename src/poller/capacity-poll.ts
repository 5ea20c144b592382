/**
 * The image store's capacity, polled once per cycle per cluster (GetImageStoreInfo) beside the
 * paths, and folded into the snapshot as one `CapacityState` per cluster. It shares nothing with
 * the paths' polls but the client: its failure is its own series and log line, never a path's.
 */
import type { Logger } from '../log.js';
import type { CapacityState } from '../model/capacity-state.js';
import { toFailure, type ClusterTarget } from './cycle.js';

interface CapacityOptions {
  readonly logger: Logger;
  /** Aborts in-flight requests (shutdown); an aborted poll yields no state. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

const NO_FAILURES: CapacityState['failuresTotal'] = Object.freeze({});

/**
 * Polls GetImageStoreInfo once on every cluster whose client offers it, and returns each cluster's
 * new state, counters carried over from `previous`. Never rejects; undefined if aborted.
 */
export async function pollCapacity(
  targets: readonly ClusterTarget[],
  previous: readonly CapacityState[] | undefined,
  options: CapacityOptions,
): Promise<CapacityState[] | undefined> {
  const now = options.now ?? Date.now;
  const before = new Map((previous ?? []).map((state) => [state.cluster, state]));
  const states = await Promise.all(
    targets.map(async (target): Promise<CapacityState | undefined> => {
      const client = target.client;
      if (client.getImageStoreInfo === undefined) return undefined;
      const prior = before.get(target.cluster);
      try {
        const info = await client.getImageStoreInfo({ signal: options.signal });
        return { cluster: target.cluster, info, supported: true, failuresTotal: prior?.failuresTotal ?? NO_FAILURES, failure: undefined, polledMs: now() };
      } catch (error) {
        if (options.signal?.aborted) return undefined;
        const failure = toFailure(error);
        if (failure.status === 400) {
          // A runtime without the route: said once, when it starts answering so, not every cycle.
          if (prior?.supported !== false) {
            options.logger.warn(
              { sf_cluster: target.cluster, status: failure.status, fabric_code: failure.code },
              `image store capacity not available on this cluster (GetImageStoreInfo needs Service Fabric 6.5 or later): ${failure.message}`,
            );
          }
          return { cluster: target.cluster, info: undefined, supported: false, failuresTotal: prior?.failuresTotal ?? NO_FAILURES, failure: undefined, polledMs: now() };
        }
        const failuresTotal = { ...(prior?.failuresTotal ?? NO_FAILURES), [failure.reason]: (prior?.failuresTotal[failure.reason] ?? 0) + 1 };
        options.logger.warn(
          { sf_cluster: target.cluster, reason: failure.reason, status: failure.status, fabric_code: failure.code },
          `image store capacity poll failed: ${failure.message}`,
        );
        return { cluster: target.cluster, info: undefined, supported: true, failuresTotal, failure, polledMs: now() };
      }
    }),
  );
  if (options.signal?.aborted) return undefined;
  return states.filter((state): state is CapacityState => state !== undefined);
}
