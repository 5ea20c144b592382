/**
 * Store lookups per cluster: how many failed, by reason, and whether they are failing now. A failed
 * lookup is not a failed poll (the path's GetUploadSession answered); it leaves the path's state
 * unknown, is counted here, and is logged once per cluster when lookups start or stop failing.
 */
import type { Logger } from '../log.js';
import type { FailureReason } from '../servicefabric/request-errors.js';
import type { PollFailure } from '../model/path-state.js';

/** One cluster's store lookups, as of one cycle. */
export interface StoreLookupHealth {
  readonly cluster: string;
  /** Failed lookup requests since start (or since the cluster was added), by reason. */
  readonly failuresTotal: Readonly<Partial<Record<FailureReason, number>>>;
  /** Whether the most recent cycle that made lookups to the cluster had one fail. */
  readonly failing: boolean;
  /** The most recent failure while `failing`. */
  readonly lastFailure: PollFailure | undefined;
}

/** The lookup requests one cycle made, per cluster: a count, and the failures among them. */
export class LookupTally {
  readonly #byCluster = new Map<string, { made: number; failures: PollFailure[] }>();

  /** Records one lookup request to `cluster`, and its failure if it failed. */
  record(cluster: string, failure?: PollFailure): void {
    let entry = this.#byCluster.get(cluster);
    if (entry === undefined) {
      entry = { made: 0, failures: [] };
      this.#byCluster.set(cluster, entry);
    }
    entry.made += 1;
    if (failure !== undefined) entry.failures.push(failure);
  }

  /** Lookup requests made this cycle, every cluster together. */
  total(): number {
    let n = 0;
    for (const entry of this.#byCluster.values()) n += entry.made;
    return n;
  }

  /** Lookup requests made to `cluster` this cycle. */
  made(cluster: string): number {
    return this.#byCluster.get(cluster)?.made ?? 0;
  }

  /** The failures among them, in the order they happened. */
  failures(cluster: string): readonly PollFailure[] {
    return this.#byCluster.get(cluster)?.failures ?? [];
  }
}

/**
 * Every cluster's lookup health after a cycle: the previous counts plus this cycle's, for the
 * clusters still polled (one that is gone drops out with its series). A cycle that made no lookup
 * to a cluster leaves whether it is failing as it was.
 */
export function nextLookupHealth(previous: readonly StoreLookupHealth[] | undefined, clusters: readonly string[], tally: LookupTally): StoreLookupHealth[] {
  const before = new Map((previous ?? []).map((h) => [h.cluster, h]));
  return [...new Set(clusters)].map((cluster) => {
    const prior = before.get(cluster);
    const failures = tally.failures(cluster);
    let failuresTotal = prior?.failuresTotal ?? {};
    if (failures.length > 0) {
      const counts: Partial<Record<FailureReason, number>> = { ...failuresTotal };
      for (const f of failures) counts[f.reason] = (counts[f.reason] ?? 0) + 1;
      failuresTotal = counts;
    }
    if (tally.made(cluster) === 0) return prior ?? { cluster, failuresTotal, failing: false, lastFailure: undefined };
    return { cluster, failuresTotal, failing: failures.length > 0, lastFailure: failures.at(-1) };
  });
}

/** Logs each cluster whose lookups started or stopped failing between `before` and `after`: one line each. */
export function logLookupTransitions(logger: Logger, before: readonly StoreLookupHealth[] | undefined, after: readonly StoreLookupHealth[], tally: LookupTally): void {
  const wasFailing = new Set((before ?? []).filter((h) => h.failing).map((h) => h.cluster));
  for (const health of after) {
    const was = wasFailing.has(health.cluster);
    if (health.failing && !was && health.lastFailure) {
      const failure = health.lastFailure;
      logger.warn(
        {
          sf_cluster: health.cluster,
          reason: failure.reason,
          status: failure.status,
          fabric_code: failure.code,
          failed: tally.failures(health.cluster).length,
          lookups: tally.made(health.cluster),
        },
        `store lookups failing: the state of paths without an upload session is unknown until a lookup succeeds (their polls still count as successful); logged again when lookups succeed: ${failure.message}`,
      );
    } else if (!health.failing && was) {
      logger.info({ sf_cluster: health.cluster, lookups: tally.made(health.cluster) }, 'store lookups succeed again');
    }
  }
}
