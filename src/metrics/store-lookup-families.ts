import { FAILURE_REASONS } from '../servicefabric/request-errors.js';
import { REFRESHED, type FamilySpec, type Sample } from './family.js';

/** Per-cluster store lookup families: a failed lookup is not a failed poll, so it is counted here. */
export const storeLookupFamilies: readonly FamilySpec[] = [
  {
    name: 'servicefabric_imagestore_store_lookup_failures_total',
    help: `Failed store lookups of the cluster (GET /ImageStore/{path}, a file or a folder listing), by reason (timeout, connection, tls, http_status, fabric_error, invalid_response, auth). A failed lookup leaves the state of the paths it was for unknown; their polls still succeed when GetUploadSession answers. ${REFRESHED}`,
    type: 'counter',
    scope: 'snapshot',
    collect: (view) => {
      // Every reason from the first cycle, so that rate() and increase() see the first failure.
      const samples: Sample[] = [];
      for (const health of view.snapshot?.storeLookups ?? []) {
        for (const reason of FAILURE_REASONS) samples.push({ labels: { sf_cluster: health.cluster, reason }, value: health.failuresTotal[reason] ?? 0 });
      }
      return samples;
    },
  },
];
