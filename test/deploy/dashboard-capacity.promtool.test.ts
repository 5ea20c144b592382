/**
 * The Capacity row's time to full, evaluated by promtool's PromQL engine over a disk that fills
 * across an exporter restart: the dashboard's own expression, its variables matching everything.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DASHBOARD_FILE } from './paths.js';

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Array<{ title?: string; targets?: Array<{ expr: string }> }> };
const timeToFull = dashboard.panels.find((p) => p.title === 'Time to full')?.targets?.[0]?.expr as string;

/** The dashboard variables as Grafana sends "All" for each: the regex that matches anything. */
const substituted = (expr: string): string => expr.replace(/\$\w+/g, '.*');

const series = (instance: string, cluster: string, metric: string, values: string) => ({
  series: `${metric}{job="sf-upload-exporter",instance="${instance}",sf_cluster="${cluster}"}`,
  values,
});

/** promtool's unit-test runner over one promql_expr_test: 0 when the expected samples came out. */
function evaluate(expr: string, evalTime: string, expected: Array<{ labels: string; value: number }>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-capacity-'));
  try {
    const file = join(dir, 'test.yml');
    writeFileSync(
      file,
      stringify({
        rule_files: [],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              // 1 GB a minute, 300 GB left at 200m; the exporter restarts at 100m (e:1 ends, e:2 begins at 103m).
              series('e:1', 'filling', 'servicefabric_imagestore_disk_available_bytes', '500000000000-1000000000x99 stale'),
              series('e:2', 'filling', 'servicefabric_imagestore_disk_available_bytes', '_x103 397000000000-1000000000x97'),
              // Steady: no time to full at all.
              series('e:1', 'steady', 'servicefabric_imagestore_disk_available_bytes', '500000000000x200'),
            ],
            promql_expr_test: [{ expr, eval_time: evalTime, exp_samples: expected }],
          },
        ],
      }),
    );
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the dashboard\'s time to full (promtool)', () => {
  it('is the free space over the slope of the last 6 hours, across an exporter restart, and absent for a steady disk', () => {
    expect(timeToFull).toBeDefined();
    // 300 GB at 1 GB a minute: 300 minutes, from the slope of both processes' samples.
    const result = evaluate(substituted(timeToFull), '200m', [{ labels: '{sf_cluster="filling"}', value: 18000 }]);
    expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('would be told apart from a wrong answer (the check can fail)', () => {
    const result = evaluate(substituted(timeToFull), '200m', [{ labels: '{sf_cluster="filling"}', value: 9000 }]);
    expect(result.status).not.toBe(0);
  });
});
