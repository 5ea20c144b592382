import type { CapacityState } from '../model/capacity-state.js';
import { FAILURE_REASONS } from '../servicefabric/request-errors.js';
import { IMAGE_STORE_USES, type ImageStoreInfo, type ImageStoreUsage } from '../servicefabric/image-store-info.js';
import { REFRESHED, type FamilySpec, type Sample, type ScrapeView } from './family.js';

/** The clusters whose last capacity poll answered, while the snapshot may still be shown. */
function answered(view: ScrapeView): Array<{ cluster: string; info: ImageStoreInfo }> {
  // Stale data is withheld as every other gauge's is: a disk last seen half full is not half full now.
  if (!view.snapshot || !view.fresh) return [];
  const result: Array<{ cluster: string; info: ImageStoreInfo }> = [];
  for (const state of view.snapshot.capacity ?? []) if (state.info) result.push({ cluster: state.cluster, info: state.info });
  return result;
}

function perCluster(view: ScrapeView, value: (info: ImageStoreInfo) => number): Sample[] {
  return answered(view).map(({ cluster, info }) => ({ labels: { sf_cluster: cluster }, value: value(info) }));
}

function perUse(view: ScrapeView, value: (usage: ImageStoreUsage) => number): Sample[] {
  const samples: Sample[] = [];
  for (const { cluster, info } of answered(view)) {
    for (const use of IMAGE_STORE_USES) samples.push({ labels: { sf_cluster: cluster, use }, value: value(info.used[use]) });
  }
  return samples;
}

const ABSENT = 'Absent while the last GetImageStoreInfo failed, on a cluster without it (before Service Fabric 6.5), and when the data is older than poll.max_staleness.';

/**
 * The image store's capacity, per cluster (GetImageStoreInfo): the disk of the node hosting the
 * Image Store Service's primary replica, the store's usage by category, and the poll's failures.
 */
export function capacityFamilies(): readonly FamilySpec[] {
  return [
    {
      name: 'servicefabric_imagestore_disk_capacity_bytes',
      help: `Size of the disk of the node that hosts the Image Store Service's primary replica, in bytes (DiskInfo.Capacity). ${ABSENT} ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => perCluster(view, (info) => info.capacityBytes),
    },
    {
      name: 'servicefabric_imagestore_disk_available_bytes',
      help: `Free space on that disk, in bytes (DiskInfo.AvailableSpace); deployments fail once it runs out. ${ABSENT} ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => perCluster(view, (info) => info.availableBytes),
    },
    {
      name: 'servicefabric_imagestore_used_bytes',
      help: `Bytes the image store keeps on that disk, by use: metadata, staging (files being uploaded), copy (copied application and cluster packages), register (provisioned application types). ${ABSENT} ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => perUse(view, (usage) => usage.bytes),
    },
    {
      name: 'servicefabric_imagestore_used_files',
      help: `Files the image store keeps on that disk, by use (as servicefabric_imagestore_used_bytes). ${ABSENT} ${REFRESHED}`,
      type: 'gauge',
      scope: 'snapshot',
      collect: (view) => perUse(view, (usage) => usage.files),
    },
    {
      name: 'servicefabric_imagestore_info_poll_failures_total',
      help: `Failed GetImageStoreInfo polls of the cluster, by reason (timeout, connection, tls, http_status, fabric_error, invalid_response, auth); a 400 from a runtime without the route is not counted. ${REFRESHED}`,
      type: 'counter',
      scope: 'snapshot',
      collect: (view) => {
        // Every reason from the first poll, as servicefabric_imagestore_poll_failures_total, so that
        // rate() and increase() see the first failure.
        const samples: Sample[] = [];
        for (const state of view.snapshot?.capacity ?? ([] as readonly CapacityState[])) {
          for (const reason of FAILURE_REASONS) samples.push({ labels: { sf_cluster: state.cluster, reason }, value: state.failuresTotal[reason] ?? 0 });
        }
        return samples;
      },
    },
  ];
}
