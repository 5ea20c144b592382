import { Registry, collectDefaultMetrics } from 'prom-client';
import { isFresh, type Snapshot } from '../poller/snapshot.js';
import { defineFamily, type FamilySpec, type ScrapeView } from './family.js';
import { sessionFamilies } from './session-families.js';
import { pathFamilies } from './path-families.js';
import { packageFamilies } from './package-families.js';
import { capacityFamilies } from './capacity-families.js';
import { exporterFamilies, type BuildInfo } from './exporter-families.js';
import { backoffFamilies } from './backoff-families.js';
import { storeLookupFamilies } from './store-lookup-families.js';
import { reloadFamilies, type ReloadStatus } from './reload-families.js';
import { pathFileFamilies, type PathFileStatus } from './path-file-families.js';

// promtool rejects these three prom-client defaults: gauges whose names end in _total.
const PROMTOOL_REJECTED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsOptions {
  /** The current snapshot; read once per family per scrape. */
  readonly snapshot: () => Snapshot | undefined;
  /** `poll.max_staleness` in ms; a function when a config reload can change it. */
  readonly maxStalenessMs: number | (() => number);
  /** Configuration reload state; without it the reload families are left out. */
  readonly reload?: () => ReloadStatus;
  /** Where the polled paths come from (path files); without it those families are left out. */
  readonly pathFiles?: PathFileStatus;
  readonly build: BuildInfo;
  /** `--web.disable-exporter-metrics`: leave out the process_* and nodejs_* metrics. */
  readonly disableExporterMetrics?: boolean;
  readonly now?: () => number;
  /** Poll cycles skipped so far (the poller's live count); without it, the snapshot's. */
  readonly cyclesSkipped?: () => number;
}

/** The exporter's own families, in exposition order. */
export function familySpecs(options: MetricsOptions): FamilySpec[] {
  const reload = options.reload ? reloadFamilies(options.reload) : [];
  const pathFiles = options.pathFiles ? pathFileFamilies(options.pathFiles) : [];
  return [...sessionFamilies(), ...pathFamilies(), ...packageFamilies(), ...capacityFamilies(), ...backoffFamilies, ...storeLookupFamilies, ...exporterFamilies(options.build, options.cyclesSkipped), ...reload, ...pathFiles];
}

/** The view every family reads at one scrape: the current snapshot, the clock, and whether the snapshot is fresh. */
export function scrapeView(options: MetricsOptions): () => ScrapeView {
  const now = options.now ?? Date.now;
  return () => {
    const snapshot = options.snapshot();
    const nowMs = now();
    const maxStalenessMs = typeof options.maxStalenessMs === 'function' ? options.maxStalenessMs() : options.maxStalenessMs;
    return { snapshot, nowMs, fresh: isFresh(snapshot, nowMs, maxStalenessMs) };
  };
}

/** Adds prom-client's default process_* and nodejs_* metrics to `registry`, minus those promtool rejects. */
export function addDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of PROMTOOL_REJECTED_DEFAULTS) registry.removeSingleMetric(name);
}

/**
 * Builds a prom-client registry of every family. The exporter serves the faster renderer of
 * render.ts, whose output is byte-identical for the same snapshot and clock; this registry is the
 * reference it is tested against.
 */
export function createRegistry(options: MetricsOptions): Registry {
  const registry = new Registry();
  const view = scrapeView(options);
  for (const spec of familySpecs(options)) {
    // prom-client accepts any object with name and get(); its Metric typings are narrower.
    registry.registerMetric(defineFamily(spec, view) as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  if (!options.disableExporterMetrics) addDefaultMetrics(registry);
  return registry;
}
