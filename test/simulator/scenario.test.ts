import { afterEach, describe, expect, it } from '@jest/globals';
import { DEMO_CONTENT_PATHS, startScenario, type Scenario } from '../../src/simulator/scenario.js';
import { DEMO_PACKAGES } from '../../src/simulator/demo-packages.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { byPathUrl, rawRequest } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

/** Polls until `condition` holds, failing after a deadline; no timing is asserted. */
function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  return waitFor('the scenario to get there', condition);
}

/** A seeded random source, so a run is reproducible. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const FAST = { tickMs: 5, newUploadEveryMs: 15, fileSizeBytes: [1000, 50_000] as const, chunksPerFile: [2, 5] as const };

describe('traffic scenarios', () => {
  let sim: Simulator;
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    await sim.close();
  });

  it('demo: sessions progress and finish, stall, are abandoned; one path holds several sessions; a path has backslashes and spaces', async () => {
    sim = await startSimulator();
    const seenPaths = new Set<string>();
    let maxSharedSessions = 0;
    // Finished sessions that were not deleted linger with nothing expected; stalled ones keep gaps.
    // Seen at any moment of the run: which finished sessions are deleted depends on the order in
    // which uploads draw from the random source, and that order on timing (a loaded machine).
    let lingeringFinished = 0;
    let uncommittedWithGaps = 0;
    scenario = startScenario(sim.url, 'demo', { ...FAST, random: seeded(42), maxActive: 8, initialUploads: 6 });
    const s = scenario;
    await until(async () => {
      for (const session of sim.store.all()) {
        seenPaths.add(session.path);
        if (sim.store.expectedRanges(session).length === 0) lingeringFinished += 1;
        else uncommittedWithGaps += 1;
      }
      const shared = await rawRequest(sim.url, 'GET', byPathUrl('SwaggerTest\\Common.dll'));
      if (shared.status === 200) maxSharedSessions = Math.max(maxSharedSessions, JSON.parse(shared.body).UploadSessions.length);
      return s.stats.finished >= 2 && s.stats.stalled >= 1 && s.stats.abandoned >= 1 && maxSharedSessions >= 2 && lingeringFinished > 0 && uncommittedWithGaps > 0;
    });
    expect(seenPaths.has('Store\\My Application\\Code Package\\large file (1).zip')).toBe(true);
    const packaged = new Set(DEMO_PACKAGES.flatMap((p) => p.files.map((f) => f.path)));
    for (const path of seenPaths) if (!packaged.has(path)) expect(DEMO_CONTENT_PATHS).toContain(path);
    // Chunks without bodies, as the generated SDKs send them, can never be committed: none is tried
    // (the package copies, below, send their bytes).
    expect(s.stats.committed).toBe(0);
    expect(sim.store.all().filter((x) => x.committed && !packaged.has(x.path))).toEqual([]);
    expect(s.stats.errors).toBe(0);
  });

  it('demo: copies packages file by file, a few at once, committing each; one copy dies half way', async () => {
    sim = await startSimulator();
    const packages = DEMO_PACKAGES.map((p) => ({ ...p, startAfterMs: 0 }));
    let mostAtOnce = 0;
    scenario = startScenario(sim.url, 'demo', { ...FAST, random: seeded(5), maxActive: 0, initialUploads: 0, packages });
    const s = scenario;
    await until(() => {
      const open = sim.store.all().filter((x) => !x.committed && x.path.startsWith('VotingApp\\')).length;
      mostAtOnce = Math.max(mostAtOnce, open);
      return s.stats.packagesCopied === 2 && s.stats.packagesDied === 1;
    });
    await s.stop();
    expect(s.stats.errors).toBe(0);
    // A few files at once, never more than the copy's parallelism.
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(3);
    const stored = new Map(sim.store.files().map((f) => [f.path, f.size]));
    const [voting, calc, inventory] = DEMO_PACKAGES;
    for (const pkg of [voting!, inventory!]) for (const f of pkg.files) expect([f.path, stored.get(f.path)]).toEqual([f.path, f.size]);
    // The dead copy: its first files are in the store, the last one it started stopped half way,
    // the ones beside it are uncommitted wherever they stopped, the rest were never started.
    const died = calc!.diesAfterFiles!;
    const calcFiles = calc!.files;
    expect(stored.get(calcFiles[0]!.path)).toBe(calcFiles[0]!.size);
    const partWay = sim.store.all().filter((x) => !x.committed && calcFiles.some((f) => f.path === x.path));
    const lastStarted = partWay.find((x) => x.path === calcFiles[died - 1]!.path);
    expect(lastStarted).toBeDefined();
    const missing = sim.store.expectedRanges(lastStarted!).reduce((n, r) => n + r.end - r.start + 1, 0);
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(lastStarted!.fileSize);
    expect(stored.has(lastStarted!.path)).toBe(false);
    for (const f of calcFiles.slice(died)) {
      expect(stored.has(f.path)).toBe(false);
      expect(sim.store.all().some((x) => x.path === f.path)).toBe(false);
    }
  });

  it('other scenarios copy no package', async () => {
    sim = await startSimulator();
    scenario = startScenario(sim.url, 'steady', { ...FAST, random: seeded(9) });
    const s = scenario;
    await until(() => s.stats.finished >= 3);
    const packaged = new Set(DEMO_PACKAGES.flatMap((p) => p.files.map((f) => f.path)));
    expect(sim.store.all().filter((x) => packaged.has(x.path))).toEqual([]);
    expect(s.stats.packageFiles + s.stats.packagesCopied + s.stats.packagesDied).toBe(0);
  });

  it('steady: every upload completes, and with real chunk bodies is committed', async () => {
    sim = await startSimulator();
    scenario = startScenario(sim.url, 'steady', { ...FAST, sendBodies: true, random: seeded(7) });
    const s = scenario;
    await until(() => s.stats.committed >= 5);
    await s.stop();
    expect(s.stats.stalled + s.stats.abandoned).toBe(0);
    expect(s.stats.errors).toBe(0);
    expect(s.stats.committed).toBe(s.stats.finished);
    expect(sim.store.files().length).toBeGreaterThanOrEqual(1);
  });

  it('keeps going through injected upload failures and stops cleanly', async () => {
    sim = await startSimulator();
    sim.faults.add({ kind: 'status', status: 503, operations: ['UploadChunk'], times: 5 });
    scenario = startScenario(sim.url, 'steady', { ...FAST, random: seeded(3) });
    const s = scenario;
    await until(() => s.stats.finished >= 2);
    expect(s.stats.errors).toBeGreaterThanOrEqual(5);
    await s.stop();
    const chunks = s.stats.chunks;
    const sessions = sim.store.size;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.stats.chunks).toBe(chunks);
    expect(sim.store.size).toBe(sessions);
  });

  it('rejects an unknown scenario name', async () => {
    sim = await startSimulator();
    expect(() => startScenario(sim.url, 'chaos')).toThrow(/unknown scenario "chaos"/);
  });
});
