/**
 * Scrape figures: /metrics of the exporter under load, against a plain Node `http` server and nginx
 * serving the identical exposition bytes from memory or disk, plain and with `Accept-Encoding: gzip`.
 * Runs are interleaved (one of each per round), so drift in the machine affects all alike.
 */
import http from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GZIP_LEVEL } from '../src/web/compress.js';
import { startNginx } from './lib/nginx.js';
import { startWorker } from './lib/rpc.js';
import { runLoad, type LoadResult } from './lib/wrk.js';
import type { Memory } from './lib/cluster.js';

/**
 * Who answers. `exporter_bare` is a second exporter over the same sessions with
 * `--web.disable-exporter-metrics`: the share of prom-client's process_* and nodejs_* collectors.
 */
type ScrapeTarget = 'exporter' | 'exporter_bare' | 'node_static' | 'nginx_static' | 'node_static_gzip_once';

/** An exporter to load: its address and a probe of its process's CPU time in ms. */
interface ExporterUnderLoad {
  readonly address: string;
  readonly cpuMs: () => Promise<number>;
}

/** All runs of one target and encoding. */
export interface ScrapeSeries {
  readonly target: ScrapeTarget;
  readonly encoding: 'identity' | 'gzip';
  /** wrk's connections: 10 (the load), or 1 (one scrape at a time, no queueing). */
  readonly connections: number;
  readonly runs: Array<LoadResult & { readonly cpuMsPerRequest?: number }>;
  /** The Content-Encoding the server answered with (a check that gzip was really served). */
  readonly servedEncoding: string;
}

/** The scrape benchmark's results. */
export interface ScrapeRun {
  readonly exposition: { readonly bytes: number; readonly gzipBytes: number; readonly lines: number };
  readonly nginxVersion: string;
  readonly series: ScrapeSeries[];
  /** The Node static server's memory after the load runs (after a forced GC). */
  readonly staticMemory: Memory;
}

/** GETs `url` once with optional gzip, returns the raw body and its Content-Encoding and Content-Type. */
function get(url: string, gzip: boolean): Promise<{ body: Buffer; encoding: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve({ body: Buffer.concat(chunks), encoding: res.headers['content-encoding'] ?? 'identity', contentType: res.headers['content-type'] ?? '' });
        });
      })
      .on('error', reject);
  });
}

/** Lines of the exporter's own families: prom-client's process_* and nodejs_* series come and go between scrapes. */
function lineCount(body: Buffer): number {
  const defaults = body.indexOf('\n# HELP process_');
  const end = defaults === -1 ? body.length : defaults;
  let n = 0;
  for (let i = body.indexOf(0x0a); i !== -1 && i < end; i = body.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/** Loads the exporter at `exporterAddress` and both static servers, `reps` interleaved rounds. */
export async function measureScrape(
  exporter: ExporterUnderLoad,
  bare: ExporterUnderLoad,
  options: { reps: number; seconds: number; connections: number; singleConnectionSeconds: number; log: (line: string) => void },
): Promise<ScrapeRun> {
  const exporterAddress = exporter.address;
  const dir = mkdtempSync(join(tmpdir(), 'sfue-bench-scrape-'));
  const file = join(dir, 'metrics.txt');
  const ours = await get(`http://${exporterAddress}/metrics`, false);
  writeFileSync(file, ours.body, { mode: 0o644 });
  // Started as root, nginx's worker runs as an unprivileged user, which must be able to read the file.
  chmodSync(dir, 0o755);
  const staticServer = await startWorker('static-server');
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    const node = await staticServer.call<{ address: string; bytes: number; gzipBytes: number }>('start', { file, contentType: ours.contentType });
    // CPU time of the serving process per request: the exporter's and the Node static server's (nginx and wrk are not ours to measure).
    const staticCpu = async (): Promise<number> => (await staticServer.call<{ cpuMs: number }>('cpu')).cpuMs;
    const cpuOf: Partial<Record<ScrapeTarget, () => Promise<number>>> = {
      exporter: exporter.cpuMs,
      exporter_bare: bare.cpuMs,
      node_static: staticCpu,
      node_static_gzip_once: staticCpu,
    };
    nginx = await startNginx(file, ours.contentType, GZIP_LEVEL);
    const urls: Record<ScrapeTarget, string> = {
      exporter: `http://${exporterAddress}/metrics`,
      exporter_bare: `http://${bare.address}/metrics`,
      node_static: `http://${node.address}/metrics`,
      nginx_static: `http://${nginx.address}/metrics`,
      node_static_gzip_once: `http://${node.address}/metrics-once`,
    };
    const plan: Array<{ target: ScrapeTarget; encoding: 'identity' | 'gzip'; connections?: number }> = [
      { target: 'exporter', encoding: 'identity' },
      { target: 'node_static', encoding: 'identity' },
      { target: 'nginx_static', encoding: 'identity' },
      { target: 'exporter_bare', encoding: 'identity' },
      // One scrape at a time: the latency one Prometheus server sees, without queueing behind others.
      { target: 'exporter', encoding: 'identity', connections: 1 },
      { target: 'node_static', encoding: 'identity', connections: 1 },
      { target: 'exporter', encoding: 'gzip' },
      { target: 'node_static', encoding: 'gzip' },
      { target: 'nginx_static', encoding: 'gzip' },
      { target: 'node_static_gzip_once', encoding: 'gzip' },
    ];
    const series: ScrapeSeries[] = [];
    for (const p of plan) {
      const probe = await get(urls[p.target], p.encoding === 'gzip');
      // A baseline that does not serve what was asked would make every figure meaningless: stop now.
      if (!p.target.startsWith('exporter') && probe.encoding !== p.encoding) throw new Error(`${p.target} served ${probe.encoding} when ${p.encoding} was asked`);
      // The exporter's gzip body is assembled from parts compressed apart: it must read as the same exposition (only age values move).
      if (p.target === 'exporter' && probe.encoding === 'gzip' && lineCount(gunzipSync(probe.body)) !== lineCount(ours.body)) throw new Error('the exporter\'s gzip body does not decompress to its exposition');
      series.push({ ...p, connections: p.connections ?? options.connections, runs: [], servedEncoding: probe.encoding });
    }
    for (let rep = 0; rep < options.reps; rep++) {
      for (const s of series) {
        const cpu = cpuOf[s.target];
        const cpuBefore = await cpu?.();
        const result = await runLoad(urls[s.target], {
          connections: s.connections,
          durationS: s.connections === 1 ? options.singleConnectionSeconds : options.seconds,
          headers: s.encoding === 'gzip' ? { 'Accept-Encoding': 'gzip' } : {},
        });
        const cpuMsPerRequest = cpu && cpuBefore !== undefined && result.requests > 0 ? ((await cpu()) - cpuBefore) / result.requests : undefined;
        s.runs.push({ ...result, cpuMsPerRequest });
        const cpuText = cpuMsPerRequest === undefined ? '' : `, ${cpuMsPerRequest.toFixed(2)} ms CPU/request`;
        const connectionsText = s.connections === options.connections ? '' : `, ${s.connections} connection${s.connections === 1 ? '' : 's'}`;
        options.log(`  scrape ${s.target} ${s.encoding}${connectionsText} run ${rep + 1}: median ${result.medianMs.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.requestsPerSecond.toFixed(1)} req/s${cpuText}`);
      }
    }
    const lines = ours.body.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const staticMemory = await staticServer.call<Memory>('memory');
    return { exposition: { bytes: ours.body.length, gzipBytes: node.gzipBytes, lines }, nginxVersion: nginx.version, series, staticMemory };
  } finally {
    await nginx?.stop();
    await staticServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
