import type { FamilySpec } from './family.js';

import type { ReloadState } from '../config/reloader.js';

/** What the configuration holder reports about reloads, read at scrape time. */
export type ReloadStatus = ReloadState;

/** Configuration reload families, named as Prometheus and blackbox_exporter name theirs. */
export function reloadFamilies(status: () => ReloadStatus): FamilySpec[] {
  return [
    {
      name: 'servicefabric_exporter_config_last_reload_successful',
      help: 'Whether the last configuration reload attempt (SIGHUP or POST /-/reload) succeeded: 1 yes, 0 no (the previous configuration is still in use).',
      type: 'gauge',
      collect: () => [{ labels: {}, value: status().lastSuccessful ? 1 : 0 }],
    },
    {
      name: 'servicefabric_exporter_config_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful configuration load, at start-up or by reload.',
      type: 'gauge',
      collect: () => [{ labels: {}, value: status().lastSuccessMs / 1000 }],
    },
  ];
}
