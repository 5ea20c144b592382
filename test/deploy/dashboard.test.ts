import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DASHBOARD_FILE } from './paths.js';
import { dashboardExpressions, promqlSyntaxErrors, ruleExpressions, withGrafanaVariables } from './promql.js';

interface PanelJson {
  type: string;
  title?: string;
  targets?: Array<{ expr: string; refId: string }>;
  transformations?: Array<{ id: string; options: { renameByName?: Record<string, string> } }>;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
  uid: string;
  templating: { list: Array<{ name: string; type: string }> };
  panels: PanelJson[];
};

/** Panel titles grouped under the row that precedes them. */
function rows(): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  let current = '(before any row)';
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') current = panel.title ?? '';
    else (result[current] ??= []).push(panel.title ?? '');
  }
  return result;
}

describe('Grafana dashboard (deploy/grafana/sf-upload-exporter.json)', () => {
  it('has the datasource, job, instance, sf_cluster and content_path variables', () => {
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['job', 'query'],
      ['instance', 'query'],
      ['sf_cluster', 'query'],
      ['content_path', 'query'],
    ]);
  });

  it('has an exporter health row, an upload sessions row, a packages row and a capacity row', () => {
    expect(rows()).toEqual({
      'Exporter health': ['Poll success', 'Poll failures by reason', 'Poll duration', 'Data age', 'Cycles skipped'],
      'Upload sessions': ['Upload sessions', 'Remaining bytes', 'Throughput'],
      Packages: ['Packages', 'Package progress', 'Package files by state'],
      Capacity: ['Image store capacity', 'Free space and capacity', 'Used by use', 'Time to full'],
    });
  });

  it('shows cluster, path, file, size, remaining, progress, age and ETA in the sessions table', () => {
    const table = dashboard.panels.find((p) => p.type === 'table');
    const organize = table?.transformations?.find((t) => t.id === 'organize');
    const columns = Object.values(organize?.options.renameByName ?? {});
    expect(columns).toEqual(['Cluster', 'Path', 'File', 'Session', 'Size', 'Remaining', 'Progress', 'Age', 'ETA']);
    expect(table?.targets?.map((t) => t.refId)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('filters every panel query by the job and instance variables', () => {
    const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThan(10);
    for (const target of targets) expect(target.expr).toMatch(/job=~"\$job", instance=~"\$instance"/);
  });
});

describe('every PromQL expression of the dashboard and the rules', () => {
  const expressions = [...dashboardExpressions(dashboard), ...ruleExpressions()];

  it('were all found (10 panels and 4 variables, 14 rules)', () => {
    expect(expressions.filter((e) => e.source.startsWith('variable'))).toHaveLength(4);
    expect(expressions.filter((e) => e.source.startsWith('rule'))).toHaveLength(14);
    expect(expressions.filter((e) => e.source.startsWith('panel')).length).toBeGreaterThanOrEqual(13);
  });

  it.each(expressions.map((e) => [e.source, e.expr] as const))('%s parses with the PromQL grammar', (_source, expr) => {
    expect(promqlSyntaxErrors(expr)).toEqual([]);
  });

  it('the grammar check does reject broken PromQL', () => {
    expect(promqlSyntaxErrors('sum by (job (up)')).not.toEqual([]);
    expect(promqlSyntaxErrors('rate(up[5m]')).not.toEqual([]);
    expect(promqlSyntaxErrors(withGrafanaVariables('rate(up{job=~"$job"}[$__rate_interval])'))).toEqual([]);
  });
});
