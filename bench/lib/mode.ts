/** How big and how long: the full benchmark, or the CI smoke run (`--quick`). */
export interface BenchMode {
  readonly name: 'full' | 'quick';
  /** Paths of the poll-cycle benchmark; the scrape, SDK and memory figures use `scalePaths`. */
  readonly pollSizes: readonly number[];
  /** Repetitions per poll size (the 100,000-path cycles take 8 s each). */
  readonly pollReps: (paths: number) => number;
  readonly scalePaths: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly sdkReps: number;
  /** Load runs per server and encoding, and each run's length. */
  readonly loadReps: number;
  readonly loadSeconds: number;
  readonly connections: number;
  /** Length of each single-connection run (one scrape at a time). */
  readonly singleConnectionSeconds: number;
  /** Session churn: paths, sessions per path, cycles, warm-up cycles, share of sessions replaced per cycle. */
  readonly churn: { readonly paths: number; readonly sessionsPerPath: number; readonly cycles: number; readonly warmup: number; readonly fraction: number };
  /**
   * Memory at scale against the minimal holder (RSS ≤ 1.5 × its RSS): the scales measured, the one the target
   * holds at, warm-up cycles, and the scrape load (plain then gzip, `rounds` times, each run
   * `seconds` long under the mode's connections).
   */
  readonly memory: {
    readonly scales: ReadonlyArray<{ readonly paths: number; readonly sessions: number }>;
    readonly target: { readonly paths: number; readonly sessions: number };
    readonly warmupCycles: number;
    readonly seconds: number;
    readonly rounds: number;
  };
}

export const FULL: BenchMode = {
  name: 'full',
  pollSizes: [1_000, 10_000, 100_000],
  // 100,000-path cycles take about 20 s each here: 3 of them keep the run under 10 minutes.
  pollReps: (paths) => (paths >= 100_000 ? 3 : 5),
  scalePaths: 10_000,
  latencyMs: 5,
  concurrency: 64,
  sdkReps: 5,
  loadReps: 5,
  // 5 interleaved runs of 5 s (25 s of load per server and encoding) rather than 10 s runs, which
  // would take the whole run past 10 minutes.
  loadSeconds: 5,
  connections: 10,
  // A scrape takes about 20 ms alone: 3 s runs are about 150 requests each.
  singleConnectionSeconds: 3,
  // 1,000 cycles at 10,000 sessions take over 10 minutes here (every cycle renders the exposition
  // anew); at 1,000 sessions they take about a minute and still show any growth per cycle.
  churn: { paths: 100, sessionsPerPath: 10, cycles: 1_000, warmup: 100, fraction: 0.02 },
  // 100 paths and no session: what the exporter costs before any path, the base of the cost per
  // path; then 10,000 paths with no session (a large watched package, most files idle) and with
  // 1,000, 10,000 and 100,000 sessions: the cost per session.
  memory: {
    scales: [
      { paths: 100, sessions: 0 },
      { paths: 10_000, sessions: 0 },
      { paths: 10_000, sessions: 1_000 },
      { paths: 10_000, sessions: 10_000 },
      { paths: 10_000, sessions: 100_000 },
    ],
    target: { paths: 10_000, sessions: 10_000 },
    warmupCycles: 3,
    seconds: 3,
    rounds: 2,
  },
};

export const QUICK: BenchMode = {
  name: 'quick',
  // Small sizes, but every code path of the full run: two poll sizes (so the growth row too), the
  // SDK, the floor, every scrape series and the churn, within a minute with the compile.
  pollSizes: [1_000, 3_000],
  pollReps: () => 3,
  scalePaths: 1_000,
  latencyMs: 5,
  concurrency: 64,
  sdkReps: 2,
  loadReps: 1,
  loadSeconds: 2,
  connections: 10,
  singleConnectionSeconds: 1,
  churn: { paths: 100, sessionsPerPath: 10, cycles: 30, warmup: 10, fraction: 0.02 },
  memory: {
    scales: [
      { paths: 100, sessions: 0 },
      { paths: 1_000, sessions: 0 },
      { paths: 1_000, sessions: 1_000 },
      { paths: 1_000, sessions: 3_000 },
    ],
    target: { paths: 1_000, sessions: 1_000 },
    warmupCycles: 2,
    seconds: 1,
    rounds: 1,
  },
};
