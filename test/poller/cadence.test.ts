import { describe, expect, it } from '@jest/globals';
import { coldPathDue } from '../../src/poller/cadence.js';
import { Poller } from '../../src/poller/poller.js';
import type { SessionLister } from '../../src/poller/cycle.js';
import type { ClusterPackages, PackageMembership } from '../../src/pathfiles/package-model.js';
import { silentLogger } from '../../src/log.js';
import { FabricError } from '../../src/servicefabric/request-errors.js';
import { storeKey } from '../../src/servicefabric/path.js';
import type { UploadSession } from '../../src/servicefabric/session.js';
import type { StoreFile, StoreFolderListing } from '../../src/servicefabric/store-file.js';
import { session } from '../fixtures/sessions.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

const MINUTE = 60_000;
const CYCLE = 30_000;
const IDLE = 5 * MINUTE;

/** A cluster the test changes between cycles, counting every request by kind and path. */
function recordingCluster(options: { listings?: boolean } = {}) {
  const sessions = new Map<string, UploadSession[]>();
  const files = new Map<string, StoreFile>();
  const asked = { sessions: [] as string[], files: [] as string[], folders: [] as string[] };
  const failing = { listings: false };
  const client: SessionLister = {
    getUploadSessions: async (path) => {
      asked.sessions.push(path);
      return sessions.get(path) ?? [];
    },
    getStoreFile: async (path) => {
      asked.files.push(path);
      return files.get(path);
    },
    ...(options.listings === false
      ? {}
      : {
          listStoreFolder: async (folder: string): Promise<StoreFolderListing> => {
            asked.folders.push(folder);
            if (failing.listings) throw new FabricError(`GET http://h/ImageStore/${folder}?api-version=6.2: status 403`, { status: 403, code: 'FABRIC_E_ACCESS_DENIED' });
            const prefix = `${storeKey(folder)}\\`;
            const inFolder = [...files.values()].filter((f) => storeKey(f.storeRelativePath).startsWith(prefix) && !storeKey(f.storeRelativePath).slice(prefix.length).includes('\\'));
            return { files: inFolder, complete: true };
          },
        }),
    close: async () => undefined,
  };
  const reset = (): void => {
    asked.sessions.length = 0;
    asked.files.length = 0;
    asked.folders.length = 0;
  };
  return { client, sessions, files, asked, failing, reset };
}

const stored = (path: string): StoreFile => ({ storeRelativePath: path.replaceAll('/', '\\'), fileSize: 100, modifiedMs: Date.UTC(2026, 0, 1) });

function poller(cluster: ReturnType<typeof recordingCluster>, contentPaths: string[], clock: { ms: number }, idleIntervalMs = IDLE, packages?: ClusterPackages): Poller {
  return new Poller({
    config: {
      ...UNWRITTEN_SECTIONS,
      poll: { schedule: '0 0 1 1 *', concurrency: 4, requestTimeoutMs: 1000, maxStalenessMs: 60_000, maxResponseBytes: 1 << 20, storeRecheckIntervalMs: 10 * MINUTE, idleIntervalMs },
      clusters: [{ name: 'c1', endpoint: 'http://127.0.0.1:1', contentPaths }],
    },
    createClient: () => cluster.client,
    logger: silentLogger,
    now: () => clock.ms,
    resolveTargets: packages ? async (targets) => targets.map((t) => ({ ...t, packages })) : undefined,
  });
}

/** Runs `cycles` cycles CYCLE apart, returning GetUploadSession requests per cycle. */
async function run(p: Poller, clock: { ms: number }, cluster: ReturnType<typeof recordingCluster>, cycles: number): Promise<number[]> {
  const perCycle: number[] = [];
  for (let i = 0; i < cycles; i++) {
    clock.ms += CYCLE;
    cluster.reset();
    await p.tick();
    perCycle.push(cluster.asked.sessions.length);
  }
  return perCycle;
}

const paths = (n: number, folder = 'pkg'): string[] => Array.from({ length: n }, (_, i) => `${folder}/file-${i}.bin`);

