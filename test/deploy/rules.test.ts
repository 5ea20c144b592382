import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RULES_FILE, RULES_TEST_FILE, repoFile } from './paths.js';
import { shippedRules } from './rules-file.js';

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  expect(run.error).toBeUndefined();
  return { status: run.status, output: run.stdout + run.stderr };
}

const rules = shippedRules();
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

describe('Prometheus rules (deploy/prometheus/rules.yml)', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RULES_FILE);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 14 rules found') });
  });

  it('pass their promtool unit tests (firing and not firing for every alert)', () => {
    const { status, output } = promtool('test', 'rules', RULES_TEST_FILE);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  // ServiceFabricExporterDataStale pages after 5 minutes without a success on any path of a
  // cluster, the default poll.idle_interval: the poller therefore polls one path of every cluster in
  // every cycle (test/poller/cadence.test.ts), and a healthy cluster whose only path is cold stays quiet.
  it('do not page ServiceFabricExporterDataStale for a healthy cluster whose only path is cold, polled each cycle as its cluster\'s one path', () => {
    const { status, output } = promtool('test', 'rules', repoFile('test/fixtures/rules/cold-cluster-stale.test.yml'));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('define exactly the seven alerts docs/alerts.md documents and the README lists, each with a summary and description', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'ServiceFabricExporterDataStale',
      'ServiceFabricExporterDown',
      'ServiceFabricImageStoreDiskFilling',
      'ServiceFabricImageStorePollFailing',
      'ServiceFabricPackageCopyStalled',
      'ServiceFabricUploadSlow',
      'ServiceFabricUploadStalled',
    ]);
    const alertsPage = readFileSync(new URL('../../docs/alerts.md', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const alert of alerts) {
      expect(Object.keys(alert.annotations ?? {}).sort()).toEqual(['description', 'summary']);
      expect(alertsPage).toContain(`## ${alert.alert}\n`);
      expect(readme).toContain(`- \`${alert.alert}\`: `);
    }
  });

  it('unit-test every alert in both directions', () => {
    const tests = parse(readFileSync(RULES_TEST_FILE, 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert.alert);
      expect({ alert: alert.alert, fires: mine.some((c) => c.exp_alerts.length > 0) }).toEqual({ alert: alert.alert, fires: true });
      expect({ alert: alert.alert, silent: mine.some((c) => c.exp_alerts.length === 0) }).toEqual({ alert: alert.alert, silent: true });
    }
  });
});
