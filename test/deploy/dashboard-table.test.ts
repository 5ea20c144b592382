import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { DataTransformerConfig } from '@grafana/data';
import { DASHBOARD_FILE, repoFile } from './paths.js';
import { withGrafanaVariables } from './promql.js';
import { columnsOf, rowsOf, tableFrames, transform, type InstantAnswer } from './grafana.js';

interface TablePanel {
  type: string;
  title: string;
  targets: Array<{ refId: string; expr: string; instant?: boolean; format?: string }>;
  transformations: DataTransformerConfig[];
  fieldConfig: { overrides: Array<{ matcher: { id: string; options: string } }> };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: TablePanel[] };
const panel = dashboard.panels.find((p) => p.type === 'table' && p.title === 'Upload sessions') as TablePanel;

// Recorded once from a real Prometheus scraping the demo (see its "about").
const recorded = JSON.parse(readFileSync(repoFile('test/fixtures/grafana/upload-sessions-answers.json'), 'utf8')) as {
  time: number;
  queries: Array<{ refId: string; expr: string; answer: InstantAnswer }>;
};

const SESSION = ['sf_cluster', 'content_path', 'store_relative_path', 'session_id'] as const;
const COLUMNS = ['Cluster', 'Path', 'File', 'Session', 'Size', 'Remaining', 'Progress', 'Age', 'ETA'];
const keyOf = (labels: Record<string, unknown>): string => JSON.stringify(SESSION.map((l) => labels[l]));

/** Each query's values by session key. */
function valuesByQuery(): Map<string, Map<string, number>> {
  return new Map(
    recorded.queries.map((q) => [q.refId, new Map(q.answer.data.result.map((s) => [keyOf(s.metric), Number(s.value[1])]))]),
  );
}

describe('the "Upload sessions" table through Grafana\'s own transformations (@grafana/data)', () => {
  it('is fed the queries it was recorded with: instant, table format, and the same PromQL', () => {
    expect(panel.targets.map((t) => [t.refId, t.instant, t.format, withGrafanaVariables(t.expr)])).toEqual(
      recorded.queries.map((q) => [q.refId, true, 'table', q.expr]),
    );
  });

  it('the recording covers what the table must handle: moving and idle sessions, and the rules lagging the scrape', () => {
    const values = valuesByQuery();
    const live = [...(values.get('A')?.keys() ?? [])];
    const eta = values.get('E') as Map<string, number>;
    const progress = values.get('C') as Map<string, number>;
    expect(live.length).toBeGreaterThan(10);
    // Some live sessions have an ETA and some (stalled, complete) do not.
    expect(live.filter((k) => eta.has(k)).length).toBeGreaterThan(0);
    expect(live.filter((k) => !eta.has(k)).length).toBeGreaterThan(0);
    // The recording rules still hold a session that the last scrape no longer had.
    expect([...progress.keys()].filter((k) => !values.get('A')?.has(k)).length).toBeGreaterThan(0);
    // Every frame carries __name__, the column that split rows before.
    for (const q of recorded.queries) expect(q.answer.data.result.every((s) => s.metric.__name__ !== undefined)).toBe(true);
  });

  it('shows one row per live session, holding every value Prometheus returned for it, in the panel\'s columns', async () => {
    const frames = await transform(panel.transformations, tableFrames(recorded.queries));
    expect(frames).toHaveLength(1);
    const table = frames[0] as (typeof frames)[number];
    expect(columnsOf(table)).toEqual(COLUMNS);

    const values = valuesByQuery();
    const live = values.get('A') as Map<string, number>;
    const rows = rowsOf(table);
    const byKey = new Map(rows.map((r) => [JSON.stringify([r.Cluster, r.Path, r.File, r.Session]), r]));
    expect({ rows: rows.length, distinct: byKey.size }).toEqual({ rows: live.size, distinct: live.size });

    const expected = [...live.keys()].map((key) => {
      const [Cluster, Path, File, Session] = JSON.parse(key) as string[];
      const value = (refId: string): number | undefined => values.get(refId)?.get(key);
      return { Cluster, Path, File, Session, Size: value('A'), Remaining: value('B'), Progress: value('C'), Age: value('D'), ETA: value('E') };
    });
    expect(rows.sort((a, b) => String(a.Session).localeCompare(String(b.Session)))).toEqual(
      expected.sort((a, b) => String(a.Session).localeCompare(String(b.Session))),
    );
    // Every column filled, ETA wherever the session is moving: a session the recording rules had
    // already evaluated has all of its values in its one row.
    const evaluated = rows.filter((r) => values.get('C')?.has(JSON.stringify([r.Cluster, r.Path, r.File, r.Session])));
    expect(evaluated.length).toBeGreaterThanOrEqual(live.size - 1);
    for (const row of evaluated) {
      for (const column of COLUMNS.filter((c) => c !== 'ETA')) expect({ column, filled: row[column] !== undefined && row[column] !== '' }).toEqual({ column, filled: true });
    }
  });

  it('still shows one row per session when no session is moving (the ETA query answers nothing)', async () => {
    const withoutEta = recorded.queries.map((q) => (q.refId === 'E' ? { ...q, answer: { ...q.answer, data: { ...q.answer.data, result: [] } } } : q));
    const frames = await transform(panel.transformations, tableFrames(withoutEta));
    expect(frames).toHaveLength(1);
    const rows = rowsOf(frames[0] as (typeof frames)[number]);
    expect(rows.map((r) => r.Session).sort()).toEqual([...(valuesByQuery().get('A')?.keys() ?? [])].map((k) => (JSON.parse(k) as string[])[3]).sort());
    expect(rows.filter((r) => r.Size === undefined || r.Age === undefined || r.ETA !== undefined)).toEqual([]);
  });

  it('gives each value column the unit its override names', () => {
    const named = panel.fieldConfig.overrides.filter((o) => o.matcher.id === 'byName').map((o) => o.matcher.options);
    expect(named.sort()).toEqual(['Age', 'ETA', 'Progress', 'Remaining', 'Size']);
  });
});
