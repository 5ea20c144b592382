/** The built-in demo: its simulator, its traffic, and the path files announcing the packages it copies. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePathFile } from '../src/pathfiles/path-file-format.js';
import { startDemo, type Demo } from '../src/demo.js';
import { startExporter, type Exporter } from '../src/exporter.js';
import { silentLogger } from '../src/log.js';
import { DEMO_CONTENT_PATHS } from '../src/simulator/scenario.js';
import { DEMO_PACKAGES } from '../src/simulator/demo-packages.js';
import type { StatusView } from '../src/status/view.js';
import { waitFor } from './helpers/wait.js';

let demo: Demo | undefined;
let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.close();
  await demo?.close();
  exporter = undefined;
  demo = undefined;
});

describe('demo', () => {
  it('writes a path file per package it copies, with its name, version and each file with its size, and removes them on close', async () => {
    demo = await startDemo(silentLogger);
    const { pathFileDir } = demo;
    expect(readdirSync(pathFileDir).sort()).toEqual(DEMO_PACKAGES.map((p) => `${p.name}.yaml`).sort());
    for (const pkg of DEMO_PACKAGES) {
      const content = parsePathFile(readFileSync(join(pathFileDir, `${pkg.name}.yaml`), 'utf8'));
      expect(content).toEqual({ package: pkg.name, version: pkg.version, entries: pkg.files.map((f) => ({ path: f.path, size: f.size })) });
    }
    const [cluster] = demo.config.clusters;
    expect(cluster?.contentPaths).toEqual(DEMO_CONTENT_PATHS);
    expect(cluster?.contentPathFiles).toEqual([join(pathFileDir, '*.yaml')]);
    await demo.close();
    demo = undefined;
    expect(existsSync(pathFileDir)).toBe(false);
  });

  it('shows its packages filling up beside the single uploads', async () => {
    demo = await startDemo(silentLogger);
    const config = { ...demo.config, poll: { ...demo.config.poll, schedule: '0 0 1 1 *' } };
    exporter = await startExporter({ config, listen: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', disableExporterMetrics: true, logger: silentLogger, demo: true });
    const view = async (): Promise<StatusView> => {
      await exporter!.poller.tick();
      return (await (await fetch(`http://${exporter!.address}/api/v1/sessions`)).json()) as StatusView;
    };
    let progress = 0;
    await waitFor('VotingApp half copied', async () => {
      const v = await view();
      progress = v.clusters[0]?.packages.find((p) => p.name === 'VotingApp')?.progress ?? 0;
      return progress > 0.5 && v.summary.sessions > 0;
    });
    const last = await view();
    const packages = last.clusters[0]!.packages;
    expect(packages.map((p) => [p.name, p.version, p.files.length])).toEqual(
      DEMO_PACKAGES.map((p) => [p.name, p.version, p.files.length]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const voting = packages.find((p) => p.name === 'VotingApp')!;
    expect(voting.size_bytes).toBe(DEMO_PACKAGES[0]!.files.reduce((n, f) => n + f.size, 0));
    expect(voting.files_by_state.received + voting.files_by_state.in_store).toBeGreaterThan(0);
  });
});
