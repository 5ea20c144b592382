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
interface SnapshotFamily {
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
  /**
   * `snapshot`: the samples depend only on the snapshot and its freshness, so the text renderer
   * (render.ts) renders them once per snapshot and reuses the text between scrapes. Absent: the
   * family is collected again at every scrape.
   */
  readonly scope?: 'snapshot';
  /**
   * For a family whose label sets come from the snapshot but whose values move with the scrape's
   * clock (`age_seconds`): `series` gives each sample with a clock-independent input as its value,
   * `value` turns that input into the sample's value at the scrape's time. The renderer formats the
   * label sets once per snapshot and only the numbers per scrape. `collect` must agree with them.
   */
  readonly timed?: {
    readonly series: (view: ScrapeView) => Sample[];
    readonly value: (input: number, nowMs: number) => number;
    /**
     * `value` reads the clock only in whole steps of this many milliseconds, so scrapes within one
     * step share one rendering of the family (and, for gzip, one compression of it).
     */
    readonly stepMs: number;
  };
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
