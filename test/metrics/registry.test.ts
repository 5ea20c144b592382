import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '../../src/metrics/registry.js';
import { clusterPackages } from '../../src/pathfiles/package-model.js';
import { nextSnapshot, type PollOutcome, type Snapshot } from '../../src/poller/snapshot.js';
import { parseExposition, seriesOf, valueOf } from '../helpers/exposition.js';
import { session } from '../fixtures/sessions.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };

function snapshotOf(outcomes: PollOutcome[], completedMs = T0): Snapshot {
  return nextSnapshot(undefined, outcomes, { completedMs, cycleDurationSeconds: 0.25, cyclesSkippedTotal: 3 });
}

const reference: PollOutcome = {
  cluster: 'prod',
  contentPath: 'SwaggerTest\\Common.dll',
  durationSeconds: 0.042,
  finishedMs: T0,
  result: {
    ok: true,
    sessions: [
      session({
        storeRelativePath: 'SwaggerTest\\Common.dll',
        sessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1',
        fileSize: 2097152,
        modifiedMs: T0 - 90_000,
        expectedRanges: [
          { start: 0, end: 207615 },
          { start: 626977, end: 2097151 },
        ],
      }),
    ],
  },
};
const failing: PollOutcome = {
  cluster: 'prod',
  contentPath: 'Broken',
  durationSeconds: 0.5,
  finishedMs: T0,
  result: { ok: false, failure: { reason: 'timeout', message: 'timed out' } },
};

async function scrape(snapshot: Snapshot | undefined, nowMs: number, maxStalenessMs = 90_000, disableExporterMetrics = true) {
  const registry = createRegistry({ snapshot: () => snapshot, maxStalenessMs, build, disableExporterMetrics, now: () => nowMs });
  return { text: await registry.metrics(), series: parseExposition(await registry.metrics()), contentType: registry.contentType };
}

