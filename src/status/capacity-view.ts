/**
 * Each cluster's image store disk in the status view: its free space from the snapshot's last
 * GetImageStoreInfo, flagged `low` when it is below the fraction at which
 * ServiceFabricImageStoreDiskFilling fires. The page, the JSON and the `status` command show this
 * one model, and `describeCapacity` is their shared wording.
 */
import type { CapacityState } from '../model/capacity-state.js';
import type { ImageStoreUse } from '../servicefabric/image-store-info.js';
import { formatBytes, formatPercent } from './format.js';

/**
 * Free space as a fraction of the disk below which a disk is low: the literal of
 * ServiceFabricImageStoreDiskFilling's fraction condition in deploy/prometheus/rules.yml (a test
 * holds the two together).
 */
export const LOW_FREE_FRACTION = 0.1;

/**
 * `ok`: the last GetImageStoreInfo answered; `failed`: it failed (`error` says why);
 * `unsupported`: the cluster's runtime has no such route (before Service Fabric 6.5).
 */
type CapacityStatus = 'ok' | 'failed' | 'unsupported';

/** The cluster's image store disk, as the last capacity poll saw it. */
export interface CapacityView {
  readonly status: CapacityStatus;
  /** The disk's size, bytes (`DiskInfo.Capacity`); null unless `ok`. */
  readonly capacity_bytes: number | null;
  /** Its free space, bytes (`DiskInfo.AvailableSpace`); null unless `ok`. */
  readonly available_bytes: number | null;
  /** available / capacity, 0 to 1; null unless `ok`, and for a disk of 0 bytes. */
  readonly free_fraction: number | null;
  /** Free space below `LOW_FREE_FRACTION` of the disk: the alert's fraction condition holds. */
  readonly low: boolean;
  /** Bytes the image store keeps on the disk, by use; null unless `ok`. */
  readonly used_bytes: Readonly<Record<ImageStoreUse, number>> | null;
  /** When the last capacity poll finished, ISO-8601 UTC. */
  readonly polled_at: string;
  /** Why the last poll failed; null unless `failed`. */
  readonly error: { readonly reason: string; readonly message: string; readonly status: number | null; readonly code: string | null } | null;
}

/** The capacity view of one cluster's state. */
export function capacityView(state: CapacityState): CapacityView {
  const polled_at = new Date(state.polledMs).toISOString();
  const info = state.info;
  if (info === undefined) {
    const f = state.failure;
    return {
      status: state.supported ? 'failed' : 'unsupported',
      capacity_bytes: null,
      available_bytes: null,
      free_fraction: null,
      low: false,
      used_bytes: null,
      polled_at,
      error: f === undefined ? null : { reason: f.reason, message: f.message, status: f.status ?? null, code: f.code ?? null },
    };
  }
  const fraction = info.capacityBytes === 0 ? null : info.availableBytes / info.capacityBytes;
  return {
    status: 'ok',
    capacity_bytes: info.capacityBytes,
    available_bytes: info.availableBytes,
    free_fraction: fraction,
    low: fraction !== null && fraction < LOW_FREE_FRACTION,
    used_bytes: { metadata: info.used.metadata.bytes, staging: info.used.staging.bytes, copy: info.used.copy.bytes, register: info.used.register.bytes },
    polled_at,
    error: null,
  };
}

/** Each cluster's capacity view by name; empty when this process polls none (another shard, or no cluster offers it). */
export function capacityViews(states: readonly CapacityState[] | undefined): Map<string, CapacityView> {
  return new Map((states ?? []).map((state) => [state.cluster, capacityView(state)]));
}

/** One line for a person, e.g. `5 GiB free of 64 GiB (7%), below 10 %`; the same words on the page and in the terminal. */
export function describeCapacity(view: CapacityView): string {
  if (view.status === 'unsupported') return 'not reported by this cluster (GetImageStoreInfo needs Service Fabric 6.5 or later)';
  if (view.status === 'failed') {
    const e = view.error;
    const what = [e?.reason, e?.code ?? undefined, e?.status === null || e?.status === undefined ? undefined : `HTTP ${e.status}`].filter(Boolean).join(', ');
    return `unknown: the capacity poll failed (${what})${e?.message ? `: ${e.message}` : ''}`;
  }
  const free = view.free_fraction === null ? '' : ` (${formatPercent(view.free_fraction)})`;
  const low = view.low ? `, below ${LOW_FREE_FRACTION * 100} %: deployments fail once it is full` : '';
  return `${formatBytes(view.available_bytes ?? 0)} free of ${formatBytes(view.capacity_bytes ?? 0)}${free}${low}`;
}
