/** The Capacity row's table, run through Grafana's own transformations (@grafana/data). */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { DataTransformerConfig } from '@grafana/data';
import { DASHBOARD_FILE } from './paths.js';
import { columnsOf, rowsOf, tableFrames, transform, type InstantAnswer } from './grafana.js';

interface TablePanel {
  type: string;
  title: string;
  targets: Array<{ refId: string; expr: string; instant?: boolean; format?: string }>;
  transformations: DataTransformerConfig[];
  fieldConfig: { overrides: Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }> };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: TablePanel[] };
const panel = dashboard.panels.find((p) => p.type === 'table' && p.title === 'Image store capacity') as TablePanel;

const COLUMNS = ['Cluster', 'Capacity', 'Available', 'Free', 'Time to full', 'Staging', 'Copy', 'Register', 'Metadata'];
const TIME = 1_790_000_000;
const GiB = 1024 ** 3;

/**
 * What Prometheus answers for each of the table's instant queries (GET /api/v1/query): each is an
 * aggregation `by (sf_cluster)`, so a series carries only that label. "prod" is filling (it has a
 * time to full); "staging" is steady (none).
 */
const VALUES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  A: { prod: 64 * GiB, staging: 128 * GiB },
  B: { prod: 5 * GiB, staging: 100 * GiB },
  C: { prod: 5 / 64, staging: 100 / 128 },
  D: { prod: 7200 },
  E: { prod: 2 * GiB, staging: 0 },
  F: { prod: 30 * GiB, staging: 1 * GiB },
  G: { prod: 20 * GiB, staging: 4 * GiB },
  H: { prod: 22 * 1024 ** 2, staging: 22 * 1024 ** 2 },
};

function answer(values: Readonly<Record<string, number>>): InstantAnswer {
  return {
    status: 'success',
    data: { resultType: 'vector', result: Object.entries(values).map(([sf_cluster, v]) => ({ metric: { sf_cluster }, value: [TIME, String(v)] as [number, string] })) },
  };
}

function answers(values: typeof VALUES): Array<{ refId: string; answer: InstantAnswer }> {
  return panel.targets.map((t) => ({ refId: t.refId, answer: answer(values[t.refId] ?? {}) }));
}

describe('the "Image store capacity" table through Grafana\'s own transformations (@grafana/data)', () => {
  it('is fed instant table-format queries, one per column, each aggregated per cluster and filtered by the dashboard variables', () => {
    expect(panel.targets.map((t) => [t.refId, t.instant, t.format])).toEqual(Object.keys(VALUES).map((refId) => [refId, true, 'table']));
    for (const target of panel.targets) {
      expect(target.expr).toMatch(/^max by \(sf_cluster\) \(servicefabric_imagestore_\w+\{job=~"\$job", instance=~"\$instance", sf_cluster=~"\$sf_cluster"/);
    }
    // Time to full spans exporter restarts: the slope of the per-cluster maximum, over the alert's 6 hours.
    expect(panel.targets.find((t) => t.refId === 'D')?.expr).toContain('[6h:5m]');
  });

  it('shows one row per cluster with every value Prometheus returned for it, in the panel\'s columns', async () => {
    const frames = await transform(panel.transformations, tableFrames(answers(VALUES)));
    expect(frames).toHaveLength(1);
    const table = frames[0] as (typeof frames)[number];
    expect(columnsOf(table)).toEqual(COLUMNS);
    const rows = rowsOf(table).sort((a, b) => String(a.Cluster).localeCompare(String(b.Cluster)));
    expect(rows).toEqual([
      { Cluster: 'prod', Capacity: 64 * GiB, Available: 5 * GiB, Free: 5 / 64, 'Time to full': 7200, Staging: 2 * GiB, Copy: 30 * GiB, Register: 20 * GiB, Metadata: 22 * 1024 ** 2 },
      { Cluster: 'staging', Capacity: 128 * GiB, Available: 100 * GiB, Free: 100 / 128, 'Time to full': undefined, Staging: 0, Copy: 1 * GiB, Register: 4 * GiB, Metadata: 22 * 1024 ** 2 },
    ]);
  });

  it('still shows one row per cluster when no disk is filling (the time-to-full query answers nothing)', async () => {
    const frames = await transform(panel.transformations, tableFrames(answers({ ...VALUES, D: {} })));
    expect(frames).toHaveLength(1);
    const rows = rowsOf(frames[0] as (typeof frames)[number]);
    expect(rows.map((r) => [r.Cluster, r.Capacity, r['Time to full']]).sort()).toEqual([
      ['prod', 64 * GiB, undefined],
      ['staging', 128 * GiB, undefined],
    ]);
  });

  it('shows no row for a cluster whose disk is not reported now (no capacity), whatever else still answers', async () => {
    // "old" still has used bytes from another query, but no capacity: its GetImageStoreInfo fails.
    const frames = await transform(panel.transformations, tableFrames(answers({ ...VALUES, F: { ...VALUES.F, old: 3 * GiB } })));
    expect(rowsOf(frames[0] as (typeof frames)[number]).map((r) => r.Cluster).sort()).toEqual(['prod', 'staging']);
  });

  it('gives each value column the unit its override names, and draws Free as a bar red below the alert\'s 10 %', () => {
    const units = Object.fromEntries(
      panel.fieldConfig.overrides.flatMap((o) => o.properties.filter((p) => p.id === 'unit').map((p) => [o.matcher.options, p.value])),
    );
    expect(units).toEqual({ Capacity: 'bytes', Available: 'bytes', Free: 'percentunit', 'Time to full': 's', Staging: 'bytes', Copy: 'bytes', Register: 'bytes', Metadata: 'bytes' });
    const free = panel.fieldConfig.overrides.filter((o) => o.matcher.options === 'Free').flatMap((o) => o.properties);
    expect(free.find((p) => p.id === 'thresholds')?.value).toEqual({ mode: 'absolute', steps: [{ value: null, color: 'red' }, { value: 0.1, color: 'green' }] });
  });
});
