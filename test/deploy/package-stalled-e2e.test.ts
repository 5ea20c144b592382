/**
 * ServiceFabricPackageCopyStalled in a real Prometheus scraping the exporter, which polls the
 * simulator: one package whose copy stopped (a file in the store, one left uploading with its last
 * chunk 11 minutes ago, one never started), one whose copy is moving and one not started. The rules
 * as shipped, with only the alert's 10 minutes of history, its `for` and its `keep_firing_for`
 * scaled to seconds (each edit asserted to apply): its 600-second threshold is met by the backdated
 * session itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { formatPathFile } from '../../src/pathfiles/path-file-format.js';
import { parseConfig } from '../../src/config/load.js';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { alertsNamed, eventually, prometheusWithRules, type PrometheusServer } from '../helpers/prometheus.js';
import { sessionOperation, uploadChunk, uploadWholeFile } from '../helpers/upload.js';
import { columnsOf, rowsOf, tableFrames, transform } from './grafana.js';
import { DASHBOARD_FILE } from './paths.js';
import { withGrafanaVariables } from './promql.js';
import { alertRule, shippedRules } from './rules-file.js';
import type { DataTransformerConfig } from '@grafana/data';

const ALERT = 'ServiceFabricPackageCopyStalled';

function scaledRules(): string {
  const file = shippedRules();
  const rule = alertRule(file, ALERT);
  if (rule.expr.split('offset 10m').length !== 3 || rule.for !== '1m' || rule.keep_firing_for !== '5m') throw new Error(`${ALERT} changed: update this test`);
  rule.expr = rule.expr.replaceAll('offset 10m', 'offset 5s');
  rule.for = '1s';
  rule.keep_firing_for = '2s';
  return stringify(file);
}

const file = (pkg: string, name: string) => `E2E\\${pkg}\\${name}`;
const PACKAGES = {
  Stopped: { version: '1.0.0', stored: file('Stopped', 'ApplicationManifest.xml'), uploading: file('Stopped', 'Code\\App.dll'), absent: file('Stopped', 'Code\\Lib.dll') },
  Moving: { version: '2.0.0', stored: file('Moving', 'ApplicationManifest.xml'), uploading: file('Moving', 'Code\\App.dll'), absent: file('Moving', 'Code\\Lib.dll') },
  NotStarted: { version: '3.0.0', stored: undefined, uploading: undefined, absent: file('NotStarted', 'Code\\App.dll') },
} as const;
const MANIFEST_SIZE = 2_000;
const DLL_SIZE = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

let sim: Simulator;
let exporter: Exporter;
let prometheus: PrometheusServer;
let chunkTimer: NodeJS.Timeout | undefined;
let dir: string;

/** Uploads a whole file, commits it and deletes its session: in the store, without a session. */
async function store(path: string, size: number): Promise<void> {
  const sessionId = await uploadWholeFile(sim.url, path, size);
  expect(await sessionOperation(sim.url, 'CommitUploadSession', sessionId)).toBe(200);
  expect(await sessionOperation(sim.url, 'DeleteUploadSession', sessionId)).toBe(200);
}