describe('hot and cold paths', () => {
  it('polls every path at start-up, then each cold path once per idle_interval, spread evenly over its cycles', async () => {
    const cluster = recordingCluster();
    const watched = paths(1000);
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, watched, clock);
    await p.tick();
    expect(cluster.asked.sessions).toHaveLength(1000);
    // Ten cycles make one interval: every path once, each cycle about a tenth.
    const perCycle = await run(p, clock, cluster, 20);
    expect(perCycle.slice(10).reduce((a, b) => a + b, 0)).toBe(1000);
    for (const n of perCycle) expect(n).toBeGreaterThan(60);
    for (const n of perCycle) expect(n).toBeLessThan(140);
    // Between its polls a cold path keeps its last result.
    expect(p.current()?.paths).toHaveLength(1000);
    expect(p.current()?.paths.every((s) => s.success && s.state === 'absent')).toBe(true);
    await p.stop();
  });

  it('asks every cluster at least once a cycle: with no path due, its stalest path, so its freshness never waits on its cold paths', async () => {
    const cluster = recordingCluster();
    const watched = paths(3);
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, watched, clock);
    await p.tick();
    const asked: string[][] = [];
    for (let i = 0; i < 20; i++) {
      clock.ms += CYCLE;
      cluster.reset();
      await p.tick();
      asked.push([...cluster.asked.sessions]);
    }
    // Three cold paths over twenty cycles: every cycle asks at least one, and each path in turn.
    for (const cycle of asked) expect(cycle.length).toBeGreaterThanOrEqual(1);
    for (const path of watched) expect(asked.flat().filter((a) => a === path).length).toBeGreaterThanOrEqual(4);
    // Still far fewer than every path every cycle.
    expect(asked.flat().length).toBeLessThan(60);
    // The cluster's newest success is never older than a cycle.
    const newest = Math.max(...(p.current()?.paths ?? []).map((s) => s.lastSuccessMs ?? 0));
    expect(clock.ms - newest).toBeLessThanOrEqual(CYCLE);
    await p.stop();
  });

  it('polls every path every cycle with idle_interval 0, as before', async () => {
    const cluster = recordingCluster();
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, paths(50), clock, 0);
    await p.tick();
    expect(await run(p, clock, cluster, 3)).toEqual([50, 50, 50]);
    await p.stop();
  });

  it('polls a path with a session every cycle, and for idle_interval after its session is gone', async () => {
    const cluster = recordingCluster();
    const watched = paths(40);
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, watched, clock);
    cluster.sessions.set('pkg/file-7.bin', [session()]);
    await p.tick();
    const polledHot = async (): Promise<boolean> => {
      clock.ms += CYCLE;
      cluster.reset();
      await p.tick();
      return cluster.asked.sessions.includes('pkg/file-7.bin');
    };
    for (let i = 0; i < 12; i++) expect(await polledHot()).toBe(true);
    cluster.sessions.delete('pkg/file-7.bin');
    // Hot for idle_interval after the last poll that saw the session: that is ten cycles.
    const after: boolean[] = [];
    for (let i = 0; i < 25; i++) after.push(await polledHot());
    expect(after.slice(0, 10)).toEqual(Array(10).fill(true));
    // Then cold: once in the next interval.
    expect(after.slice(10, 25).filter(Boolean).length).toBeLessThanOrEqual(2);
    await p.stop();
  });

  it('polls every file of a package every cycle while one of its files is hot', async () => {
    const cluster = recordingCluster();
    const pkgA = paths(5, 'a');
    const pkgB = paths(5, 'b');
    const packages: ClusterPackages = {
      packages: [
        { name: 'a', version: '1' },
        { name: 'b', version: '1' },
      ],
      byPath: new Map<string, PackageMembership[]>([...pkgA.map((x) => [x, [{ package: 0, expectedBytes: undefined }]] as [string, PackageMembership[]]), ...pkgB.map((x) => [x, [{ package: 1, expectedBytes: undefined }]] as [string, PackageMembership[]])]),
    };
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, [...pkgA, ...pkgB], clock, IDLE, packages);
    await p.tick();
    await run(p, clock, cluster, 12);
    // A's first file starts uploading: seen at its cold turn, then every file of A every cycle.
    cluster.sessions.set('a/file-0.bin', [session()]);
    await run(p, clock, cluster, 11);
    cluster.reset();
    clock.ms += CYCLE;
    await p.tick();
    expect(cluster.asked.sessions.filter((x) => x.startsWith('a/')).sort()).toEqual([...pkgA].sort());
    expect(cluster.asked.sessions.filter((x) => x.startsWith('b/')).length).toBeLessThan(5);
    await p.stop();
  });

  it('puts a cold path due once per interval, whatever the cycle', () => {
    // Over one interval of cycles, each path comes due exactly once.
    for (const path of paths(200)) {
      const start = Date.UTC(2026, 0, 1);
      let last = start;
      let polls = 0;
      for (let t = start + CYCLE; t <= start + 10 * IDLE; t += CYCLE) {
        if (coldPathDue('c1', path, last, t, IDLE)) {
          polls += 1;
          expect(t - last).toBeLessThanOrEqual(IDLE + CYCLE);
          last = t;
        }
      }
      expect(polls).toBeGreaterThanOrEqual(9);
      expect(polls).toBeLessThanOrEqual(10);
    }
  });
});

