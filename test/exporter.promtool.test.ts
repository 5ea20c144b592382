/**
 * The exporter's exposition through `promtool check metrics`, the linter Prometheus ships. Its own
 * file because it needs promtool: SF_SKIP_TOOL_SUITES=1 leaves it out (scripts/test-tools.mjs).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { startExporter, type Exporter } from '../src/exporter.js';
import { startSimulator } from '../src/simulator/index.js';
import { silentLogger } from '../src/log.js';
import { REFERENCE_EXAMPLE, uploadChunk } from './helpers/upload.js';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
});

function firstSnapshot(exp: Exporter): Promise<unknown> {
  return exp.poller.current() ? Promise.resolve() : new Promise((resolve) => exp.poller.onSnapshot(resolve));
}

describe('exporter end to end against the simulator', () => {
  it('produces an exposition that promtool check metrics accepts, default metrics included', async () => {
    const sim = await startSimulator();
    running.push(sim);
    for (const s of REFERENCE_EXAMPLE.sessions) {
      expect(await uploadChunk(sim.url, REFERENCE_EXAMPLE.path, s.sessionId, { ...s.received, fileSize: REFERENCE_EXAMPLE.fileSize })).toBe(200);
    }
    sim.faults.add({ kind: 'reset', path: 'Broken' });
    const exp = await startExporter({
      config: {
        // A schedule that never fires during the test: the one cycle runs at start-up.
        poll: { schedule: '0 0 1 1 *', concurrency: 4, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
        clusters: [{ name: 'sim', endpoint: sim.url, contentPaths: [REFERENCE_EXAMPLE.path, 'Broken'] }],
      },
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      disableExporterMetrics: false,
      logger: silentLogger,
    });
    running.push(exp);
    await firstSnapshot(exp);
    const res = await fetch(`http://${exp.address}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });
});
