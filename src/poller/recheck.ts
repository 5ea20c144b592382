/**
 * When a path found in the image store is looked up there again. Not before `poll.store_recheck_interval`
 * has passed, and then a little later for some paths than for others: the paths found in one
 * cycle (every idle path, at start-up) would otherwise all come due in one later cycle and double
 * its requests.
 */

/** The most a path's recheck is put off beyond the interval, as a share of it. */
export const RECHECK_SPREAD = 0.25;

/** A path's fixed share of the spread, in [0, 1): FNV-1a of cluster and path, the same in every cycle and process. */
export function spreadShare(cluster: string, contentPath: string): number {
  let hash = 0x811c9dc5;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  };
  mix(cluster);
  // A separator no name can hold, so ("ab", "c") and ("a", "bc") differ.
  mix('\u0000');
  mix(contentPath);
  return (hash >>> 0) / 2 ** 32;
}

/**
 * Unix ms from which a path found in the store at `checkedMs` is looked up again: `intervalMs`
 * later, plus up to `RECHECK_SPREAD` of it, a share fixed for the path.
 */
export function storeRecheckDueMs(checkedMs: number, intervalMs: number, cluster: string, contentPath: string): number {
  return checkedMs + intervalMs * (1 + RECHECK_SPREAD * spreadShare(cluster, contentPath));
}
