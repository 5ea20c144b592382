import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startExporter, type Exporter } from '../src/exporter.js';
import { startSimulator } from '../src/simulator/server.js';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { parseExposition, seriesOf } from './helpers/exposition.js';
import { assertBuilt } from './helpers/dist.js';

const MAIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
});

function firstCycle(exp: Exporter): Promise<unknown> {
  return exp.poller.current() ? Promise.resolve() : new Promise((resolve) => exp.poller.onSnapshot(resolve));
}

describe('--shard.index / --shard.count', () => {
  it('splits the paths between shards: each polled and exported by exactly one', async () => {
    const sim = await startSimulator();
    running.push(sim);
    const paths = Array.from({ length: 24 }, (_, i) => `Pkg${i}\\Code.zip`);
    const config = parseConfig(
      stringify({ poll: { schedule: '0 0 1 1 *' }, clusters: [{ name: 'a', endpoint: sim.url, content_paths: paths }, { name: 'b', endpoint: sim.url, content_paths: paths }] }),
    );
    const exported: string[][] = [];
    for (let index = 0; index < 3; index += 1) {
      const exp = await startExporter({
        config,
        listen: { host: '127.0.0.1', port: 0 },
        telemetryPath: '/metrics',
        disableExporterMetrics: true,
        logger: silentLogger,
        shard: { index, count: 3 },
      });
      running.push(exp);
      await firstCycle(exp);
      const series = parseExposition(await (await fetch(`http://${exp.address}/metrics`)).text());
      exported.push(seriesOf(series, 'servicefabric_imagestore_poll_success').map((s) => `${s.labels.sf_cluster}/${s.labels.content_path}`));
    }
    const all = exported.flat().sort();
    expect(all).toEqual([...paths.map((p) => `a/${p}`), ...paths.map((p) => `b/${p}`)].sort());
    for (const shard of exported) expect(shard.length).toBeGreaterThan(0);
  });

  it.each([
    [['--shard.index=2', '--shard.count=2'], 'error: --shard.index must be below --shard.count (2), got 2'],
    [['--shard.count=0'], 'error: --shard.count must be at least 1, got 0'],
    [['--shard.index=$(SHARD_INDEX)', '--shard.count=3'], 'error: --shard.index must be a non-negative integer, got "$(SHARD_INDEX)"'],
  ])('exits 1 naming the flag for %j', (args, message) => {
    assertBuilt();
    const run = spawnSync(process.execPath, [MAIN, '--demo', '--web.listen-address=127.0.0.1:0', ...args], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 1, stderr: message });
  });
});
