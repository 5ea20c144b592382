import { afterEach, describe, expect, it } from '@jest/globals';
import { Poller } from '../../src/poller/poller.js';
import type { SessionLister } from '../../src/poller/cycle.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { silentLogger } from '../../src/log.js';
import { FabricError } from '../../src/servicefabric/request-errors.js';
import type { UploadSession } from '../../src/servicefabric/session.js';
import type { StoreFile } from '../../src/servicefabric/store-file.js';
import { session } from '../fixtures/sessions.js';
import { captureLog } from '../helpers/log-capture.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

const poll = { schedule: '* * * * * *', concurrency: 2, requestTimeoutMs: 1000, maxStalenessMs: 10_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 };

/** A fake client whose requests wait until the test releases them (or the signal aborts them). */
function gatedClient() {
  const waiting: Array<() => void> = [];
  let closed = false;
  const client: SessionLister = {
    getUploadSessions: (_path, options) =>
      new Promise((resolve, reject) => {
        waiting.push(() => resolve([session()]));
        options?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    // Every path has a session here: nothing is looked up in the store.
    getStoreFile: () => Promise.reject(new Error('no path without a session here')),
    close: async () => {
      closed = true;
    },
  };
  return {
    client,
    release: () => waiting.splice(0).forEach((go) => go()),
    pending: () => waiting.length,
    closed: () => closed,
  };
}

const started: Poller[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

function newPoller(client: SessionLister, schedule = poll.schedule): Poller {
  const poller = new Poller({
    config: { ...UNWRITTEN_SECTIONS, poll: { ...poll, schedule }, clusters: [{ name: 'c1', endpoint: 'http://127.0.0.1:1', contentPaths: ['a', 'b'] }] },
    createClient: () => client,
    logger: silentLogger,
  });
  started.push(poller);
  return poller;
}

const nextSnapshot = (poller: Poller) => new Promise<Snapshot>((resolve) => poller.onSnapshot(resolve));

describe('Poller', () => {
  it('publishes no snapshot until the first cycle completes, then one per cycle', async () => {
    const gate = gatedClient();
    const poller = newPoller(gate.client, '0 0 1 1 *');
    const first = nextSnapshot(poller);
    poller.start();
    expect(poller.current()).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(gate.pending()).toBe(2);
    gate.release();
    const snapshot = await first;
    expect(poller.current()).toBe(snapshot);
    expect(snapshot.paths.map((p) => [p.contentPath, p.success, p.sessions.length])).toEqual([
      ['a', true, 1],
      ['b', true, 1],
    ]);
  });

  it('counts a cycle that is due while the previous one still runs as skipped, instead of stacking it', async () => {
    const gate = gatedClient();
    const poller = newPoller(gate.client, '0 0 1 1 *');
    const running = poller.tick();
    void poller.tick();
    void poller.tick();
    await new Promise((r) => setImmediate(r));
    expect(gate.pending()).toBe(2);
    gate.release();
    await running;
    expect(poller.current()?.cyclesSkippedTotal).toBe(2);
  });

  it('polls again on its schedule', async () => {
    const gate = gatedClient();
    const poller = newPoller(gate.client);
    const timer = setInterval(gate.release, 20);
    try {
      poller.start();
      await nextSnapshot(poller);
      const second = await nextSnapshot(poller);
      expect(second.paths[0]?.pollsTotal).toBe(2);
    } finally {
      clearInterval(timer);
    }
  });

  it('on stop aborts in-flight requests, publishes nothing half-done, and closes its clients', async () => {
    const gate = gatedClient();
    const poller = newPoller(gate.client, '0 0 1 1 *');
    poller.start();
    await new Promise((r) => setImmediate(r));
    expect(gate.pending()).toBe(2);
    await poller.stop();
    expect(poller.current()).toBeUndefined();
    expect(gate.closed()).toBe(true);
  });
});

/**
 * A cluster the test changes between cycles: the sessions and the stored file of each path, and
 * the store lookups it was asked, by path.
 */
function scriptedCluster() {
  const sessions = new Map<string, UploadSession[]>();
  const files = new Map<string, StoreFile>();
  const failing = new Set<string>();
  const lookups: string[] = [];
  const client: SessionLister = {
    getUploadSessions: async (path) => sessions.get(path) ?? [],
    getStoreFile: async (path) => {
      lookups.push(path);
      if (failing.has(path)) throw new FabricError(`GET http://h/ImageStore/${path}?api-version=6.2: status 503 FABRIC_E_SERVICE_TOO_BUSY`, { status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' });
      return files.get(path);
    },
    close: async () => undefined,
  };
  return { client, sessions, files, failing, lookups };
}

const stored = (path: string, fileSize = 100): StoreFile => ({ storeRelativePath: path, fileSize, modifiedMs: Date.UTC(2026, 0, 1) });

describe('Poller: the state of each path', () => {
  const INTERVAL = 600_000;

  function statePoller(cluster: ReturnType<typeof scriptedCluster>, contentPaths: string[], clock: { ms: number }, storeRecheckIntervalMs = INTERVAL): Poller {
    const poller = new Poller({
      config: { ...UNWRITTEN_SECTIONS, poll: { ...poll, schedule: '0 0 1 1 *', storeRecheckIntervalMs }, clusters: [{ name: 'c1', endpoint: 'http://127.0.0.1:1', contentPaths }] },
      createClient: () => cluster.client,
      logger: silentLogger,
      now: () => clock.ms,
    });
    started.push(poller);
    return poller;
  }

  const states = (poller: Poller): Array<[string, string | undefined]> => (poller.current()?.paths ?? []).map((p) => [p.contentPath, p.state]);

  it('is uploading, received, in_store or absent, and only the paths without a session are looked up', async () => {
    const cluster = scriptedCluster();
    cluster.sessions.set('up', [session({ expectedRanges: [{ start: 0, end: 9 }] })]);
    // Two sessions, one of them still missing bytes: still uploading.
    cluster.sessions.set('again', [session({ sessionId: '00000000-0000-4000-8000-000000000002', expectedRanges: [] }), session({ expectedRanges: [{ start: 5, end: 5 }] })]);
    cluster.sessions.set('done', [session({ expectedRanges: [] })]);
    cluster.files.set('stored', stored('stored', 4096));
    // A committed session and its file: the session decides.
    cluster.sessions.set('committed', [session({ expectedRanges: [] })]);
    cluster.files.set('committed', stored('committed'));
    const poller = statePoller(cluster, ['up', 'again', 'done', 'stored', 'gone', 'committed'], { ms: 1_000_000 });
    await poller.tick();
    expect(states(poller)).toEqual([
      ['up', 'uploading'],
      ['again', 'uploading'],
      ['done', 'received'],
      ['stored', 'in_store'],
      ['gone', 'absent'],
      ['committed', 'received'],
    ]);
    expect(cluster.lookups.sort()).toEqual(['gone', 'stored']);
    expect(poller.current()?.paths.find((p) => p.contentPath === 'stored')?.store).toEqual({ file: stored('stored', 4096), checkedMs: 1_000_000 });
  });

  it('does not look a path found in the store up again before the recheck interval, and does so by 1.25 times it', async () => {
    const cluster = scriptedCluster();
    const paths = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const p of paths) cluster.files.set(p, stored(p));
    const clock = { ms: 1_000_000 };
    const poller = statePoller(cluster, paths, clock);
    await poller.tick();
    expect(cluster.lookups).toHaveLength(40);
    const due: number[] = [];
    // Cycles every 30 s: none looks anything up before the interval has passed since the first.
    for (let t = 30_000; t <= 1.25 * INTERVAL + 30_000; t += 30_000) {
      clock.ms = 1_000_000 + t;
      cluster.lookups.length = 0;
      await poller.tick();
      for (const _ of cluster.lookups) due.push(t);
      expect(states(poller).every(([, state]) => state === 'in_store')).toBe(true);
    }
    expect(due).toHaveLength(40);
    expect(Math.min(...due)).toBeGreaterThanOrEqual(INTERVAL);
    expect(Math.max(...due)).toBeLessThanOrEqual(1.25 * INTERVAL + 30_000);
    // Spread over several cycles rather than all in one.
    expect(new Set(due).size).toBeGreaterThan(1);
  });

  it('sees a file deleted from the store as absent at its recheck, and looks an absent path up every cycle', async () => {
    const cluster = scriptedCluster();
    cluster.files.set('kept', stored('kept'));
    const clock = { ms: 1_000_000 };
    const poller = statePoller(cluster, ['kept', 'gone'], clock);
    await poller.tick();
    cluster.files.delete('kept');
    cluster.lookups.length = 0;
    clock.ms += 30_000;
    await poller.tick();
    expect(cluster.lookups).toEqual(['gone']);
    expect(states(poller)).toEqual([['kept', 'in_store'], ['gone', 'absent']]);
    clock.ms += 1.25 * INTERVAL;
    await poller.tick();
    expect(states(poller)).toEqual([['kept', 'absent'], ['gone', 'absent']]);
  });

  it('looks a path up again as soon as it has no session after having one', async () => {
    const cluster = scriptedCluster();
    cluster.files.set('p', stored('p', 100));
    const clock = { ms: 1_000_000 };
    const poller = statePoller(cluster, ['p'], clock);
    await poller.tick();
    // A new upload of the file: a session, then the session is gone and the file has a new size.
    cluster.sessions.set('p', [session({ expectedRanges: [] })]);
    clock.ms += 30_000;
    await poller.tick();
    expect(states(poller)).toEqual([['p', 'received']]);
    expect(poller.current()?.paths[0]?.store).toBeUndefined();
    cluster.sessions.delete('p');
    cluster.files.set('p', stored('p', 200));
    cluster.lookups.length = 0;
    clock.ms += 30_000;
    await poller.tick();
    expect(cluster.lookups).toEqual(['p']);
    expect(poller.current()?.paths[0]?.store?.file?.fileSize).toBe(200);
  });

  it('looks every idle path up at every cycle with a recheck interval of 0', async () => {
    const cluster = scriptedCluster();
    cluster.files.set('p', stored('p'));
    const clock = { ms: 1_000_000 };
    const poller = statePoller(cluster, ['p'], clock, 0);
    for (let i = 0; i < 3; i++) {
      clock.ms += 30_000;
      await poller.tick();
    }
    expect(cluster.lookups).toEqual(['p', 'p', 'p']);
  });

  it('keeps a path whose lookup fails successful with its state unknown, counts the failure per cluster, and asks again next cycle', async () => {
    const cluster = scriptedCluster();
    cluster.files.set('p', stored('p'));
    const clock = { ms: 1_000_000 };
    const poller = statePoller(cluster, ['p'], clock);
    await poller.tick();
    cluster.failing.add('p');
    // Due for a recheck, which fails.
    clock.ms += 1.25 * INTERVAL;
    await poller.tick();
    const failed = poller.current()?.paths[0];
    expect(failed).toMatchObject({ success: true, state: undefined, store: undefined, pollsTotal: 2, failuresTotal: {}, lastSuccessMs: clock.ms });
    expect(failed?.storeFailure).toMatchObject({ reason: 'fabric_error', code: 'FABRIC_E_SERVICE_TOO_BUSY' });
    expect(poller.current()?.storeLookups).toEqual([{ cluster: 'c1', failuresTotal: { fabric_error: 1 }, failing: true, lastFailure: failed?.storeFailure }]);
    cluster.failing.delete('p');
    cluster.lookups.length = 0;
    clock.ms += 30_000;
    await poller.tick();
    expect(cluster.lookups).toEqual(['p']);
    expect(states(poller)).toEqual([['p', 'in_store']]);
    expect(poller.current()?.paths[0]?.storeFailure).toBeUndefined();
    expect(poller.current()?.storeLookups).toEqual([{ cluster: 'c1', failuresTotal: { fabric_error: 1 }, failing: false, lastFailure: undefined }]);
  });

  it('logs once per cluster when lookups start failing and once when they succeed again, however many paths fail', async () => {
    const cluster = scriptedCluster();
    const paths = ['a', 'b', 'c'];
    for (const p of paths) cluster.failing.add(p);
    const clock = { ms: 1_000_000 };
    const log = captureLog();
    const poller = new Poller({
      config: { ...UNWRITTEN_SECTIONS, poll: { ...poll, schedule: '0 0 1 1 *', storeRecheckIntervalMs: 0 }, clusters: [{ name: 'c1', endpoint: 'http://127.0.0.1:1', contentPaths: paths }] },
      createClient: () => cluster.client,
      logger: log.logger,
      now: () => clock.ms,
    });
    await poller.tick();
    await poller.tick();
    for (const p of paths) cluster.failing.delete(p);
    await poller.tick();
    await poller.tick();
    const lines = log.entries().filter((e) => String(e.msg).startsWith('store lookups'));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', sf_cluster: 'c1', reason: 'fabric_error', failed: 3, lookups: 3, msg: expect.stringMatching(/^store lookups failing: .*status 503 FABRIC_E_SERVICE_TOO_BUSY$/) }),
      expect.objectContaining({ level: 'info', sf_cluster: 'c1', msg: 'store lookups succeed again' }),
    ]);
    expect(log.entries().filter((e) => String(e.msg).startsWith('poll failed'))).toEqual([]);
    expect(poller.current()?.paths.map((p) => p.success)).toEqual([true, true, true]);
    await poller.stop();
  });
});
