import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { ClusterConfig, Config, PollConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { LookupTally, logLookupTransitions, nextLookupHealth } from './lookup-health.js';
import { RECHECK_SPREAD } from './recheck.js';
import { FolderListings } from './folder-lookups.js';
import { runCycle, type ClusterTarget, type SessionLister } from './cycle.js';
import { pollCapacity } from './capacity-poll.js';
import { ALL_PATHS, shardTargets, type Shard } from './shard.js';
import { isHeld, nextSnapshot, PathIndex, type Snapshot } from './snapshot.js';

interface PollerOptions {
  /** The configuration to start with; `reconfigure` replaces it. */
  readonly config: Config;
  /** Builds the client for one cluster under `poll`; the poller owns and closes what it returns. May throw. */
  readonly createClient: (cluster: ClusterConfig, poll: PollConfig) => SessionLister;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Longest `Retry-After` honoured, ms (default `DEFAULT_MAX_BACKOFF_MS`, 10 minutes). */
  readonly maxBackoffMs?: number;
  /** `--shard.index`/`--shard.count`: poll only the paths this shard owns (default: all). */
  readonly shard?: Shard;
  /**
   * Called at the start of every cycle with the configured targets and the configuration in
   * effect; returns those to poll in this cycle (`PathFiles.resolveTargets` adds the paths of path
   * files). Must not reject.
   */
  readonly resolveTargets?: (targets: readonly ClusterTarget[], config: Config) => Promise<readonly ClusterTarget[]>;
}

/** A configuration staged by `reconfigure`, with its clients already built. */
interface Staged {
  readonly config: Config;
  readonly targets: ClusterTarget[];
}

/**
 * Owns the polling lifecycle: one cycle at start-up, then one per schedule tick, never two at once;
 * publishes an immutable snapshot after each completed cycle.
 */
export class Poller {
  private readonly options: PollerOptions;
  private applied: Config;
  private targets: ClusterTarget[];
  private staged: Staged | undefined;
  private stopped = false;
  private readonly now: () => number;
  private snapshot: Snapshot | undefined;
  private cyclesSkipped = 0;
  private running: Promise<void> | undefined;
  private task: ScheduledTask | undefined;
  private readonly abort = new AbortController();
  /** Folder listings of recent cycles: one answers for a folder's watched files until their lookups are due. */
  private readonly listings = new FolderListings();
  private readonly listeners: Array<(snapshot: Snapshot) => void> = [];

  constructor(options: PollerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.applied = options.config;
    // Every request in flight listens on this signal (up to poll.concurrency per cluster) and
    // stops listening when it ends: many listeners here are expected, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.targets = buildTargets(options.config, options.createClient);
  }

  /** The configuration in effect: the last one applied at a cycle boundary. */
  config(): Config {
    return this.applied;
  }

  private get poll(): PollConfig {
    return this.applied.poll;
  }

  /**
   * Stages a new configuration. It takes effect at the start of the next cycle, never in the middle
   * of one: clients for it are built now (so a client that cannot be built rejects the whole
   * configuration, and the current one keeps running), the current clients are closed when it is
   * applied. A later call replaces a configuration staged but not yet applied.
   */
  reconfigure(config: Config): void {
    if (this.stopped) throw new Error('the poller is stopped');
    // Every client is rebuilt, not only those whose settings changed: a reload is also how
    // certificate files rotated on disk are picked up.
    const targets = buildTargets(config, this.options.createClient);
    const replaced = this.staged;
    this.staged = { config, targets };
    if (replaced) void closeAll(replaced.targets);
  }

  /** Cycles skipped so far, counted as they happen: a snapshot's figure lags until its cycle completes. */
  cyclesSkippedTotal(): number {
    return this.cyclesSkipped;
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
    this.schedule();
  }

  private schedule(): void {
    this.task = cron.schedule(this.poll.schedule, () => this.tick(), {
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
    this.applyStaged();
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
    this.stopped = true;
    await this.task?.destroy();
    this.abort.abort();
    await this.running;
    const staged = this.staged;
    this.staged = undefined;
    await Promise.all([closeAll(this.targets), closeAll(staged?.targets ?? [])]);
  }

  /** Switches to the staged configuration; only called between cycles. */
  private applyStaged(): void {
    const staged = this.staged;
    if (!staged) return;
    this.staged = undefined;
    const old = this.targets;
    const scheduleChanged = staged.config.poll.schedule !== this.poll.schedule;
    this.targets = staged.targets;
    this.applied = staged.config;
    void closeAll(old);
    if (scheduleChanged && this.task) {
      void this.task.destroy();
      this.schedule();
    }
    this.options.logger.info(
      { clusters: this.targets.length, paths: this.targets.reduce((n, t) => n + t.contentPaths.length, 0) },
      'new configuration in effect from this poll cycle',
    );
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
    const before = new PathIndex(this.snapshot?.paths);
    const startedMs = this.now();
    const lookups = new LookupTally();
    // A listing older than the longest a lookup can stand answers for nothing any more.
    const longestStandMs = Math.max(this.poll.idleIntervalMs ?? 0, this.poll.storeRecheckIntervalMs * (1 + RECHECK_SPREAD));
    this.listings.prune(startedMs - longestStandMs, new Set(this.targets.map((t) => t.cluster)));
    const targets = this.options.resolveTargets ? await this.options.resolveTargets(this.targets, this.applied) : this.targets;
    // Sharding applies last, so paths from reloads and path files are shared out too. The capacity
    // is a cluster's, not a path's: the first shard alone asks for it, so no two shards export it.
    const shard = this.options.shard ?? ALL_PATHS;
    const capacity = pollCapacity(shard.index === 0 ? targets : [], this.snapshot?.capacity, {
      logger: this.options.logger,
      signal: this.abort.signal,
      now: this.now,
    });
    const outcomes = await runCycle(shardTargets(targets, shard), {
      concurrency: this.poll.concurrency,
      signal: this.abort.signal,
      logger: this.options.logger,
      now: this.now,
      maxBackoffMs: this.options.maxBackoffMs,
      previous: before,
      startedMs,
      storeRecheckIntervalMs: this.poll.storeRecheckIntervalMs,
      idleIntervalMs: this.poll.idleIntervalMs ?? 0,
      listings: this.listings,
      lookups,
    });
    const capacityStates = await capacity;
    if (!outcomes || !capacityStates) return undefined;
    const cycleDurationSeconds = (performance.now() - started) / 1000;
    const packages = new Map(targets.map((t) => [t.cluster, t.packages]));
    const storeLookups = nextLookupHealth(this.snapshot?.storeLookups, targets.map((t) => t.cluster), lookups);
    logLookupTransitions(this.options.logger, this.snapshot?.storeLookups, storeLookups, lookups);
    this.snapshot = {
      ...nextSnapshot(
        this.snapshot,
        outcomes,
        { completedMs: this.now(), cycleDurationSeconds, cyclesSkippedTotal: this.cyclesSkipped },
        before,
        (cluster) => packages.get(cluster),
      ),
      capacity: capacityStates,
      storeLookups,
    };
    const failed = outcomes.filter((o) => !isHeld(o) && !o.result.ok).length;
    const held = outcomes.filter(isHeld);
    const cold = held.filter((h) => h.cold === true).length;
    this.options.logger.debug(
      { duration_seconds: cycleDurationSeconds, paths: outcomes.length, failed, held: held.length - cold, cold, lookups: lookups.total() },
      'poll cycle completed',
    );
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

function buildTargets(config: Config, createClient: PollerOptions['createClient']): ClusterTarget[] {
  const targets: ClusterTarget[] = [];
  try {
    for (const cluster of config.clusters) targets.push({
      cluster: cluster.name,
      client: createClient(cluster, config.poll),
      contentPaths: cluster.contentPaths,
      contentPathFiles: cluster.contentPathFiles,
    });
  } catch (error) {
    void closeAll(targets);
    throw error;
  }
  return targets;
}

function closeAll(targets: readonly ClusterTarget[]): Promise<void> {
  return Promise.all(targets.map((t) => t.client.close().catch(() => undefined))).then(() => undefined);
}
