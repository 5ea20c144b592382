import { afterEach, describe, expect, it } from '@jest/globals';
import { Poller } from '../../src/poller/poller.js';
import type { SessionLister } from '../../src/poller/cycle.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { silentLogger } from '../../src/log.js';
import { session } from '../fixtures/sessions.js';

const poll = { schedule: '* * * * * *', concurrency: 2, requestTimeoutMs: 1000, maxStalenessMs: 10_000, maxResponseBytes: 4 * 1024 * 1024 };

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
    poll: { ...poll, schedule },
    clusters: [{ name: 'c1', endpoint: 'http://127.0.0.1:1', contentPaths: ['a', 'b'] }],
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
