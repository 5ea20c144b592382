import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { parseConfig } from '../../src/config/load.js';
import { formatPathFile } from '../../src/pathfiles/path-file-format.js';
import { silentLogger } from '../../src/log.js';
import { alertsNamed, eventually, EXPORTER_JOB as JOB, prometheusWithRules, type PrometheusServer } from '../helpers/prometheus.js';
import { sessionOperation, uploadChunk } from '../helpers/upload.js';
import { DASHBOARD_FILE } from './paths.js';
import { dashboardExpressions, ruleExpressions } from './promql.js';
import { alertRule, shippedRules } from './rules-file.js';

// The rules as shipped, with ServiceFabricUploadStalled scaled from 10 minutes to seconds so a real
// Prometheus shows it within a test: the only two edits, each asserted to apply.
const STALL_SECONDS = 8;

function scaledRules(): string {
  const file = shippedRules();
  const stalled = alertRule(file, 'ServiceFabricUploadStalled');
  const threshold = /servicefabric_imagestore_upload_session_age_seconds > 600\b/;
  if (!threshold.test(stalled.expr) || stalled.for !== '1m') throw new Error('ServiceFabricUploadStalled changed: update this test');
  stalled.expr = stalled.expr.replace(threshold, `servicefabric_imagestore_upload_session_age_seconds > ${STALL_SECONDS}`);
  stalled.for = '1s';
  return stringify(file);
}

const STALLED = { path: 'E2E\\stalled-and-moving.bin', sessionId: '5a11ed00-0000-4000-8000-000000000001' };
const MOVING = [
  { path: 'E2E\\stalled-and-moving.bin', sessionId: '3071a600-0000-4000-8000-000000000002' },
  { path: 'E2E\\moving.bin', sessionId: '3071a600-0000-4000-8000-000000000003' },
];
const FILE_SIZE = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;

let sim: Simulator;
let exporter: Exporter;
let prometheus: PrometheusServer;
let chunkTimer: NodeJS.Timeout | undefined;
let dir: string | undefined;

beforeAll(async () => {
  sim = await startSimulator();
  // Every session gets its first chunk now; only the moving ones get more, every 500 ms.
  for (const s of [STALLED, ...MOVING]) expect(await uploadChunk(sim.url, s.path, s.sessionId, { start: 0, end: CHUNK - 1, fileSize: FILE_SIZE })).toBe(200);
  let next = 1;
  chunkTimer = setInterval(() => {
    const start = next * CHUNK;
    next += 1;
    for (const s of MOVING) {
      // A chunk in flight when the simulator closes fails; that is the end of the test, not an error.
      uploadChunk(sim.url, s.path, s.sessionId, { start, end: start + CHUNK - 1, fileSize: FILE_SIZE }).catch(() => undefined);
    }
  }, 500);

  // The two files also make up a package (both uploading: a copy under way), so that the package
  // series and the expressions over them have data too.
  dir = mkdtempSync(join(tmpdir(), 'sfue-e2e-'));
  writeFileSync(join(dir, 'e2e.yaml'), formatPathFile({ package: 'E2EApp', version: '1.0.0', entries: [{ path: STALLED.path, size: FILE_SIZE }, { path: MOVING[1]?.path as string, size: FILE_SIZE }] }));
  const config = parseConfig(
    stringify({
      poll: { schedule: '* * * * * *', request_timeout: '2s', max_staleness: '30s' },
      clusters: [{ name: 'e2e', endpoint: sim.url, content_paths: [STALLED.path, MOVING[1]?.path], content_path_files: [join(dir, '*.yaml')] }],
    }),
  );
  exporter = await startExporter({
    config,
    listen: { host: '127.0.0.1', port: 0 },
    telemetryPath: '/metrics',
    disableExporterMetrics: true,
    logger: silentLogger,
  });
  prometheus = await prometheusWithRules(exporter.address, scaledRules());
}, 60_000);

afterAll(async () => {
  clearInterval(chunkTimer);
  await prometheus?.close();
  await exporter?.close();
  await sim?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const stalledAlerts = (): ReturnType<PrometheusServer['alerts']> => alertsNamed(prometheus, 'ServiceFabricUploadStalled');

describe('the rules in a real Prometheus scraping the exporter and the simulator', () => {
  it('fire ServiceFabricUploadStalled for the stalled session only, and resolve it when the session is deleted', async () => {
    const seen = new Set<string>();
    const firing = await eventually('ServiceFabricUploadStalled to fire', 45_000, async () => {
      const alerts = await stalledAlerts();
      for (const a of alerts) seen.add(a.labels.session_id ?? '(none)');
      return alerts.find((a) => a.state === 'firing');
    });
    expect(firing.labels).toMatchObject({
      job: JOB,
      sf_cluster: 'e2e',
      content_path: STALLED.path,
      store_relative_path: STALLED.path,
      session_id: STALLED.sessionId,
      severity: 'warning',
    });
    expect(firing.annotations.description).toContain(`file ${STALLED.path}`);
    // Neither progressing session was ever pending or firing, though one shares the stalled path.
    expect([...seen]).toEqual([STALLED.sessionId]);
    expect((await prometheus.query(`servicefabric_imagestore_upload_session_remaining_bytes{session_id="${MOVING[0]?.sessionId}"}`)).length).toBe(1);

    expect(await sessionOperation(sim.url, 'DeleteUploadSession', STALLED.sessionId)).toBe(200);
    await eventually('ServiceFabricUploadStalled to resolve', 20_000, async () => ((await stalledAlerts()).length === 0 ? true : undefined));
    expect(await prometheus.alerts()).toEqual([]);
  }, 90_000);

  it('record a positive throughput and a finite ETA for the moving sessions', async () => {
    const throughput = await eventually('a throughput sample', 20_000, async () => {
      const result = await prometheus.query(`servicefabric_imagestore_upload_session:throughput_bytes_per_second:deriv5m{session_id="${MOVING[1]?.sessionId}"}`);
      return result.length === 1 && Number(result[0]?.value[1]) > 0 ? Number(result[0]?.value[1]) : undefined;
    });
    // Two chunks of 64 KiB a second, give or take scheduling: well within an order of magnitude.
    expect(throughput).toBeGreaterThan(CHUNK / 5);
    expect(throughput).toBeLessThan(CHUNK * 20);
    const eta = await prometheus.query(`servicefabric_imagestore_upload_session:eta_seconds:deriv5m{session_id="${MOVING[1]?.sessionId}"}`);
    expect(Number(eta[0]?.value[1])).toBeGreaterThan(0);
  }, 30_000);

  it('evaluate every PromQL expression of the dashboard and the rules without error', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as unknown;
    const expressions = [...dashboardExpressions(dashboard), ...ruleExpressions()];
    expect(expressions.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let withData = 0;
    for (const { source, expr } of expressions) {
      try {
        if ((await prometheus.query(expr)).length > 0) withData += 1;
      } catch (error) {
        failures.push(`${source}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    // Most expressions find data: the metric names in them are the exporter's real ones.
    expect(withData).toBeGreaterThan(expressions.length / 2);
  }, 30_000);
});
