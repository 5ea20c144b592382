import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '../../src/metrics/registry.js';
import { createMetricsRenderer } from '../../src/metrics/render.js';
import { clusterPackages } from '../../src/pathfiles/package-model.js';
import { nextSnapshot, type PollOutcome, type Snapshot } from '../../src/poller/snapshot.js';
import { session } from '../fixtures/sessions.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };

/**
 * Paths and sessions with everything the escaping must handle: backslashes, quotes, newlines, non-ASCII;
 * each special character also alone in a value, so that no one of them is escaped only thanks to another.
 */
function outcomes(): PollOutcome[] {
  const paths = ['SwaggerTest\\Common.dll', 'apps/web/"quoted" name.zip', 'line\nbreak\\x', 'Ünïcödé\\データ.bin', 'Broken', 'Empty', 'only\nnewline', 'only\\backslash', 'Stored\\"x"'];
  return paths.map((contentPath, i): PollOutcome => {
    if (contentPath === 'Broken') {
      return { cluster: 'prod', contentPath, durationSeconds: 0.5, finishedMs: T0, result: { ok: false, failure: { reason: 'timeout', message: 'timed out', retryAfterMs: 60_000 } } };
    }
    // Paths without a session: one the store holds, one it does not.
    if (contentPath === 'Empty' || contentPath.startsWith('Stored')) {
      const file = contentPath === 'Empty' ? undefined : { storeRelativePath: contentPath, fileSize: 4096, modifiedMs: T0 - 5000 };
      return { cluster: 'prod', contentPath, durationSeconds: 0.02, finishedMs: T0, result: { ok: true, sessions: [], store: { file, checkedMs: T0 } } };
    }
    const sessions = contentPath === 'Empty' ? [] : [0, 1].map((j) =>
      session({
        storeRelativePath: contentPath,
        sessionId: `2032ac6c-a348-4594-86da-dab0f2bb1a${i}${j}`,
        fileSize: 2097152 + i,
        modifiedMs: T0 - 90_123 - i * 1000 - j,
        // Every path has a session with bytes missing but one, whose sessions are all complete.
        expectedRanges: j === 0 && contentPath !== 'only\\backslash' ? [{ start: 0, end: 207615 }] : [],
      }),
    );
    return { cluster: i % 2 === 0 ? 'prod' : 'prod "west"', contentPath, durationSeconds: 0.042 + i / 1000, finishedMs: T0, result: { ok: true, sessions } };
  });
}

/** Two packages of cluster `prod`, with names that need escaping, one path in both. */
const PACKAGES = clusterPackages(
  [
    { file: '/paths.d/"odd"\\name.yaml', content: { entries: [{ path: 'SwaggerTest\\Common.dll', size: 2097152 }, { path: 'Empty', size: 10 }, { path: 'Stored\\"x"', size: 4096 }, { path: 'Broken' }] } },
    { file: '/paths.d/named.yaml', content: { package: 'Voting\nApp', version: '1.4.0', entries: [{ path: 'Stored\\"x"', size: 1 }, { path: 'only\nnewline' }] } },
  ],
  T0,
);
const packagesOf = (cluster: string) => (cluster === 'prod' ? PACKAGES : undefined);

function snapshotOf(completedMs = T0): Snapshot {
  const first = nextSnapshot(undefined, outcomes(), { completedMs, cycleDurationSeconds: 0.25, cyclesSkippedTotal: 3 }, undefined, packagesOf);
  // A second cycle, so counters and the backoff carry over as they do in a running exporter.
  return nextSnapshot(first, outcomes(), { completedMs, cycleDurationSeconds: 0.5, cyclesSkippedTotal: 4 }, undefined, packagesOf);
}

/** Renderer options over a snapshot and a clock that the test moves. */
function clocked(snapshot: () => Snapshot | undefined, now: () => number) {
  return { snapshot, maxStalenessMs: 90_000, build, disableExporterMetrics: true, now };
}

