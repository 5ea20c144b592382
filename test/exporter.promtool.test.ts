/**
 * The exporter's exposition through `promtool check metrics`, the linter Prometheus ships. Its own
 * file because it needs promtool: SF_SKIP_TOOL_SUITES=1 leaves it out (scripts/test-tools.mjs).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { startSimulator } from '../src/simulator/server.js';
import { REFERENCE_EXAMPLE, uploadChunk } from './helpers/upload.js';
import { startOneCycleExporter } from './helpers/exporter.js';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
});

describe('exporter end to end against the simulator', () => {
  it('produces an exposition that promtool check metrics accepts, default metrics included', async () => {
    const sim = await startSimulator();
    running.push(sim);
    for (const s of REFERENCE_EXAMPLE.sessions) {
      expect(await uploadChunk(sim.url, REFERENCE_EXAMPLE.path, s.sessionId, { ...s.received, fileSize: REFERENCE_EXAMPLE.fileSize })).toBe(200);
    }
    sim.faults.add({ kind: 'reset', path: 'Broken' });
    const exp = await startOneCycleExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [REFERENCE_EXAMPLE.path, 'Broken'] }], { disableExporterMetrics: false });
    running.push(exp);
    const res = await fetch(`http://${exp.address}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });
});
