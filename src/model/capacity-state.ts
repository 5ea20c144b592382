/**
 * What a cluster's image store holds and has free, as of one GetImageStoreInfo poll: the snapshot
 * keeps one per cluster, which the metrics and the status view read.
 */
import type { FailureReason } from '../servicefabric/request-errors.js';
import type { ImageStoreInfo } from '../servicefabric/image-store-info.js';
import type { PollFailure } from './path-state.js';

/** One cluster's image store capacity after the most recent cycle. */
export interface CapacityState {
  readonly cluster: string;
  /** The most recent poll's answer; undefined when it failed or the cluster has no such route. */
  readonly info: ImageStoreInfo | undefined;
  /** False while the cluster answers 400 (a runtime before 6.5): the capacity families are left out, and nothing is counted as failed. */
  readonly supported: boolean;
  /** Failed polls since start, by reason (a 400 is not one). */
  readonly failuresTotal: Readonly<Partial<Record<FailureReason, number>>>;
  /** The most recent failure; undefined when the most recent poll succeeded or found no route. */
  readonly failure: PollFailure | undefined;
  /** Unix ms at which the most recent poll finished. */
  readonly polledMs: number;
}
