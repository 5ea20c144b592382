import cron, { type ScheduledTask } from 'node-cron';
import type { ClusterConfig, PollConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { runCycle, type ClusterTarget, type SessionLister } from './cycle.js';
import { nextSnapshot, type Snapshot } from './snapshot.js';

export interface PollerOptions {
  readonly poll: PollConfig;
  readonly clusters: readonly ClusterConfig[];
  /** Builds the client for one cluster; the poller owns and closes what it returns. */
  readonly createClient: (cluster: ClusterConfig) => SessionLister;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Owns the polling lifecycle: one cycle at start-up, then one per schedule tick, never two at once;
 * publishes an immutable snapshot after each completed cycle.
 */
export class Poller {
  private readonly options: PollerOptions;
  private readonly targets: ClusterTarget[];
  private readonly now: () => number;
  private snapshot: Snapshot | undefined;
  private cyclesSkipped = 0;
  private running: Promise<void> | undefined;
  private task: ScheduledTask | undefined;
  private readonly abort = new AbortController();
  private readonly listeners: Array<(snapshot: Snapshot) => void> = [];

  constructor(options: PollerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.targets = options.clusters.map((cluster) => ({
      cluster: cluster.name,
      client: options.createClient(cluster),
      contentPaths: cluster.contentPaths,
    }));
  }

  /** The snapshot of the last completed cycle; undefined until the first one completes. */
  current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Calls `listener` after every completed cycle. */
  onSnapshot(listener: (snapshot: Snapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Runs the first cycle now and schedules the rest; resolves once scheduling is set up. */
  start(): void {
    void this.tick();
    this.task = cron.schedule(this.options.poll.schedule, () => this.tick(), {
      noOverlap: true,
      name: 'poll',
      logger: this.cronLogger(),
    });
    // node-cron's own overlap guard only knows its executions; tick() also guards the first cycle.
    this.task.on('execution:overlap', () => this.skip());
  }

  /** Runs one cycle unless one is already running (then counts it as skipped). */
  tick(): Promise<void> {
    if (this.running) {
      this.skip();
      return this.running;
    }
    this.running = this.cycle().then(
      (snapshot) => {
        // Cleared before listeners run, so a listener that starts the next cycle is not "skipped".
        this.running = undefined;
        if (snapshot) for (const listener of this.listeners) listener(snapshot);
      },
      (error: unknown) => {
        // runCycle classifies every failure; reaching this is a bug, logged rather than crashing.
        this.running = undefined;
        this.options.logger.error({ err: error }, 'poll cycle failed unexpectedly');
      },
    );
    return this.running;
  }

  /** Stops scheduling, aborts in-flight requests, waits for the cycle to settle, closes clients. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.abort.abort();
    await this.running;
    await Promise.all(this.targets.map((t) => t.client.close().catch(() => undefined)));
  }

  private skip(): void {
    this.cyclesSkipped += 1;
    this.options.logger.warn(
      { cycles_skipped_total: this.cyclesSkipped },
      'poll cycle skipped: the previous cycle is still running (schedule shorter than a cycle takes?)',
    );
  }

  private async cycle(): Promise<Snapshot | undefined> {
    const started = performance.now();
    const outcomes = await runCycle(this.targets, {
      concurrency: this.options.poll.concurrency,
      signal: this.abort.signal,
      logger: this.options.logger,
      now: this.now,
    });
    if (!outcomes) return undefined;
    const cycleDurationSeconds = (performance.now() - started) / 1000;
    this.snapshot = nextSnapshot(this.snapshot, outcomes, {
      completedMs: this.now(),
      cycleDurationSeconds,
      cyclesSkippedTotal: this.cyclesSkipped,
    });
    const failed = outcomes.filter((o) => !o.result.ok).length;
    this.options.logger.debug({ duration_seconds: cycleDurationSeconds, paths: outcomes.length, failed }, 'poll cycle completed');
    return this.snapshot;
  }

  private cronLogger(): { info(m: string): void; warn(m: string): void; error(m: string | Error): void; debug(m: string | Error): void } {
    // node-cron warns on every blocked overlap; we count and log those ourselves.
    const log = this.options.logger;
    return {
      info: (m) => log.debug({ component: 'node-cron' }, m),
      warn: (m) => log.debug({ component: 'node-cron' }, m),
      error: (m) => log.error({ component: 'node-cron' }, String(m)),
      debug: (m) => log.debug({ component: 'node-cron' }, String(m)),
    };
  }
}