beforeAll(async () => {
  sim = await startSimulator({ adminPort: 0 });
  await store(PACKAGES.Stopped.stored, MANIFEST_SIZE);
  await store(PACKAGES.Moving.stored, MANIFEST_SIZE);
  // Half of App.dll received, the last chunk 11 minutes ago: the copy died there.
  const created = await fetch(`${sim.adminUrl}/sessions`, {
    method: 'POST',
    body: JSON.stringify({ path: PACKAGES.Stopped.uploading, fileSize: DLL_SIZE, received: [{ start: 0, end: DLL_SIZE / 2 - 1 }], modifiedDate: new Date(Date.now() - 11 * 60e3).toISOString() }),
  });
  expect(created.status).toBe(201);
  // The moving copy gets a chunk of App.dll every 500 ms.
  const moving = globalThis.crypto.randomUUID();
  let next = 0;
  const sendNext = (): Promise<number> => {
    const start = next * CHUNK;
    next += 1;
    return uploadChunk(sim.url, PACKAGES.Moving.uploading, moving, { start, end: start + CHUNK - 1, fileSize: DLL_SIZE });
  };
  expect(await sendNext()).toBe(200);
  // A chunk in flight when the simulator closes fails; that is the end of the test, not an error.
  chunkTimer = setInterval(() => void sendNext().catch(() => undefined), 500);

  dir = mkdtempSync(join(tmpdir(), 'sfue-package-e2e-'));
  for (const [name, pkg] of Object.entries(PACKAGES)) {
    const entries = [
      ...(pkg.stored === undefined ? [] : [{ path: pkg.stored, size: MANIFEST_SIZE }]),
      ...(pkg.uploading === undefined ? [] : [{ path: pkg.uploading, size: DLL_SIZE }]),
      { path: pkg.absent, size: DLL_SIZE },
    ];
    writeFileSync(join(dir, `${name}.yaml`), formatPathFile({ package: name, version: pkg.version, entries }));
  }
  const config = parseConfig(
    stringify({
      poll: { schedule: '* * * * * *', request_timeout: '2s', max_staleness: '30s' },
      clusters: [{ name: 'e2e', endpoint: sim.url, content_path_files: [join(dir, '*.yaml')] }],
    }),
  );
  exporter = await startExporter({ config, listen: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', disableExporterMetrics: true, logger: silentLogger });
  prometheus = await prometheusWithRules(exporter.address, scaledRules());
}, 60_000);

afterAll(async () => {
  clearInterval(chunkTimer);
  await prometheus?.close();
  await exporter?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const packageAlerts = (): ReturnType<PrometheusServer['alerts']> => alertsNamed(prometheus, ALERT);

describe('ServiceFabricPackageCopyStalled in a real Prometheus scraping the exporter and the simulator', () => {
  it('shows the dashboard\'s "Packages" table, through Grafana\'s own transformations, one row per package with its progress, states and last chunk', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Array<{ type: string; title?: string; targets?: Array<{ refId: string; expr: string }>; transformations?: DataTransformerConfig[] }> };
    const panel = dashboard.panels.find((p) => p.type === 'table' && p.title === 'Packages');
    const targets = panel?.targets ?? [];
    const answers = await eventually('every package reported', 30_000, async () => {
      // One evaluation time for every query, as Grafana sends them.
      const time = Date.now() / 1000;
      const all = await Promise.all(
        targets.map(async (t) => ({ refId: t.refId, answer: { status: 'success', data: { resultType: 'vector', result: await prometheus.query(withGrafanaVariables(t.expr), time) } } })),
      );
      return all.find((a) => a.refId === 'A')?.answer.data.result.length === 3 && all.find((a) => a.refId === 'H')?.answer.data.result.length === 2 ? all : undefined;
    });
    const frames = await transform(panel?.transformations ?? [], tableFrames(answers));
    expect(frames).toHaveLength(1);
    const table = frames[0] as (typeof frames)[number];
    expect(columnsOf(table)).toEqual(['Cluster', 'Package', 'Version', 'Files', 'Progress', 'In store', 'Received', 'Uploading', 'Absent', 'Size mismatch', 'Last chunk']);
    const rows = Object.fromEntries(rowsOf(table).map((r) => [r.Package, r]));
    const states = (row: Record<string, unknown> | undefined) => [row?.Cluster, row?.Version, row?.Files, row?.['In store'], row?.Received, row?.Uploading, row?.Absent, row?.['Size mismatch']];
    expect(states(rows.Stopped)).toEqual(['e2e', '1.0.0', 3, 1, 0, 1, 1, 0]);
    expect(states(rows.Moving)).toEqual(['e2e', '2.0.0', 3, 1, 0, 1, 1, 0]);
    expect(states(rows.NotStarted)).toEqual(['e2e', '3.0.0', 1, 0, 0, 0, 1, 0]);
    // In-store bytes over the expected bytes, the uploading file counting what it received.
    expect(rows.Stopped?.Progress).toBeCloseTo(MANIFEST_SIZE / (MANIFEST_SIZE + DLL_SIZE / 2 + DLL_SIZE), 9);
    expect(rows.NotStarted?.Progress).toBe(0);
    // The stopped copy's last chunk is the backdated one; the moving copy's is seconds old.
    expect(rows.Stopped?.['Last chunk']).toBeGreaterThan(11 * 60 - 5);
    expect(rows.Stopped?.['Last chunk']).toBeLessThan(12 * 60);
    expect(rows.Moving?.['Last chunk']).toBeLessThan(60);
    expect(rows.NotStarted?.['Last chunk']).toBeUndefined();
  }, 45_000);

  it('fires for the package whose copy stopped only, and resolves when its copy moves again', async () => {
    const seen = new Set<string>();
    const firing = await eventually(`${ALERT} to fire`, 45_000, async () => {
      const alerts = await packageAlerts();
      for (const a of alerts) seen.add(a.labels.package ?? '(none)');
      return alerts.find((a) => a.state === 'firing');
    });
    expect(firing.labels).toMatchObject({ job: 'sf-upload-exporter', sf_cluster: 'e2e', package: 'Stopped', version: '1.0.0', severity: 'warning' });
    expect(firing.annotations.description).toContain('2 file(s) of application package Stopped (version 1.0.0) on cluster e2e');
    // The moving copy and the package not started were never pending or firing.
    expect([...seen]).toEqual(['Stopped']);
    const progress = await prometheus.query('servicefabric_imagestore_package:progress_files:ratio');
    expect(Object.fromEntries(progress.map((p) => [p.metric.package, Number(p.value[1])]))).toEqual({ Stopped: 1 / 3, Moving: 1 / 3, NotStarted: 0 });

    // The copy is run again: the file it never started gets its first chunk.
    expect(await uploadChunk(sim.url, PACKAGES.Stopped.absent, globalThis.crypto.randomUUID(), { start: 0, end: CHUNK - 1, fileSize: DLL_SIZE })).toBe(200);
    await eventually(`${ALERT} to resolve`, 20_000, async () => ((await packageAlerts()).length === 0 ? true : undefined));
  }, 90_000);
});
