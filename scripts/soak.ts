/**
 * Test-speed soak: the exporter polls a simulated cluster at a compressed schedule (one cycle per
 * `--interval-ms`, default 100 ms) for `--cycles` cycles (default 1,000) while sessions are created,
 * progress, are committed, deleted and expire, and one-shot faults hit random paths. After warm-up,
 * heap (after a forced GC) and RSS must not grow by more than 10 % over their warm-up values, and at the end the
 * exposed session series must equal the live sessions. Run with `node --expose-gc` (`npm run soak`).
 * Prints one JSON line with the figures; exits 1 when a criterion fails.
 */
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startExporter } from '../src/exporter.js';
import { createLogger } from '../src/log.js';
import { startSimulator } from '../src/simulator/server.js';
import type { FaultRuleInput } from '../src/simulator/faults.js';
import { UNWRITTEN_SECTIONS } from '../src/config/schema.js';

interface Options {
  cycles: number;
  intervalMs: number;
  warmup: number;
}

function options(argv: string[]): Options {
  const get = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const cycles = get('cycles', 1000);
  return { cycles, intervalMs: get('interval-ms', 100), warmup: get('warmup', Math.max(1, Math.floor(cycles / 5))) };
}

const PATHS = Array.from({ length: 12 }, (_, i) => `Soak\\App${i}\\pkg.sfpkg`);
const TOLERANCE = 0.1;
const REQUEST_TIMEOUT_MS = 300;
const MINUTE = 60_000;

/** One-shot faults, as a sick gateway produces them now and then. */
const FAULTS: Array<Omit<FaultRuleInput, 'path'>> = [
  { kind: 'status', status: 503 },
  { kind: 'status', status: 500, code: 'E_FAIL' },
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'reset' },
  { kind: 'reset', resetAfterBytes: 10 },
  { kind: 'invalid_json' },
  { kind: 'wrong_shape', shape: 'numbers' },
  { kind: 'wrong_shape', shape: 'duplicate_session_ids' },
  { kind: 'latency', latencyMs: 30 },
  { kind: 'large_body', bodyBytes: 8 * 1024 * 1024 },
  // Past the request timeout: the paths with timers, aborts and socket teardown, where leaks hide.
  { kind: 'latency', latencyMs: 2 * REQUEST_TIMEOUT_MS },
  { kind: 'stall' },
];

