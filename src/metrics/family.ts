import type { Snapshot } from '../poller/snapshot.js';

/** What every metric family reads at scrape time: the current snapshot and the scrape's clock. */
export interface ScrapeView {
  /** The last completed cycle's snapshot; undefined before the first cycle completes. */
  readonly snapshot: Snapshot | undefined;
  /** Unix ms of this scrape. */
  readonly nowMs: number;
  /** False when the snapshot is older than `poll.max_staleness`: its data must not be served. */
  readonly fresh: boolean;
}

/** One sample of a family. */
export interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** The shape prom-client's Registry accepts as a metric: built anew from the view on every scrape. */
export interface SnapshotFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  get(): Promise<{ name: string; help: string; type: 'gauge' | 'counter'; values: Sample[]; aggregator: 'sum' }>;
}

export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly collect: (view: ScrapeView) => Sample[];
}

/**
 * Defines a metric family whose series are derived from the snapshot at collect time, so no label
 * set can outlive the data it describes.
 */
export function defineFamily(spec: FamilySpec, view: () => ScrapeView): SnapshotFamily {
  const { name, help, type } = spec;
  return {
    name,
    help,
    type,
    get: async () => ({ name, help, type, values: spec.collect(view()), aggregator: 'sum' }),
  };
}

/** Standard sentence appended to every HELP string (Prometheus guidelines: say values are cached). */
export const REFRESHED = 'Refreshed each poll cycle and cached between polls.';
