/** Poll-cycle figures: wall time per cycle against the ideal paths × latency / concurrency, and CPU time per cycle. */
import type { Cluster, Tick } from './lib/cluster.js';

/** Repeated cycles of one exporter. */
export interface PollRun {
  readonly paths: number;
  readonly wallMs: number[];
  readonly cpuMs: number[];
  /** Render of each cycle's snapshot, after the cycle (not part of `wallMs`). */
  readonly renderMs: number[];
  /** Failed polls over all measured cycles: must be 0 for the figures to mean anything. */
  readonly failedPolls: number;
  readonly sessionsSeen: number;
  readonly idealMs: number;
}

/** The floor of a cycle: every request waits `latencyMs`, `concurrency` at a time, with zero cost of its own. */
function idealCycleMs(paths: number, latencyMs: number, concurrency: number): number {
  return (paths * latencyMs) / concurrency;
}

/** Runs `reps` measured cycles (the exporter's start-up cycle was the warm-up). */
export async function measureCycles(cluster: Cluster, paths: number, reps: number, latencyMs: number, concurrency: number): Promise<PollRun> {
  const ticks: Tick[] = [];
  // One more unmeasured cycle (the start-up cycle also opened the connections and compiled the code
  // paths), except at 100,000 paths, where the start-up cycle alone is warm-up enough.
  if (paths < 100_000) await cluster.tick();
  for (let i = 0; i < reps; i++) ticks.push(await cluster.tick());
  return {
    paths,
    wallMs: ticks.map((t) => t.wallMs),
    cpuMs: ticks.map((t) => t.cpuMs),
    renderMs: ticks.map((t) => t.renderMs),
    failedPolls: ticks.reduce((n, t) => n + t.failed, 0),
    sessionsSeen: ticks.at(-1)?.sessions ?? 0,
    idealMs: idealCycleMs(paths, latencyMs, concurrency),
  };
}
