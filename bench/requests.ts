/**
 * Requests to the cluster: how many requests the exporter makes per cycle when few of its watched
 * paths are uploading. The poller runs in this process against an in-process simulator on a
 * simulated clock (cycles one schedule period apart, as many as an idle interval and a recheck take,
 * in seconds of real time), and the simulator counts the requests it serves. The paths are laid out
 * as real copies lay them out: packages of 20 files in two folders (`Code`, `Config`).
 */
import { Poller } from '../src/poller/poller.js';
import { silentLogger } from '../src/log.js';
import { createClusterClient } from '../src/servicefabric/cluster-client.js';
import { startSimulator } from '../src/simulator/server.js';
import { DEFAULTS, UNWRITTEN_SECTIONS } from '../src/config/schema.js';
import { parseDuration } from '../src/config/duration.js';
import type { ClusterPackages } from '../src/pathfiles/package-model.js';

const FILE_SIZE = 1024 * 1024;
const FILES_PER_PACKAGE = 20;

/** The section's setup: watched paths, how many uploading (in whole packages), in the store, absent. */
interface RequestsSetup {
  readonly paths: number;
  readonly uploading: number;
  readonly stored: number;
  readonly concurrency: number;
}

/** What the section measured. */
export interface RequestsRun {
  readonly setup: RequestsSetup;
  readonly schedulePeriodMs: number;
  readonly idleIntervalMs: number;
  /** Requests per cycle over the measured cycles (one idle interval and more, after warm-up). */
  readonly perCycle: number[];
  /** Mean requests per cycle over the measured cycles. */
  readonly meanPerCycle: number;
  /** meanPerCycle / paths: against a poller that asks once per path per cycle. */
  readonly ratio: number;
  /** Seconds (simulated) from a session starting on a cold path to it being in the snapshot. */
  readonly coldSessionSeenS: number;
  /** Seconds from a session starting on another file of a package with a hot file to it being seen. */
  readonly siblingSeenS: number;
  readonly failedPolls: number;
}

/** Package p's file j: 15 files in Code, 5 in Config. */
function packagePath(p: number, j: number): string {
  return j < 15 ? `Store\\App${p}\\Pkg\\Code\\file${j}.dll` : `Store\\App${p}\\Pkg\\Config\\file${j}.xml`;
}

/** Runs the section; `measuredCycles` after `warmupCycles`, at the default schedule and idle interval. */
export async function measureRequests(setup: RequestsSetup, options: { warmupCycles: number; measuredCycles: number }): Promise<RequestsRun> {
  const schedulePeriodMs = 30_000; // DEFAULTS.schedule: every 30 s
  const idleIntervalMs = parseDuration(DEFAULTS.idle_interval);
  const packages = Math.ceil(setup.paths / FILES_PER_PACKAGE);
  const all: string[] = [];
  for (let p = 0; p < packages; p++) for (let j = 0; j < FILES_PER_PACKAGE && all.length < setup.paths; j++) all.push(packagePath(p, j));
  const uploadingPackages = Math.ceil(setup.uploading / FILES_PER_PACKAGE);
  const sim = await startSimulator({ sessionTimeoutMs: 24 * 3_600_000, cleanupIntervalMs: 24 * 3_600_000 });
  try {
    all.forEach((path, i) => {
      if (i < setup.uploading) sim.store.putSession({ path, fileSize: FILE_SIZE, received: [{ start: 0, end: 4095 }] });
      else if (i < uploadingPackages * FILES_PER_PACKAGE + setup.stored) sim.store.putFile(path, FILE_SIZE);
    });
    const byPath = new Map<string, Array<{ package: number; expectedBytes: number | undefined }>>();
    all.forEach((path, i) => byPath.set(path, [{ package: Math.floor(i / FILES_PER_PACKAGE), expectedBytes: undefined }]));
    const clusterPackages: ClusterPackages = { packages: Array.from({ length: packages }, (_, p) => ({ name: `App${p}`, version: '1' })), byPath };
    // A fixed start, so that the figures (which cycle a cold path's turn falls in) repeat from run to run.
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const poller = new Poller({
      config: {
        ...UNWRITTEN_SECTIONS,
        poll: {
          schedule: '0 0 1 1 *',
          concurrency: setup.concurrency,
          requestTimeoutMs: 10_000,
          maxStalenessMs: 90_000,
          maxResponseBytes: 4 * 1024 * 1024,
          storeRecheckIntervalMs: parseDuration(DEFAULTS.store_recheck_interval),
          idleIntervalMs,
        },
        clusters: [{ name: 'bench', endpoint: sim.url, contentPaths: all }],
      },
      createClient: (cluster, poll) => createClusterClient(cluster, { requestTimeoutMs: poll.requestTimeoutMs, connections: poll.concurrency, userAgent: 'bench' }, silentLogger),
      logger: silentLogger,
      now: () => clock.ms,
      resolveTargets: async (targets) => targets.map((t) => ({ ...t, packages: clusterPackages })),
    });
    const total = (): number => Object.values(sim.requestCounts()).reduce((a: number, b) => a + (b ?? 0), 0);
    let failedPolls = 0;
    const cycle = async (): Promise<number> => {
      const before = total();
      await poller.tick();
      failedPolls += poller.current()?.paths.filter((p) => !p.success).length ?? 0;
      clock.ms += schedulePeriodMs;
      return total() - before;
    };
    await cycle();
    for (let i = 0; i < options.warmupCycles; i++) await cycle();
    const perCycle: number[] = [];
    for (let i = 0; i < options.measuredCycles; i++) perCycle.push(await cycle());
    const meanPerCycle = perCycle.reduce((a, b) => a + b, 0) / perCycle.length;

    // Freshness: a session starts on a file of an absent (cold) package, then on another file of it.
    const sessionsOf = (path: string): number => poller.current()?.paths.find((p) => p.contentPath === path)?.sessions.length ?? 0;
    const cold = all[all.length - 1] as string;
    const sibling = all[all.length - 2] as string;
    sim.store.putSession({ path: cold, fileSize: FILE_SIZE, received: [{ start: 0, end: 4095 }] });
    const coldStart = clock.ms;
    while (sessionsOf(cold) === 0 && clock.ms - coldStart < 3 * idleIntervalMs) await cycle();
    const coldSessionSeenS = (clock.ms - schedulePeriodMs - coldStart) / 1000;
    sim.store.putSession({ path: sibling, fileSize: FILE_SIZE, received: [{ start: 0, end: 4095 }] });
    const siblingStart = clock.ms;
    while (sessionsOf(sibling) === 0 && clock.ms - siblingStart < 3 * idleIntervalMs) await cycle();
    const siblingSeenS = (clock.ms - schedulePeriodMs - siblingStart) / 1000;
    await poller.stop();
    return { setup, schedulePeriodMs, idleIntervalMs, perCycle, meanPerCycle, ratio: meanPerCycle / setup.paths, coldSessionSeenS, siblingSeenS, failedPolls };
  } finally {
    await sim.close();
  }
}
