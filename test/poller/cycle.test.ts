import { describe, expect, it } from '@jest/globals';
import { runCycle, type ClusterTarget, type SessionLister } from '../../src/poller/cycle.js';
import { FabricError, TimeoutError } from '../../src/servicefabric/request-errors.js';
import type { UploadSession } from '../../src/servicefabric/session.js';
import type { StoreFile } from '../../src/servicefabric/store-file.js';
import { silentLogger, createLogger } from '../../src/log.js';
import { session } from '../fixtures/sessions.js';
import { Writable } from 'node:stream';
import { LookupTally } from '../../src/poller/lookup-health.js';
import { nextSnapshot, PathIndex, type PollOutcome } from '../../src/poller/snapshot.js';
import { captureLog } from '../helpers/log-capture.js';

/**
 * A fake cluster whose answers the test scripts per path, recording concurrency over both requests
 * and the store lookups made; a path without a scripted store answer is not in the store.
 */
function fakeCluster(
  answers: Record<string, () => Promise<UploadSession[]>>,
  store: Record<string, () => Promise<StoreFile | undefined>> = {},
): SessionLister & { maxInFlight: number; lookups: string[] } {
  let inFlight = 0;
  const request = async <T>(answer: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      return await answer();
    } finally {
      inFlight -= 1;
    }
  };
  const fake = {
    maxInFlight: 0,
    lookups: [] as string[],
    getUploadSessions(path: string) {
      const answer = answers[path];
      return request(answer ?? (() => Promise.reject(new Error(`unexpected path ${path}`))));
    },
    getStoreFile(path: string) {
      fake.lookups.push(path);
      return request(store[path] ?? (async () => undefined));
    },
    close: async () => undefined,
  };
  return fake;
}

const STORED: StoreFile = { storeRelativePath: 'stored', fileSize: 1234, modifiedMs: Date.UTC(2026, 0, 1) };

