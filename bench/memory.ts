/**
 * Memory under session churn, as the soak test does it but at benchmark scale: every cycle a share
 * of the sessions is replaced by new ones and some receive chunks, the exporter polls every path,
 * and /metrics is scraped (alternately plain and gzip). Heap and RSS (after a forced GC) are taken
 * after warm-up and at the end.
 */
import http from 'node:http';
import type { Cluster, Memory } from './lib/cluster.js';

/** Figures of a churn run. */
export interface ChurnRun {
  readonly cycles: number;
  readonly warmup: number;
  readonly afterWarmup: Memory;
  readonly atEnd: Memory;
  readonly failedPolls: number;
  readonly sessions: number;
  readonly elapsedS: number;
}

function scrape(address: string, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://${address}/metrics`, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`scrape answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** Runs `cycles` churn cycles; the memory after `warmup` of them is the reference. */
export async function measureChurn(cluster: Cluster, options: { cycles: number; warmup: number; fraction: number }): Promise<ChurnRun> {
  let afterWarmup: Memory | undefined;
  let failedPolls = 0;
  let sessions = 0;
  const started = performance.now();
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    await cluster.simulator.call('churn', { fraction: options.fraction });
    const tick = await cluster.tick();
    failedPolls += tick.failed;
    sessions = tick.sessions;
    await scrape(cluster.exporterAddress, cycle % 2 === 0);
    if (cycle === options.warmup) afterWarmup = await cluster.memory();
  }
  const atEnd = await cluster.memory();
  return { cycles: options.cycles, warmup: options.warmup, afterWarmup: afterWarmup ?? atEnd, atEnd, failedPolls, sessions, elapsedS: (performance.now() - started) / 1000 };
}
