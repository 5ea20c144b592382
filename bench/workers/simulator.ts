/**
 * Benchmark worker: a simulated cluster in its own process, holding sessions created directly in
 * its store (no uploads), with an optional latency added to every request.
 */
import { serve } from '../lib/rpc.js';
import { benchPaths } from '../lib/paths.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';

const FILE_SIZE = 100 * 1024 * 1024;
let sim: Simulator | undefined;
let paths: string[] = [];
let seq = 0;

function addSession(path: string): void {
  seq += 1;
  // A partly received file: one range received, one missing, as a running upload looks.
  sim?.store.putSession({ path, fileSize: FILE_SIZE, received: [{ start: 0, end: (seq * 4096) % (FILE_SIZE / 2) }] });
}

serve({
  start: async (args: { paths: number; sessionsPerPath: number; sessions?: number; storedFiles?: boolean; latencyMs: number }) => {
    sim = await startSimulator({ sessionTimeoutMs: 24 * 3_600_000, cleanupIntervalMs: 24 * 3_600_000 });
    paths = benchPaths(args.paths);
    // Every path's file already in the store (a package copied earlier), for the store lookups.
    if (args.storedFiles) for (const path of paths) sim.store.putFile(path, FILE_SIZE);
    // `sessions`, when given, spreads that many over the paths (some paths get none, or several).
    if (args.sessions !== undefined) for (let i = 0; i < args.sessions; i++) addSession(paths[i % paths.length] as string);
    else for (const path of paths) for (let i = 0; i < args.sessionsPerPath; i++) addSession(path);
    if (args.latencyMs > 0) sim.faults.add({ kind: 'latency', latencyMs: args.latencyMs });
    return { url: sim.url, sessions: sim.store.size };
  },
  /** Session churn, as in the soak test: a share of sessions replaced by new ones, some receive chunks. */
  churn: (args: { fraction: number }) => {
    if (!sim) throw new Error('not started');
    const live = sim.store.all();
    const replace = Math.max(1, Math.round(live.length * args.fraction));
    for (let i = 0; i < replace; i++) {
      const victim = live[(seq * 7919 + i * 104729) % live.length];
      if (victim === undefined) continue;
      sim.store.delete(victim.sessionId);
      addSession(victim.path);
    }
    for (let i = 0; i < replace; i++) {
      const s = live[(seq * 31 + i * 613) % live.length];
      const gap = s === undefined ? undefined : sim.store.expectedRanges(s)[0];
      if (s !== undefined && gap !== undefined) sim.store.addChunk(s.path, s.sessionId, gap.start, Math.min(gap.end, gap.start + 65535), s.fileSize);
    }
    return { sessions: sim.store.size };
  },
  /** Requests served so far, by operation. */
  requests: () => {
    if (!sim) throw new Error('not started');
    return sim.requestCounts();
  },
  close: async () => {
    await sim?.close();
  },
});
