/**
 * What the store lookups cost: requests per cycle at paths that are all idle (no
 * session) and all in the image store. The first cycle looks every path up; after it, none until
 * the rechecks come due (`poll.store_recheck_interval` later), which the cycles measured here,
 * back to back, never reach.
 */
import type { Cluster } from './lib/cluster.js';

/** Requests the simulator served, by operation (its `requestCounts()`). */
type Counts = Partial<Record<'GetUploadSessionByPath' | 'ListContent', number>>;

/** The requests of each cycle, the exporter's start-up cycle first. */
export interface StoreRun {
  readonly paths: number;
  /** GetUploadSession requests per cycle, start-up cycle first. */
  readonly sessionRequests: number[];
  /** Store lookups per cycle, start-up cycle first. */
  readonly lookups: number[];
  readonly failedPolls: number;
}

/** Runs `cycles` cycles after the start-up one and reads the simulator's request counts around each. */
export async function measureStoreLookups(cluster: Cluster, paths: number, cycles: number): Promise<StoreRun> {
  const read = (): Promise<Counts> => cluster.simulator.call<Counts>('requests');
  // The exporter's start-up cycle has run by now (withCluster waits for its snapshot).
  let before = await read();
  const sessionRequests = [before.GetUploadSessionByPath ?? 0];
  const lookups = [before.ListContent ?? 0];
  let failedPolls = 0;
  for (let i = 0; i < cycles; i++) {
    const tick = await cluster.tick();
    failedPolls += tick.failed;
    const after = await read();
    sessionRequests.push((after.GetUploadSessionByPath ?? 0) - (before.GetUploadSessionByPath ?? 0));
    lookups.push((after.ListContent ?? 0) - (before.ListContent ?? 0));
    before = after;
  }
  return { paths, sessionRequests, lookups, failedPolls };
}