/** A loopback port that nothing listens on (opened, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A small deterministic PRNG, so that a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Memory {
  cycle: number;
  heapUsed: number;
  rss: number;
}

function measure(cycle: number): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run soak)');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { cycle, heapUsed: usage.heapUsed, rss: usage.rss };
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const rand = random(20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  // The simulator's clock runs a minute per cycle, so it starts that many minutes back: a session's
  // ModifiedDate is never ahead of the exporter's clock, which it reads as an invalid answer beyond
  // a few minutes of skew.
  let clock = Date.now() - (opts.cycles + 1) * MINUTE;
  const sim = await startSimulator({ now: () => clock, sessionTimeoutMs: 30 * MINUTE, cleanupIntervalMs: 3_600_000 });
  let warnings = 0;
  const logger = createLogger({
    level: 'warn',
    destination: {
      // The paths' failed polls only: the refusing cluster's capacity poll fails every cycle too,
      // with its own line, which is not one of them.
      write: (line: string) => {
        if (line.includes('"msg":"poll failed')) warnings += 1;
      },
    },
  });
  const exporter = await startExporter({
    config: {
      ...UNWRITTEN_SECTIONS,
      poll: { schedule: '0 0 1 1 *', concurrency: 4, requestTimeoutMs: REQUEST_TIMEOUT_MS, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
      clusters: [
        { name: 'soak', endpoint: sim.url, contentPaths: PATHS },
        // A gateway that refuses every connection: a failed poll in every cycle.
        { name: 'refused', endpoint: `http://127.0.0.1:${await closedPort()}`, contentPaths: ['Refused\\pkg.sfpkg'] },
      ],
    },
    listen: { host: '127.0.0.1', port: 0 },
    telemetryPath: '/metrics',
    disableExporterMetrics: false,
    logger,
  });

  // The start-up cycle first, so that the loop's first tick is not skipped as overlapping.
  while (!exporter.poller.current()) await sleep(10);
  const samples: Memory[] = [];
  const started = performance.now();
  let tickMs = 0;
  let scrapeMs = 0;
  let faults = 0;
  let scrapes = 0;
  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    const cycleStart = performance.now();
    // Churn: new uploads, chunks arriving, commits, deletes, and an hour's idle sessions expiring.
    clock += MINUTE;
    for (let n = Math.floor(rand() * 4); n > 0; n--) sim.store.putSession({ path: pick(PATHS), fileSize: 1 + Math.floor(rand() * 10_000_000) });
    const live = sim.store.all();
    for (const s of live) {
      const r = rand();
      const missing = sim.store.expectedRanges(s);
      if (r < 0.3 && missing.length > 0) {
        const gap = missing[0]!;
        const end = Math.min(gap.end, gap.start + Math.floor(rand() * s.fileSize));
        sim.store.addChunk(s.path, s.sessionId, gap.start, end, s.fileSize);
      } else if (r < 0.35 && missing.length === 0) sim.store.commit(s.sessionId);
      else if (r < 0.37) sim.store.delete(s.sessionId);
    }
    sim.store.expire();
    if (rand() < 0.15) {
      sim.faults.add({ ...pick(FAULTS), path: pick(PATHS), times: 1 });
      faults += 1;
    }
    const t0 = performance.now();
    await exporter.poller.tick();
    const t1 = performance.now();
    const res = await fetch(`http://${exporter.address}/metrics`);
    if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
    await res.text();
    scrapes += 1;
    tickMs += t1 - t0;
    scrapeMs += performance.now() - t1;
    if (cycle >= opts.warmup && (cycle - opts.warmup) % 50 === 0) samples.push(measure(cycle));
    const rest = opts.intervalMs - (performance.now() - cycleStart);
    if (rest > 0) await sleep(rest);
  }
  if (samples.at(-1)?.cycle !== opts.cycles) samples.push(measure(opts.cycles));
  const elapsedS = (performance.now() - started) / 1000;

  // The end: faults cleared and backoffs run out, one clean cycle, then series must match sessions.
  sim.faults.clear();
  await sleep(1100);
  await exporter.poller.tick();
  const text = await (await fetch(`http://${exporter.address}/metrics`)).text();
  const exposed = text.split('\n').filter((l) => l.startsWith('servicefabric_imagestore_upload_session_remaining_bytes{')).length;
  const liveSessions = sim.store.all().filter((s) => PATHS.includes(s.path)).length;
  const snapshot = exporter.poller.current();
  const failedPolls = (snapshot?.paths ?? []).reduce((n, p) => n + Object.values(p.failuresTotal).reduce((a, b) => a + (b ?? 0), 0), 0);
  await exporter.close();
  await sim.close();

  const base = samples[0]!;
  const last = samples.at(-1)!;
  const ratio = (a: number, b: number): number => Math.round((a / b - 1) * 1000) / 10;
  const maxHeap = Math.max(...samples.map((s) => s.heapUsed));
  const maxRss = Math.max(...samples.map((s) => s.rss));
  const result = {
    node: process.version,
    cycles: opts.cycles,
    interval_ms: opts.intervalMs,
    elapsed_s: Math.round(elapsedS * 10) / 10,
    scrapes,
    mean_cycle_ms: Math.round((tickMs / opts.cycles) * 10) / 10,
    mean_scrape_ms: Math.round((scrapeMs / opts.cycles) * 10) / 10,
    faults_injected: faults,
    failed_polls: failedPolls,
    failure_log_lines: warnings,
    cycles_skipped: snapshot?.cyclesSkippedTotal ?? -1,
    heap_used_mb: { warmup: mb(base.heapUsed), end: mb(last.heapUsed), max: mb(maxHeap), change_pct: ratio(last.heapUsed, base.heapUsed), max_change_pct: ratio(maxHeap, base.heapUsed) },
    rss_mb: { warmup: mb(base.rss), end: mb(last.rss), max: mb(maxRss), change_pct: ratio(last.rss, base.rss), max_change_pct: ratio(maxRss, base.rss) },
    heap_trend_mb: samples.map((m) => mb(m.heapUsed)),
    exposed_session_series: exposed,
    live_sessions: liveSessions,
  };
  const failures: string[] = [];
  // Only growth is a leak: a heap or RSS that shrinks after warm-up (the allocator handing pages
  // back) must not fail the soak.
  if (last.heapUsed / base.heapUsed - 1 > TOLERANCE) failures.push(`heap grew by ${result.heap_used_mb.change_pct}% after warm-up`);
  if (last.rss / base.rss - 1 > TOLERANCE) failures.push(`RSS grew by ${result.rss_mb.change_pct}% after warm-up`);
  if (exposed !== liveSessions) failures.push(`${exposed} session series exposed for ${liveSessions} live sessions`);
  if (warnings !== failedPolls) failures.push(`${warnings} warning lines for ${failedPolls} failed polls (expected exactly one each)`);
  process.stdout.write(`${JSON.stringify({ ...result, ok: failures.length === 0, failures })}\n`);
  return failures.length === 0 ? 0 : 1;
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

process.exitCode = await main();