describe('metrics registry', () => {
  it('exposes every state of every package, its files and bytes; all 0 for stale data', async () => {
    const packages = clusterPackages([{ file: 'release.yaml', content: { package: 'VotingApp', version: '1.4.0', entries: [{ path: 'SwaggerTest\\Common.dll', size: 2097152 }, { path: 'Broken', size: 5 }] } }], T0);
    const snapshot = nextSnapshot(undefined, [reference, failing], { completedMs: T0, cycleDurationSeconds: 0.25, cyclesSkippedTotal: 0 }, undefined, () => packages);
    const figures = (series: ReturnType<typeof parseExposition>, name: string): Record<string, number> =>
      Object.fromEntries(seriesOf(series, name, { sf_cluster: 'prod', package: 'VotingApp', version: '1.4.0' }).map((s) => [s.labels.state, s.value]));
    const fresh = (await scrape(snapshot, T0 + 1000)).series;
    // The failed path counts nowhere; the uploading one with the bytes received so far.
    expect(figures(fresh, 'servicefabric_imagestore_package_files')).toEqual({ uploading: 1, received: 0, in_store: 0, absent: 0, size_mismatch: 0 });
    expect(figures(fresh, 'servicefabric_imagestore_package_bytes')).toEqual({ uploading: 2097152 - 1677791, received: 0, in_store: 0, absent: 0, size_mismatch: 0 });
    const stale = (await scrape(snapshot, T0 + 200_000)).series;
    expect(Object.values(figures(stale, 'servicefabric_imagestore_package_files'))).toEqual([0, 0, 0, 0, 0]);
    expect(Object.values(figures(stale, 'servicefabric_imagestore_package_bytes'))).toEqual([0, 0, 0, 0, 0]);
    // When the copy last delivered a chunk: the session's ModifiedDate; withheld for stale data.
    const lastModified = 'servicefabric_imagestore_package_last_modified_timestamp_seconds';
    expect(seriesOf(fresh, lastModified).map((s) => [s.labels, s.value])).toEqual([[{ sf_cluster: 'prod', package: 'VotingApp', version: '1.4.0' }, (T0 - 90_000) / 1000]]);
    expect(seriesOf(stale, lastModified, {})).toEqual([]);
  });

  it('exposes every state of every path, 1 for the current one; all 0 for a failed poll and for stale data', async () => {
    const stored: PollOutcome = {
      cluster: 'prod',
      contentPath: 'Stored.dll',
      durationSeconds: 0.01,
      finishedMs: T0,
      result: { ok: true, sessions: [], store: { file: { storeRelativePath: 'Stored.dll', fileSize: 1, modifiedMs: T0 }, checkedMs: T0 } },
    };
    const snapshot = snapshotOf([reference, stored, failing]);
    const stateOf = (series: ReturnType<typeof parseExposition>, path: string): Record<string, number> =>
      Object.fromEntries(seriesOf(series, 'servicefabric_imagestore_path_state', { content_path: path }).map((s) => [s.labels.state, s.value]));
    const fresh = (await scrape(snapshot, T0 + 1000)).series;
    expect(stateOf(fresh, 'SwaggerTest\\Common.dll')).toEqual({ uploading: 1, received: 0, in_store: 0, absent: 0 });
    expect(stateOf(fresh, 'Stored.dll')).toEqual({ uploading: 0, received: 0, in_store: 1, absent: 0 });
    expect(stateOf(fresh, 'Broken')).toEqual({ uploading: 0, received: 0, in_store: 0, absent: 0 });
    const stale = (await scrape(snapshot, T0 + 200_000)).series;
    expect(seriesOf(stale, 'servicefabric_imagestore_path_state')).toHaveLength(12);
    expect(seriesOf(stale, 'servicefabric_imagestore_path_state').every((s) => s.value === 0)).toBe(true);
  });

  it('exposes each session with values derived from its fields', async () => {
    const { series } = await scrape(snapshotOf([reference]), T0 + 10_000);
    const labels = {
      sf_cluster: 'prod',
      content_path: 'SwaggerTest\\Common.dll',
      store_relative_path: 'SwaggerTest\\Common.dll',
      session_id: '2032ac6c-a348-4594-86da-dab0f2bb1ae1',
    };
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_size_bytes', labels)).toBe(2097152);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes', labels)).toBe(1677791);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_expected_ranges', labels)).toBe(2);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_modified_timestamp_seconds', labels)).toBe((T0 - 90_000) / 1000);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_age_seconds', labels)).toBe(100);
  });

  it('computes age at scrape time and never reports a negative age', async () => {
    const future: PollOutcome = { ...reference, result: { ok: true, sessions: [session({ modifiedMs: T0 + 5000 })] } };
    const { series } = await scrape(snapshotOf([future]), T0);
    expect(valueOf(series, 'servicefabric_imagestore_upload_session_age_seconds')).toBe(0);
  });

  it('reports per-path poll health, with every failure reason present', async () => {
    const { series } = await scrape(snapshotOf([reference, failing]), T0);
    const ok = { sf_cluster: 'prod', content_path: 'SwaggerTest\\Common.dll' };
    const bad = { sf_cluster: 'prod', content_path: 'Broken' };
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', ok)).toBe(1);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', bad)).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_upload_sessions', ok)).toBe(1);
    expect(valueOf(series, 'servicefabric_imagestore_upload_sessions', bad)).toBe(0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_duration_seconds', bad)).toBe(0.5);
    expect(valueOf(series, 'servicefabric_imagestore_last_poll_success_timestamp_seconds', ok)).toBe(T0 / 1000);
    expect(seriesOf(series, 'servicefabric_imagestore_last_poll_success_timestamp_seconds', bad)).toHaveLength(0);
    expect(valueOf(series, 'servicefabric_imagestore_polls_total', bad)).toBe(1);
    expect(valueOf(series, 'servicefabric_imagestore_poll_failures_total', { ...bad, reason: 'timeout' })).toBe(1);
    expect(seriesOf(series, 'servicefabric_imagestore_poll_failures_total', bad).map((s) => s.labels.reason).sort()).toEqual(
      ['auth', 'connection', 'fabric_error', 'http_status', 'invalid_response', 'timeout', 'tls'],
    );
    expect(seriesOf(series, 'servicefabric_imagestore_upload_session_size_bytes', bad)).toHaveLength(0);
  });

  it('withholds session series and reads every poll_success as 0 once the snapshot is older than max_staleness', async () => {
    const snapshot = snapshotOf([reference]);
    const fresh = await scrape(snapshot, T0 + 90_000, 90_000);
    expect(seriesOf(fresh.series, 'servicefabric_imagestore_upload_session_remaining_bytes')).toHaveLength(1);
    const stale = await scrape(snapshot, T0 + 90_001, 90_000);
    expect(seriesOf(stale.series, 'servicefabric_imagestore_upload_session_remaining_bytes')).toHaveLength(0);
    expect(valueOf(stale.series, 'servicefabric_imagestore_poll_success')).toBe(0);
  });

  it('exposes exporter-wide series, and no per-path series before the first cycle', async () => {
    const before = await scrape(undefined, T0);
    expect(valueOf(before.series, 'servicefabric_exporter_build_info', { version: '1.2.3', revision: 'abc123', nodejs_version: 'v20.0.0' })).toBe(1);
    expect(valueOf(before.series, 'servicefabric_imagestore_poll_cycles_skipped_total')).toBe(0);
    expect(seriesOf(before.series, 'servicefabric_imagestore_poll_success')).toHaveLength(0);
    const after = await scrape(snapshotOf([reference]), T0);
    expect(valueOf(after.series, 'servicefabric_imagestore_poll_cycle_duration_seconds')).toBe(0.25);
    expect(valueOf(after.series, 'servicefabric_imagestore_poll_cycles_skipped_total')).toBe(3);
  });

  it('says in every HELP string of its own families that values are refreshed per poll cycle', async () => {
    const { text } = await scrape(snapshotOf([reference]), T0);
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP servicefabric_imagestore_'));
    expect(helps.length).toBe(24);
    for (const help of helps) expect(help).toMatch(/poll cycle/);
  });

  it('includes the default process metrics except the three promtool rejects, unless disabled', async () => {
    const withDefaults = await scrape(undefined, T0, 90_000, false);
    const names = new Set(withDefaults.series.map((s) => s.name));
    expect(names.has('process_cpu_seconds_total')).toBe(true);
    expect(names.has('nodejs_heap_size_used_bytes')).toBe(true);
    expect(names.has('nodejs_active_handles_total')).toBe(false);
    expect(names.has('nodejs_active_requests_total')).toBe(false);
    expect(names.has('nodejs_active_resources_total')).toBe(false);
    const without = await scrape(undefined, T0, 90_000, true);
    expect(without.series.some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_'))).toBe(false);
  });

  it('escapes label values that contain quotes, backslashes and newlines', async () => {
    const odd: PollOutcome = { ...reference, contentPath: 'a"b\\c\nd', result: { ok: true, sessions: [] } };
    const { series } = await scrape(snapshotOf([odd]), T0);
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: 'a"b\\c\nd' })).toBe(1);
  });
});