describe('store lookups at the cold cadence and by folder', () => {
  it('lists a folder once for all its watched files, and looks a lone file up alone', async () => {
    const cluster = recordingCluster();
    const watched = [...paths(10, 'App/Code'), 'Other/lone.bin'];
    cluster.files.set(storeKey('App/Code/file-3.bin'), stored('App/Code/file-3.bin'));
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, watched, clock);
    await p.tick();
    expect(cluster.asked.folders).toEqual(['App/Code']);
    expect(cluster.asked.files).toEqual(['Other/lone.bin']);
    const states = new Map(p.current()?.paths.map((s) => [s.contentPath, s.state]));
    expect(states.get('App/Code/file-3.bin')).toBe('in_store');
    expect(states.get('App/Code/file-4.bin')).toBe('absent');
    expect(states.get('Other/lone.bin')).toBe('absent');
    await p.stop();
  });

  it('looks an absent path up at most once per idle_interval: the folder listing answers for its files as their turns come', async () => {
    const cluster = recordingCluster();
    const watched = paths(100, 'App/Code');
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, watched, clock);
    await p.tick();
    let listings = 0;
    for (let i = 0; i < 20; i++) {
      clock.ms += CYCLE;
      cluster.reset();
      await p.tick();
      listings += cluster.asked.folders.length;
      expect(cluster.asked.files).toEqual([]);
    }
    // Twenty cycles are two intervals: the folder is listed about once per interval.
    expect(listings).toBeGreaterThanOrEqual(1);
    expect(listings).toBeLessThanOrEqual(3);
    await p.stop();
  });

  it('looks each file up alone when the client cannot list folders', async () => {
    const cluster = recordingCluster({ listings: false });
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, paths(3, 'App/Code'), clock);
    await p.tick();
    expect(cluster.asked.files.sort()).toEqual(paths(3, 'App/Code'));
    await p.stop();
  });

  it('counts a failed listing once for the cluster and leaves its files successful with their state unknown', async () => {
    const cluster = recordingCluster();
    cluster.failing.listings = true;
    const clock = { ms: Date.UTC(2026, 0, 1) };
    const p = poller(cluster, paths(4, 'App/Code'), clock);
    await p.tick();
    expect(p.current()?.paths.map((s) => [s.success, s.state])).toEqual(Array(4).fill([true, undefined]));
    expect(p.current()?.storeLookups).toEqual([expect.objectContaining({ cluster: 'c1', failuresTotal: { fabric_error: 1 }, failing: true })]);
    await p.stop();
  });
});
