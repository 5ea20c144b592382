/**
 * Benchmark worker: the exporter as users run it (startExporter: poller, clients, registry, HTTP),
 * in its own process so that its CPU time and RSS are measured alone. Cycles are driven by the
 * harness (`tick`); the schedule never fires during a run.
 */
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { DEFAULTS } from '../../src/config/schema.js';
import { parseDuration } from '../../src/config/duration.js';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { buildProgram } from '../../src/cli.js';
import { createLogger } from '../../src/log.js';
import { serve } from '../lib/rpc.js';
import { cpuTime, memoryAfterGc } from '../lib/process-figures.js';
import { benchPaths } from '../lib/paths.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

let exporter: Exporter | undefined;
// What `node dist/src/main.js` loads and builds before it starts the exporter (the command line and
// its subcommands' definitions, kept while it runs), so that the memory figures are those of the
// process users run.
export const program = buildProgram();
let warnings = 0;

serve({
  start: async (args: { endpoint: string; paths: number; concurrency: number; disableExporterMetrics?: boolean; fetch?: 'undici' | 'global' }) => {
    const logger = createLogger({
      level: 'warn',
      destination: {
        write: () => {
          warnings += 1;
        },
      },
    });
    exporter = await startExporter({
      config: {
        ...UNWRITTEN_SECTIONS,
        // Once a year: the harness drives every cycle itself with `tick`.
        poll: {
          schedule: '0 0 1 1 *',
          concurrency: args.concurrency,
          requestTimeoutMs: 30_000,
          maxStalenessMs: 3_600_000,
          maxResponseBytes: 4 * 1024 * 1024,
          storeRecheckIntervalMs: parseDuration(DEFAULTS.store_recheck_interval),
        },
        clusters: [{ name: 'bench', endpoint: args.endpoint, contentPaths: benchPaths(args.paths) }],
      },
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      disableExporterMetrics: args.disableExporterMetrics ?? false,
      logger,
      // What ky runs on (src/servicefabric/http.ts), for the comparison of the two.
      ...(args.fetch ? { clientOverrides: () => ({ fetch: args.fetch }) } : {}),
    });
    // startExporter runs the first cycle at once; wait for it so that `tick` is never "skipped".
    while (!exporter.poller.current()) await new Promise((r) => setTimeout(r, 5));
    return { address: exporter.address };
  },
  /** One poll cycle: its wall time and the CPU time this process spent in it, then the render of its snapshot. */
  tick: async () => {
    if (!exporter) throw new Error('not started');
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await exporter.poller.tick();
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    // The exposition of the new snapshot is rendered right after the cycle (an immediate queued when
    // the snapshot was published): this one runs after it, so the wait is the render's time.
    const r0 = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    const renderMs = performance.now() - r0;
    const snapshot = exporter.poller.current();
    const failed = snapshot?.paths.filter((p) => !p.success).length ?? -1;
    const sessions = snapshot?.paths.reduce((n, p) => n + p.sessions.length, 0) ?? 0;
    return { wallMs, cpuMs: (used.user + used.system) / 1000, renderMs, failed, sessions, warnings };
  },
  /** Heap and RSS after a forced GC. */
  memory: memoryAfterGc,
  /** V8's heap spaces (used and committed, MB) and a heap snapshot when `snapshot` names a file: where the memory goes. */
  heapSpaces: (args?: { snapshot?: string }) => {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { usedMB: +(s.space_used_size / 1048576).toFixed(1), committedMB: +(s.physical_space_size / 1048576).toFixed(1) }]));
    return { spaces, snapshot: args?.snapshot ? writeHeapSnapshot(args.snapshot) : undefined };
  },
  /** RSS now, without a GC: sampled while the scrapes run. */
  rss: () => process.memoryUsage.rss(),
  /** CPU time of this process so far, ms. */
  cpu: cpuTime,
  close: async () => {
    await exporter?.close();
  },
});
