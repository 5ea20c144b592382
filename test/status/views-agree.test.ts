/** /metrics, the status page, `/api/v1/sessions` and the `status` table read one package model: on one snapshot they agree. */
import { describe, expect, it } from '@jest/globals';
import { createMetricsRenderer } from '../../src/metrics/render.js';
import { PACKAGE_FILE_STATES } from '../../src/pathfiles/package-model.js';
import { buildStatusView } from '../../src/status/view.js';
import { renderStatusTable } from '../../src/status/table.js';
import { renderStatusSection } from '../../src/web/status-page.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { DEAD_COPY, packageSnapshot, STALLED_AFTER_MS, T0, type FileAt } from '../fixtures/packages.js';

// The two shapes that made copies disagree before: a package of empty files with a stale file, and
// one whose known bytes are all there while a file without a size is still missing.
const PACKAGES: ReadonlyArray<{ name: string; version?: string; files: readonly FileAt[] }> = [
  DEAD_COPY,
  { name: 'Empty', files: [{ path: 'e1', size: 0, is: 'in_store' }, { path: 'e2', size: 0, is: 'in_store', storedSize: 7 }] },
  { name: 'Unsized', files: [{ path: 'u1', size: 10, is: 'in_store' }, { path: 'u2', size: 5, is: 'absent', unsized: true }] },
  { name: 'Failed', files: [{ path: 'f1', size: 10, is: 'received', received: 10, lastChunkMs: T0 - 1000 }, { path: 'f2', size: 10, is: 'failed' }] },
];

describe('one snapshot, four views of its packages', () => {
  it('gives the same files and bytes per state on /metrics as in the JSON, and the same progress on the page and in the table', async () => {
    const { snapshot } = packageSnapshot(PACKAGES);
    const renderer = createMetricsRenderer({ snapshot: () => snapshot, maxStalenessMs: 90_000, build: { version: '1', revision: 'r', nodejsVersion: 'v20' }, disableExporterMetrics: true, now: () => T0 });
    const series = parseExposition(Buffer.concat(await renderer.metrics()).toString('utf8'));
    const view = buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: STALLED_AFTER_MS });
    // The JSON that /api/v1/sessions serves and `status --output json` prints.
    const json = JSON.parse(JSON.stringify(view)) as typeof view;
    const page = renderStatusSection(view);
    const table = renderStatusTable(view, false).split('\n');
    const packages = json.clusters.flatMap((c) => c.packages);
    expect(packages.map((p) => p.name)).toEqual(['Empty', 'Failed', 'Unsized', 'VotingApp']);
    for (const pkg of packages) {
      const labels = { sf_cluster: 'prod', package: pkg.name, version: pkg.version };
      for (const state of PACKAGE_FILE_STATES) {
        expect([pkg.name, state, valueOf(series, 'servicefabric_imagestore_package_files', { ...labels, state })]).toEqual([pkg.name, state, pkg.files_by_state[state]]);
        expect([pkg.name, state, valueOf(series, 'servicefabric_imagestore_package_bytes', { ...labels, state })]).toEqual([pkg.name, state, pkg.bytes_by_state[state]]);
      }
      const percent = `${Math.floor(pkg.progress * 100)}%`;
      expect(page).toMatch(new RegExp(`<strong>${pkg.name}</strong> <span class="version">${pkg.version}</span> <div [^>]*aria-valuenow="${Math.floor(pkg.progress * 100)}"[^>]*>.*?<span class="pct">${percent}</span>`));
      expect(table.find((line) => line.startsWith(`${pkg.name} ${pkg.version}`))).toMatch(new RegExp(`\\s${percent}\\s`));
    }
    // A stale empty file keeps its package at 0 %; known bytes all there read 100 % whatever a file without a size does.
    expect(packages.map((p) => [p.name, p.progress])).toEqual([['Empty', 0], ['Failed', 0.5], ['Unsized', 1], ['VotingApp', 0.6]]);
  });
});