describe('runCycle', () => {
  it('returns one outcome per path in configuration order, failures classified', async () => {
    const cluster = fakeCluster({
      a: async () => [session()],
      b: async () => {
        throw new FabricError('GET x: 503', { status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' });
      },
      c: async () => {
        throw new TimeoutError('GET y: timed out');
      },
    });
    const targets: ClusterTarget[] = [{ cluster: 'c1', client: cluster, contentPaths: ['a', 'b', 'c'] }];
    // Nothing is held here, so every entry is a poll outcome.
    const outcomes = (await runCycle(targets, { concurrency: 2, logger: silentLogger })) as PollOutcome[] | undefined;
    expect(outcomes?.map((o) => [o.contentPath, o.result.ok ? 'ok' : o.result.failure.reason])).toEqual([
      ['a', 'ok'],
      ['b', 'fabric_error'],
      ['c', 'timeout'],
    ]);
    const b = outcomes?.[1]?.result;
    expect(b?.ok === false && b.failure).toMatchObject({ status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' });
  });

  it('keeps at most `concurrency` requests in flight per cluster', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const answers = Object.fromEntries(paths.map((p) => [p, async () => []]));
    const one = fakeCluster(answers);
    const two = fakeCluster(answers);
    await runCycle(
      [
        { cluster: 'one', client: one, contentPaths: paths },
        { cluster: 'two', client: two, contentPaths: paths },
      ],
      { concurrency: 3, logger: silentLogger },
    );
    expect(one.maxInFlight).toBe(3);
    expect(two.maxInFlight).toBe(3);
  });

  it('writes exactly one log line per failed poll, naming cluster, path, status and code', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          cb();
        },
      }),
    });
    const cluster = fakeCluster({
      ok: async () => [],
      bad: async () => {
        throw new FabricError('GET http://h/ImageStore/bad/$/GetUploadSession: 400 E_INVALIDARG', { status: 400, code: 'E_INVALIDARG' });
      },
    });
    await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['ok', 'bad'] }], { concurrency: 1, logger });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      sf_cluster: 'c1',
      content_path: 'bad',
      status: 400,
      fabric_code: 'E_INVALIDARG',
      reason: 'fabric_error',
    });
  });

  it('clips a long content path in the failure line to its first 512 characters', async () => {
    const log = captureLog('warn');
    const long = `Pkg\\${'a'.repeat(20_000)}.dll`;
    const cluster = fakeCluster({
      [long]: async () => {
        throw new FabricError('GET http://h/ImageStore/x/$/GetUploadSession: 400 E_INVALIDARG', { status: 400, code: 'E_INVALIDARG' });
      },
    });
    await runCycle([{ cluster: 'c1', client: cluster, contentPaths: [long] }], { concurrency: 1, logger: log.logger });
    expect(log.entries().map((e) => e.content_path)).toEqual([`${long.slice(0, 511)}…`]);
  });

  it('bounds the code and message of a failure, which logs, the status page and the JSON show, whatever the client let through', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          cb();
        },
      }),
    });
    const cluster = fakeCluster({
      bad: async () => {
        throw new FabricError(`GET x: status 500 ${'m'.repeat(60_000)}`, { status: 500, code: 'C'.repeat(60_000) });
      },
    });
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['bad'] }], { concurrency: 1, logger })) as PollOutcome[];
    const result = outcomes[0]?.result;
    expect(result?.ok).toBe(false);
    const failure = result?.ok === false ? result.failure : undefined;
    expect(failure?.code).toHaveLength(64);
    expect(failure?.message).toHaveLength(2000);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(2500);
  });

  it('turns an unexpected client exception into an invalid_response failure instead of rejecting', async () => {
    const cluster = fakeCluster({
      a: async () => {
        throw new RangeError('bug');
      },
    });
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['a'] }], { concurrency: 1, logger: silentLogger })) as PollOutcome[] | undefined;
    const result = outcomes?.[0]?.result;
    expect(result?.ok === false && result.failure.reason).toBe('invalid_response');
  });

  it('returns undefined when aborted, so a half-finished cycle is never published', async () => {
    const abort = new AbortController();
    const cluster = fakeCluster({
      a: async () => {
        abort.abort();
        return [];
      },
    });
    const outcomes = await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['a'] }], {
      concurrency: 1,
      logger: silentLogger,
      signal: abort.signal,
    });
    expect(outcomes).toBeUndefined();
  });
  it('looks a path without a session up in the store, and only such a path', async () => {
    const cluster = fakeCluster(
      { busy: async () => [session()], stored: async () => [], gone: async () => [] },
      { stored: async () => STORED },
    );
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['busy', 'stored', 'gone'] }], { concurrency: 2, logger: silentLogger, now: () => 42 })) as PollOutcome[];
    expect(cluster.lookups.sort()).toEqual(['gone', 'stored']);
    expect(outcomes.map((o) => (o.result.ok ? o.result.store : o.result.failure))).toEqual([undefined, { file: STORED, checkedMs: 42 }, { file: undefined, checkedMs: 42 }]);
  });

  it('keeps both requests of a path within the concurrency bound', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const cluster = fakeCluster(Object.fromEntries(paths.map((p) => [p, async () => []])));
    await runCycle([{ cluster: 'one', client: cluster, contentPaths: paths }], { concurrency: 3, logger: silentLogger });
    expect(cluster.lookups).toHaveLength(20);
    expect(cluster.maxInFlight).toBe(3);
  });

  it('carries unchanged sessions over from the previous snapshot as they arrive, and takes changed ones', async () => {
    const two = [session({ sessionId: '00000000-0000-4000-8000-000000000001' }), session({ sessionId: '00000000-0000-4000-8000-000000000002' })];
    const before = nextSnapshot(
      undefined,
      ['same', 'moved'].map((contentPath) => ({ cluster: 'c1', contentPath, durationSeconds: 0, finishedMs: 7, result: { ok: true as const, sessions: two } })),
      { completedMs: 7, cycleDurationSeconds: 0, cyclesSkippedTotal: 0 },
    );
    const moved = [two[0] as UploadSession, session({ sessionId: '00000000-0000-4000-8000-000000000002', expectedRanges: [{ start: 50, end: 99 }] })];
    const cluster = fakeCluster({ same: async () => two.map((s) => ({ ...s })), moved: async () => moved });
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['same', 'moved'] }], {
      concurrency: 1,
      logger: silentLogger,
      previous: new PathIndex(before.paths),
    })) as PollOutcome[];
    // Equal content: the previous snapshot's very array, not the new copies.
    expect(outcomes[0]?.result.ok && outcomes[0].result.sessions).toBe(before.paths[0]?.sessions);
    expect(outcomes[1]?.result.ok && outcomes[1].result.sessions).toBe(moved);
  });

  it('takes a lookup that still stands instead of asking the store again', async () => {
    const cluster = fakeCluster({ stored: async () => [], other: async () => [] });
    const known = { file: STORED, checkedMs: 7 };
    // The previous cycle found both paths' files; only `stored`'s lookup is not due for a recheck.
    const before = nextSnapshot(
      undefined,
      [
        { cluster: 'c1', contentPath: 'stored', durationSeconds: 0, finishedMs: 7, result: { ok: true, sessions: [], store: known } },
        { cluster: 'c1', contentPath: 'other', durationSeconds: 0, finishedMs: 7, result: { ok: true, sessions: [], store: { file: STORED, checkedMs: -1e12 } } },
      ],
      { completedMs: 7, cycleDurationSeconds: 0, cyclesSkippedTotal: 0 },
    );
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['stored', 'other'] }], {
      concurrency: 1,
      logger: silentLogger,
      previous: new PathIndex(before.paths),
      startedMs: 8,
      storeRecheckIntervalMs: 60_000,
    })) as PollOutcome[];
    expect(cluster.lookups).toEqual(['other']);
    expect(outcomes[0]?.result.ok && outcomes[0].result.store).toBe(known);
  });

  it('keeps a poll whose store lookup fails successful: the failure classified beside it, no per-path log line, one tally entry', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          cb();
        },
      }),
    });
    const cluster = fakeCluster(
      { gone: async () => [] },
      {
        gone: async () => {
          throw new FabricError('GET http://h/ImageStore/gone?api-version=6.2&timeout=10: status 400 FABRIC_E_INVALID_ARGUMENT', {
            status: 400,
            code: 'FABRIC_E_INVALID_ARGUMENT',
          });
        },
      },
    );
    const lookups = new LookupTally();
    const outcomes = (await runCycle([{ cluster: 'c1', client: cluster, contentPaths: ['gone'] }], { concurrency: 1, logger, lookups })) as PollOutcome[];
    const result = outcomes[0]?.result;
    expect(result?.ok).toBe(true);
    expect(result?.ok === true && result.store).toBeUndefined();
    expect(result?.ok === true && result.storeFailure).toMatchObject({ reason: 'fabric_error', status: 400, code: 'FABRIC_E_INVALID_ARGUMENT' });
    expect(lines).toEqual([]);
    expect(lookups.made('c1')).toBe(1);
    expect(lookups.failures('c1')).toHaveLength(1);
  });
});