async function both(snapshot: Snapshot | undefined, nowMs: number, maxStalenessMs = 90_000) {
  const options = {
    snapshot: () => snapshot,
    maxStalenessMs,
    build,
    disableExporterMetrics: true,
    now: () => nowMs,
    reload: () => ({ lastSuccessful: true, lastSuccessMs: T0 - 1000 }),
    pathFiles: { watched: () => [{ cluster: 'prod', source: 'config' as const, count: 6 }], fileErrors: () => [] },
  };
  const reference = await createRegistry(options).metrics();
  const renderer = createMetricsRenderer(options);
  const chunks = await renderer.metrics();
  return { reference, rendered: Buffer.concat(chunks).toString('utf8'), renderer };
}

describe('cached /metrics renderer', () => {
  it('renders byte for byte what the prom-client registry renders for the same snapshot and clock', async () => {
    const { reference, rendered } = await both(snapshotOf(), T0 + 1234);
    expect(reference).toContain('servicefabric_imagestore_upload_session_age_seconds{');
    expect(reference).toContain('content_path="apps/web/\\"quoted\\" name.zip"');
    expect(reference).toContain('servicefabric_imagestore_poll_backoff_until_timestamp_seconds{');
    // Each state of the path-state family, and a failed path's four zeros.
    for (const [path, state] of [['SwaggerTest\\\\Common.dll', 'uploading'], ['Stored\\\\\\"x\\"', 'in_store'], ['Empty', 'absent']]) {
      expect(reference).toContain(`servicefabric_imagestore_path_state{sf_cluster="prod",content_path="${path}",state="${state}"} 1\n`);
    }
    expect(reference).toContain('servicefabric_imagestore_path_state{sf_cluster="prod \\"west\\"",content_path="only\\\\backslash",state="received"} 1\n');
    for (const state of ['uploading', 'received', 'in_store', 'absent']) {
      expect(reference).toContain(`servicefabric_imagestore_path_state{sf_cluster="prod",content_path="Broken",state="${state}"} 0\n`);
    }
    // Every state of each package, the stored file at another size than expected as size_mismatch.
    expect(reference).toContain('servicefabric_imagestore_package_files{sf_cluster="prod",package="\\"odd\\"\\\\name",version="",state="uploading"} 1\n');
    expect(reference).toContain('servicefabric_imagestore_package_files{sf_cluster="prod",package="Voting\\nApp",version="1.4.0",state="size_mismatch"} 1\n');
    expect(reference).toContain('servicefabric_imagestore_package_bytes{sf_cluster="prod",package="\\"odd\\"\\\\name",version="",state="in_store"} 4096\n');
    // The newest ModifiedDate among the package's sessions (path 0's second session).
    expect(reference).toContain(`servicefabric_imagestore_package_last_modified_timestamp_seconds{sf_cluster="prod",package="Voting\\nApp",version="1.4.0"} ${(T0 - 90_123 - 6 * 1000) / 1000}\n`);
    expect(rendered).toBe(reference);
    // Independently of prom-client: a newline alone in a value is escaped, so no sample line is split.
    expect(rendered).toContain('content_path="only\\nnewline"');
    expect(rendered).toContain('content_path="only\\\\backslash"');
    for (const line of rendered.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .*|\w+(\{.*\})? \S+)$/);
  });

  it('moves age_seconds with each second of the clock, the same for every scrape within one, and still matches prom-client', async () => {
    const snapshot = snapshotOf();
    // T0 is on a whole second.
    let nowMs = T0 + 1000 + 100;
    const options = clocked(() => snapshot, () => nowMs);
    const renderer = createMetricsRenderer(options);
    const age = (text: string): number => Number(text.split('\n').find((l) => l.startsWith('servicefabric_imagestore_upload_session_age_seconds{'))?.split(' ').at(-1));
    const first = Buffer.concat(await renderer.metrics()).toString('utf8');
    nowMs += 850;
    const sameSecond = Buffer.concat(await renderer.metrics()).toString('utf8');
    expect(sameSecond).toBe(first);
    expect(sameSecond).toBe(await createRegistry(options).metrics());
    nowMs += 2500;
    const later = Buffer.concat(await renderer.metrics()).toString('utf8');
    expect(later).toBe(await createRegistry(options).metrics());
    // T0 + 1.1 s and T0 + 4.45 s read the clock as T0 + 1 s and T0 + 4 s.
    expect(age(later) - age(first)).toBeCloseTo(3, 9);
  });

  it('matches prom-client when the snapshot turns stale, before the first cycle, and with a new snapshot', async () => {
    const stale = await both(snapshotOf(), T0 + 200_000);
    expect(stale.reference).not.toContain('servicefabric_imagestore_upload_session_size_bytes{');
    expect(stale.rendered).toBe(stale.reference);
    const none = await both(undefined, T0);
    expect(none.rendered).toBe(none.reference);
    let snapshot = snapshotOf();
    const options = clocked(() => snapshot, () => T0 + 10);
    const renderer = createMetricsRenderer(options);
    await renderer.metrics();
    snapshot = nextSnapshot(snapshot, outcomes().slice(0, 2), { completedMs: T0, cycleDurationSeconds: 1, cyclesSkippedTotal: 5 });
    expect(Buffer.concat(await renderer.metrics()).toString('utf8')).toBe(await createRegistry(options).metrics());
  });

  it('stays byte-identical over cycles where sessions are carried over, change, appear and go', async () => {
    let snapshot: Snapshot | undefined;
    const options = clocked(() => snapshot, () => T0 + 10);
    const renderer = createMetricsRenderer(options);
    const cycles: PollOutcome[][] = [
      outcomes(),
      // The same sessions again: carried over, with their label sets.
      outcomes(),
      // One session received bytes, one path lost a session, one path is gone.
      outcomes().slice(0, 5).map((o, i) =>
        o.result.ok && i === 0 ? { ...o, result: { ok: true, sessions: [session({ ...o.result.sessions[0], expectedRanges: [{ start: 100, end: 207615 }] })] } } : o,
      ),
      outcomes(),
    ];
    for (const cycle of cycles) {
      snapshot = nextSnapshot(snapshot, cycle, { completedMs: T0, cycleDurationSeconds: 1, cyclesSkippedTotal: 0 });
      renderer.prepare();
      expect(Buffer.concat(await renderer.metrics()).toString('utf8')).toBe(await createRegistry(options).metrics());
    }
  });

  /** The chunk holding the age_seconds lines, the one rendered per scrape. */
  function ageChunk(chunks: readonly Buffer[]): Buffer {
    const chunk = chunks.find((c) => c.toString('utf8').startsWith('# HELP servicefabric_imagestore_upload_session_age_seconds'));
    if (!chunk) throw new Error('no age_seconds chunk');
    return chunk;
  }
  const sameMemory = (a: Buffer, b: Buffer): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset;

  it('never changes a scrape still being sent, and reuses its buffer once handed back', async () => {
    const snapshot = snapshotOf();
    let nowMs = T0 + 1000;
    const options = clocked(() => snapshot, () => nowMs);
    const renderer = createMetricsRenderer(options);
    const inFlight = await renderer.metrics();
    const inFlightText = Buffer.concat(inFlight).toString('utf8');
    expect(inFlightText).toBe(await createRegistry(options).metrics());
    nowMs += 1500;
    const sent = await renderer.metrics();
    expect(sameMemory(ageChunk(sent), ageChunk(inFlight))).toBe(false);
    renderer.release(sent);
    nowMs += 70_250;
    const next = await renderer.metrics();
    expect(Buffer.concat(next).toString('utf8')).toBe(await createRegistry(options).metrics());
    expect(sameMemory(ageChunk(next), ageChunk(sent))).toBe(true);
    expect(Buffer.concat(inFlight).toString('utf8')).toBe(inFlightText);
  });

  it('shares one age rendering within a second, reuses its buffer only once no answer reads it, even when released twice', async () => {
    let snapshot = snapshotOf();
    let nowMs = T0 + 1000;
    const options = clocked(() => snapshot, () => nowMs);
    const renderer = createMetricsRenderer(options);
    const first = await renderer.metrics();
    renderer.release(first);
    renderer.release(first);
    nowMs += 10;
    const held = await renderer.metrics();
    expect(ageChunk(held)).toBe(ageChunk(first));
    const heldText = Buffer.concat(held).toString('utf8');
    // A new second while `held` is still being sent: a new rendering, in other memory, and the
    // held answer's bytes unchanged (a double release must not have handed its buffer back).
    nowMs += 1000;
    const next = await renderer.metrics();
    expect(sameMemory(ageChunk(next), ageChunk(held))).toBe(false);
    expect(Buffer.concat(held).toString('utf8')).toBe(heldText);
    nowMs += 1000;
    const third = await renderer.metrics();
    expect(sameMemory(ageChunk(third), ageChunk(held))).toBe(false);
    expect(Buffer.concat(held).toString('utf8')).toBe(heldText);
    renderer.release(held);
    renderer.release(next);
    snapshot = nextSnapshot(snapshot, outcomes().slice(1), { completedMs: T0, cycleDurationSeconds: 1, cyclesSkippedTotal: 5 });
    const c = await renderer.metrics();
    expect(sameMemory(ageChunk(c), ageChunk(third))).toBe(false);
    expect(Buffer.concat(c).toString('utf8')).toBe(await createRegistry(options).metrics());
  });

  it('marks as fixed the text rendered once per snapshot, and age_seconds for its second, and nothing rendered per scrape', async () => {
    let snapshot = snapshotOf();
    let nowMs = T0 + 1000;
    const renderer = createMetricsRenderer({ snapshot: () => snapshot, maxStalenessMs: 90_000, build, now: () => nowMs });
    const first = await renderer.metrics();
    const fixed = first.filter((c) => renderer.isFixed(c));
    const text = (chunks: readonly Buffer[]): string => chunks.map((c) => c.toString('utf8')).join('');
    // Everything up to age_seconds, and the path families after it, are in fixed chunks.
    expect(text(fixed)).toContain('# HELP servicefabric_imagestore_upload_session_size_bytes');
    expect(text(fixed)).toContain('# HELP servicefabric_imagestore_poll_success');
    // age_seconds is fixed for its second; the families collected per scrape and prom-client's defaults are not fixed.
    expect(text(fixed)).toContain('# HELP servicefabric_imagestore_upload_session_age_seconds');
    const changing = text(first.filter((c) => !renderer.isFixed(c)));
    expect(changing).toContain('# HELP servicefabric_exporter_build_info');
    expect(changing).toContain('# HELP process_cpu_user_seconds_total');
    expect(changing).not.toContain('age_seconds');
    nowMs += 500;
    const sameSecond = await renderer.metrics();
    expect(sameSecond.filter((c) => renderer.isFixed(c)).every((c, i) => c === fixed[i])).toBe(true);
    nowMs += 2000;
    const second = await renderer.metrics();
    const isAge = (c: Buffer): boolean => c.toString('utf8').includes('age_seconds');
    // A later second: a new age chunk, every chunk of the snapshot the same.
    expect(second.filter((c) => renderer.isFixed(c) && isAge(c)).some((c) => fixed.includes(c))).toBe(false);
    expect(second.filter((c) => renderer.isFixed(c) && !isAge(c)).every((c, i) => c === fixed.filter((f) => !isAge(f))[i])).toBe(true);
    snapshot = nextSnapshot(snapshot, outcomes().slice(1), { completedMs: T0, cycleDurationSeconds: 1, cyclesSkippedTotal: 5 });
    const next = await renderer.metrics();
    expect(next.some((c) => fixed.includes(c))).toBe(false);
  });

  it('appends prom-client default metrics unless disabled', async () => {
    const renderer = createMetricsRenderer({ snapshot: () => snapshotOf(), maxStalenessMs: 90_000, build, now: () => T0 });
    const text = Buffer.concat(await renderer.metrics()).toString('utf8');
    expect(text).toContain('\n\n# HELP process_cpu_user_seconds_total');
    expect(text).not.toContain('nodejs_active_handles_total');
    expect(renderer.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
