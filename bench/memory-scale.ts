/**
 * Memory at scale (target: RSS ≤ 1.5 × the minimal holder's): the exporter's RSS, heap and external memory at a number of paths and
 * sessions, after warm-up cycles and scrape load (plain and gzip, wrk), against the minimal holder:
 * a Node process that holds the same exposition bytes and serves them plain and gzipped, nothing
 * else (bench/workers/holder.ts), loaded the same way in the same run.
 */
import http from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCluster, type Memory } from './lib/cluster.js';
import { startWorker, type Worker } from './lib/rpc.js';
import { runLoad } from './lib/wrk.js';

/** One scale's figures. */
export interface ScaleMemory {
  readonly paths: number;
  readonly sessions: number;
  readonly expositionBytes: number;
  readonly gzipBytes: number;
  /** After the load runs, after forced GCs. */
  readonly exporter: Memory;
  readonly holder: Memory;
  /** The highest RSS sampled (no GC) while the scrapes ran. */
  readonly exporterPeakRss: number;
  readonly holderPeakRss: number;
}

function getBody(url: string): Promise<{ body: Buffer; contentType: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve({ body: Buffer.concat(chunks), contentType: res.headers['content-type'] ?? '' }) : reject(new Error(`${url} answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** Runs wrk against `url` while sampling the worker's RSS every 200 ms; returns the highest sample. */
async function loadSampling(url: string, worker: Worker, gzip: boolean, connections: number, seconds: number): Promise<number> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await worker.call<number>('rss'));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    const result = await runLoad(url, { connections, durationS: seconds, headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} });
    if (result.errors > 0) throw new Error(`${url}: ${result.errors} load errors`);
  } finally {
    running = false;
    await sampler;
  }
  return peak;
}

/** Measures the exporter and the minimal holder at `paths` paths and `sessions` sessions. */
export async function measureMemoryAtScale(
  scale: { paths: number; sessions: number },
  options: { concurrency: number; warmupCycles: number; connections: number; seconds: number; rounds: number; log: (line: string) => void },
): Promise<ScaleMemory> {
  return withCluster({ paths: scale.paths, sessionsPerPath: 0, sessions: scale.sessions, latencyMs: 0, concurrency: options.concurrency }, async (cluster) => {
    for (let i = 0; i < options.warmupCycles; i++) {
      const tick = await cluster.tick();
      if (tick.failed > 0) throw new Error(`harness check failed: ${tick.failed} polls failed at ${scale.paths} paths`);
      if (tick.sessions !== scale.sessions) throw new Error(`harness check failed: the exporter saw ${tick.sessions} of ${scale.sessions} sessions`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'sfue-bench-memory-'));
    const file = join(dir, 'metrics.txt');
    const ours = await getBody(`http://${cluster.exporterAddress}/metrics`);
    writeFileSync(file, ours.body, { mode: 0o644 });
    chmodSync(dir, 0o755);
    const holder = await startWorker('holder');
    try {
      const held = await holder.call<{ address: string; bytes: number; gzipBytes: number }>('start', { file, contentType: ours.contentType });
      let exporterPeakRss = 0;
      let holderPeakRss = 0;
      // A 100,000-session exposition is about 290 MB: under 10 connections one scrape takes seconds.
      const seconds = Math.max(options.seconds, Math.ceil(held.bytes / (20 * 1024 * 1024)));
      for (let round = 0; round < options.rounds; round++) {
        for (const gzip of [false, true]) {
          exporterPeakRss = Math.max(exporterPeakRss, await loadSampling(`http://${cluster.exporterAddress}/metrics`, cluster.exporter, gzip, options.connections, seconds));
          holderPeakRss = Math.max(holderPeakRss, await loadSampling(`http://${held.address}/metrics`, holder, gzip, options.connections, seconds));
        }
      }
      const exporter = await cluster.memory();
      const holderMemory = await holder.call<Memory>('memory');
      const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
      options.log(`  ${scale.paths} paths, ${scale.sessions} sessions (${mb(held.bytes)} MB exposition): exporter RSS ${mb(exporter.rss)} MB (peak ${mb(exporterPeakRss)}), heap ${mb(exporter.heapUsed)}, external ${mb(exporter.external)}, arrayBuffers ${mb(exporter.arrayBuffers)}; holder RSS ${mb(holderMemory.rss)} MB (peak ${mb(holderPeakRss)}), heap ${mb(holderMemory.heapUsed)}, external ${mb(holderMemory.external)}`);
      return { ...scale, expositionBytes: held.bytes, gzipBytes: held.gzipBytes, exporter, holder: holderMemory, exporterPeakRss, holderPeakRss };
    } finally {
      await holder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
