/**
 * `npm run bench` (`-- --quick` for the CI smoke run): measures the exporter against the physical
 * limits of its work and prints one table, each figure beside its limit with their ratio and the
 * issue's target (PASS/FAIL). Writes bench/results/latest.json (full) or bench/results/quick.json.
 *
 * Exit status: 0 when the harness ran (whatever the verdicts), 1 when it broke (a worker failed, a
 * poll failed, a load run had errors, a baseline did not serve what was asked). `--strict` also
 * exits 2 when a target FAILs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FULL, QUICK, type BenchMode } from './lib/mode.js';
import { describeMachine } from './lib/machine.js';
import { spread, round, type Spread } from './lib/stats.js';
import { withCluster, type Memory, type Tick } from './lib/cluster.js';
import { startWorker, type Worker } from './lib/rpc.js';
import { measureCycles, type PollRun } from './poll.js';
import { measureSdk, type SdkRun } from './sdk.js';
import { measureScrape, type ScrapeRun, type ScrapeSeries } from './scrape.js';
import { measureChurn, type ChurnRun } from './memory.js';
import { measureMemoryAtScale, type ScaleMemory } from './memory-scale.js';
import { measureStoreLookups, type StoreRun } from './store.js';
import { measureDecode, type DecodeRun } from './decode.js';
import { measureRequests, type RequestsRun } from './requests.js';
import { GZIP_LEVEL } from '../src/web/compress.js';
import { DEFAULTS } from '../src/config/schema.js';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { RECHECK_SPREAD } from '../src/poller/recheck.js';

/** One line of the table. */
interface Verdict {
  readonly figure: string;
  readonly ours: string;
  readonly limit: string;
  readonly ratio: number | undefined;
  readonly target: string;
  /** undefined: reported without a target. */
  readonly pass: boolean | undefined;
}

const MB = 1024 * 1024;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function harnessCheck(ok: boolean, what: string): void {
  if (!ok) throw new Error(`harness check failed: ${what}`);
}

function fmtSpread(s: Spread, unit: string, digits = 1): string {
  return `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)}, n=${s.n})`;
}

function spreadJson(s: Spread, digits = 3): Spread {
  return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits), n: s.n };
}

/** The series of `target` and `encoding` under the mode's connections, or under `connections`. */
function seriesOf(run: ScrapeRun, target: ScrapeSeries['target'], encoding: ScrapeSeries['encoding'], connections?: number): ScrapeSeries {
  const s = run.series.find((x) => x.target === target && x.encoding === encoding && (connections === undefined ? x.connections !== 1 : x.connections === connections));
  if (!s) throw new Error(`no scrape series ${target} ${encoding}${connections === undefined ? '' : ` with ${connections} connections`}`);
  return s;
}

function loadFigures(s: ScrapeSeries) {
  return {
    served_encoding: s.servedEncoding,
    median_ms: spreadJson(spread(s.runs.map((r) => r.medianMs))),
    p99_ms: spreadJson(spread(s.runs.map((r) => r.p99Ms))),
    requests_per_second: spreadJson(spread(s.runs.map((r) => r.requestsPerSecond)), 1),
    bytes_per_response: Math.round(spread(s.runs.map((r) => r.bytesPerResponse)).median),
    errors: s.runs.reduce((n, r) => n + r.errors, 0),
    cpu_ms_per_request: s.runs.every((r) => r.cpuMsPerRequest !== undefined) ? spreadJson(spread(s.runs.map((r) => r.cpuMsPerRequest as number))) : undefined,
  };
}

function memoryJson(m: Memory) {
  return { rss_mb: round(m.rss / MB, 1), heap_used_mb: round(m.heapUsed / MB, 1), heap_total_mb: round(m.heapTotal / MB, 1), external_mb: round(m.external / MB, 1), array_buffers_mb: round(m.arrayBuffers / MB, 1) };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const mode: BenchMode = argv.includes('--quick') ? QUICK : FULL;
  const strict = argv.includes('--strict');
  // `--memory`: only the memory at scale against the minimal holder (RSS ≤ 1.5 × what holding the bytes costs), a few minutes.
  const memoryOnly = argv.includes('--memory');
  // `--requests`: only the section "requests to the cluster", a minute or two.
  const requestsOnly = argv.includes('--requests');
  // `--memory-scale=PATHSxSESSIONS` (repeatable) measures only those scales: for investigating one.
  const only = argv.filter((a) => a.startsWith('--memory-scale=')).map((a) => a.slice('--memory-scale='.length).split('x').map(Number));
  // `--decode`: only /-/healthy while a hostile cluster's CESU-8 answers are decoded, about a minute.
  const decodeOnly = argv.includes('--decode');
  const started = performance.now();
  const machine = describeMachine();
  log(`bench (${mode.name}${memoryOnly ? ', memory only' : ''}${decodeOnly ? ', decode only' : ''}${requestsOnly ? ', requests only' : ''}) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  const polls: PollRun[] = [];
  let sdk: SdkRun | undefined;
  let floor: SdkRun | undefined;
  let kyFloor: SdkRun | undefined;
  let kyFloorGlobal: SdkRun | undefined;
  /** The exporter at scale with ky over Node's global fetch instead of the one on undici.request. */
  const globalFetch: Tick[] = [];
  let scrape: ScrapeRun | undefined;
  let scaleMemory: Memory | undefined;
  const { latencyMs, concurrency } = mode;

  const skipRest = memoryOnly || decodeOnly || requestsOnly;
  for (const paths of skipRest ? [] : mode.pollSizes) {
    const reps = mode.pollReps(paths);
    log(`poll: ${paths} paths, ${latencyMs} ms latency, concurrency ${concurrency}, ${reps} cycles`);
    await withCluster({ paths, sessionsPerPath: 1, latencyMs, concurrency }, async (cluster) => {
      const run = await measureCycles(cluster, paths, reps, latencyMs, concurrency);
      harnessCheck(run.failedPolls === 0, `${run.failedPolls} polls failed at ${paths} paths`);
      harnessCheck(run.sessionsSeen === cluster.sessions, `the exporter saw ${run.sessionsSeen} of ${cluster.sessions} sessions`);
      polls.push(run);
      log(`  cycles: ${run.wallMs.map((w) => w.toFixed(0)).join(', ')} ms (ideal ${run.idealMs.toFixed(0)} ms); CPU ${run.cpuMs.map((c) => c.toFixed(0)).join(', ')} ms`);
      if (paths !== mode.scalePaths) return;
      log(`sdk: azure-servicefabric, ${paths} paths, concurrency ${concurrency}, ${mode.sdkReps} polls`);
      sdk = await measureSdk(cluster.simulatorUrl, paths, concurrency, mode.sdkReps);
      harnessCheck(sdk.failed === 0, `${sdk.failed} SDK calls failed`);
      log(`  polls: ${sdk.wallMs.map((w) => w.toFixed(0)).join(', ')} ms; CPU ${sdk.cpuMs.map((c) => c.toFixed(0)).join(', ')} ms`);
      log(`floor: bare undici dispatches, ${paths} paths, concurrency ${concurrency}, ${mode.sdkReps} polls`);
      floor = await measureSdk(cluster.simulatorUrl, paths, concurrency, mode.sdkReps, 'floor');
      harnessCheck(floor.failed === 0, `${floor.failed} bare-client requests failed`);
      log(`  polls: ${floor.wallMs.map((w) => w.toFixed(0)).join(', ')} ms; CPU ${floor.cpuMs.map((c) => c.toFixed(0)).join(', ')} ms`);
      log(`ky floor: bare ky GETs through the exporter's ky instance, ${paths} paths, concurrency ${concurrency}, ${mode.sdkReps} polls`);
      kyFloor = await measureSdk(cluster.simulatorUrl, paths, concurrency, mode.sdkReps, 'ky-floor');
      harnessCheck(kyFloor.failed === 0, `${kyFloor.failed} bare ky requests failed`);
      log(`  polls: ${kyFloor.wallMs.map((w) => w.toFixed(0)).join(', ')} ms; CPU ${kyFloor.cpuMs.map((c) => c.toFixed(0)).join(', ')} ms`);
      log(`ky floor over the global fetch: ${paths} paths, concurrency ${concurrency}, ${mode.sdkReps} polls`);
      kyFloorGlobal = await measureSdk(cluster.simulatorUrl, paths, concurrency, mode.sdkReps, 'ky-floor', { fetch: 'global' });
      harnessCheck(kyFloorGlobal.failed === 0, `${kyFloorGlobal.failed} bare ky requests over the global fetch failed`);
      log(`  polls: ${kyFloorGlobal.wallMs.map((w) => w.toFixed(0)).join(', ')} ms; CPU ${kyFloorGlobal.cpuMs.map((c) => c.toFixed(0)).join(', ')} ms`);
      log(`poll, ky over the global fetch: ${paths} paths, ${mode.sdkReps} cycles`);
      const globalWorker = await startWorker('exporter');
      try {
        await globalWorker.call('start', { endpoint: cluster.simulatorUrl, paths, concurrency, fetch: 'global' });
        await globalWorker.call('tick');
        for (let i = 0; i < mode.sdkReps; i++) globalFetch.push(await globalWorker.call<Tick>('tick'));
      } finally {
        await globalWorker.stop();
      }
      harnessCheck(globalFetch.every((t) => t.failed === 0), 'polls failed with ky over the global fetch');
      log(`  cycles: ${globalFetch.map((t) => t.wallMs.toFixed(0)).join(', ')} ms; CPU ${globalFetch.map((t) => t.cpuMs.toFixed(0)).join(', ')} ms`);
      log(`scrape: ${cluster.sessions} sessions, wrk ${mode.connections} connections, ${mode.loadSeconds} s runs, ${mode.loadReps} rounds`);
      const cpuOf = (worker: Worker) => async (): Promise<number> => (await worker.call<{ cpuMs: number }>('cpu')).cpuMs;
      // A second exporter over the same sessions, without prom-client's default collectors.
      const bareWorker = await startWorker('exporter');
      try {
        const bare = await bareWorker.call<{ address: string }>('start', { endpoint: cluster.simulatorUrl, paths, concurrency, disableExporterMetrics: true });
        scrape = await measureScrape(
          { address: cluster.exporterAddress, cpuMs: cpuOf(cluster.exporter) },
          { address: bare.address, cpuMs: cpuOf(bareWorker) },
          { reps: mode.loadReps, seconds: mode.loadSeconds, connections: mode.connections, singleConnectionSeconds: mode.singleConnectionSeconds, log },
        );
      } finally {
        await bareWorker.stop();
      }
      for (const s of scrape.series) {
        harnessCheck(s.runs.every((r) => r.errors === 0), `${s.target} ${s.encoding}: load errors`);
        if (!s.target.startsWith('exporter')) harnessCheck(s.servedEncoding === s.encoding, `${s.target} served ${s.servedEncoding} when ${s.encoding} was asked`);
      }
      scaleMemory = await cluster.memory();
    });
  }

  // The requests the store lookups add when every path is idle and in the store: a found file is
  // looked up again only after the recheck interval, so an idle fleet costs few requests per cycle.
  let store: StoreRun | undefined;
  if (!skipRest) {
    const paths = mode.scalePaths;
    const cycles = mode.pollReps(paths);
    log(`store lookups: ${paths} paths, all idle and in the store, ${cycles} cycles after the start-up one`);
    store = await withCluster({ paths, sessionsPerPath: 0, storedFiles: true, latencyMs, concurrency }, (cluster) => measureStoreLookups(cluster, paths, cycles));
    harnessCheck(store.failedPolls === 0, `${store.failedPolls} polls failed during the store lookups`);
    harnessCheck(store.sessionRequests.every((n) => n === paths), `a cycle did not ask every path for its sessions: ${store.sessionRequests.join(', ')}`);
    harnessCheck(store.lookups[0] === paths, `the start-up cycle looked ${store.lookups[0]} of ${paths} paths up`);
    log(`  lookups per cycle: ${store.lookups.join(', ')} (start-up cycle first)`);
  }

  // Requests to the cluster: few paths uploading among many watched, in simulated time.
  let requests: RequestsRun | undefined;
  if (!memoryOnly && !decodeOnly) {
    const setup = mode.name === 'full' ? { paths: 10_000, uploading: 100, stored: 5_000, concurrency } : { paths: 1_000, uploading: 20, stored: 500, concurrency };
    // Warm-up past the start-up cycle and the first store rechecks (10 minutes, spread), then more than one idle interval.
    const cycles = mode.name === 'full' ? { warmupCycles: 30, measuredCycles: 20 } : { warmupCycles: 25, measuredCycles: 10 };
    log(`requests to the cluster: ${setup.paths} watched, ${setup.uploading} uploading, ${setup.stored} in the store, default schedule and idle_interval, simulated time`);
    requests = await measureRequests(setup, cycles);
    harnessCheck(requests.failedPolls === 0, `${requests.failedPolls} polls failed during the requests section`);
    log(`  requests per cycle: ${requests.perCycle.join(', ')}`);
  }

  let churn: ChurnRun | undefined;
  if (!skipRest) {
    const c = mode.churn;
    log(`memory: ${c.paths} paths × ${c.sessionsPerPath} sessions, ${c.cycles} churn cycles (${c.fraction * 100}% of sessions replaced per cycle), no added latency`);
    churn = await withCluster({ paths: c.paths, sessionsPerPath: c.sessionsPerPath, latencyMs: 0, concurrency }, (cluster) =>
      measureChurn(cluster, { cycles: c.cycles, warmup: c.warmup, fraction: c.fraction }),
    );
    harnessCheck(churn.failedPolls === 0, `${churn.failedPolls} polls failed during churn`);
    log(`  ${churn.elapsedS.toFixed(1)} s; RSS ${(churn.afterWarmup.rss / MB).toFixed(1)} -> ${(churn.atEnd.rss / MB).toFixed(1)} MB`);
  }

  let decode: DecodeRun | undefined;
  if (!memoryOnly && !requestsOnly) {
    log('decode: 8 answers of 4 MiB, ASCII but for one CESU-8 pair, against the same in ASCII; the built exporter, 3 cycles after the start-up one');
    decode = await measureDecode(log);
  }

  const m = mode.memory;
  if (!decodeOnly && !requestsOnly) log(`memory at scale vs the minimal holder: ${m.warmupCycles} cycles, then wrk ${mode.connections} connections, plain and gzip, ${m.seconds} s runs, ${m.rounds} rounds`);
  const scales: ScaleMemory[] = [];
  const chosen = decodeOnly || requestsOnly ? [] : only.length > 0 ? only.map(([paths, sessions]) => ({ paths: paths ?? 0, sessions: sessions ?? 0 })) : m.scales;
  for (const scale of chosen) {
    scales.push(await measureMemoryAtScale(scale, { concurrency, warmupCycles: m.warmupCycles, connections: mode.connections, seconds: m.seconds, rounds: m.rounds, log }));
  }

  // Verdicts.
  const verdicts: Verdict[] = [];
  const ratioLine = (figure: string, ours: string, limit: string, ratio: number | undefined, target: string, pass: boolean | undefined): void => {
    verdicts.push({ figure, ours, limit, ratio: ratio === undefined ? undefined : round(ratio, 2), target, pass });
  };
  for (const run of polls) {
    const wall = spread(run.wallMs);
    const ratios = spread(run.wallMs.map((w) => w / run.idealMs));
    const atScale = run.paths === mode.scalePaths;
    ratioLine(`poll cycle, ${run.paths.toLocaleString('en')} paths`, fmtSpread(wall, 'ms', 0), `${run.idealMs.toFixed(0)} ms ideal`, ratios.median, atScale ? '≤ 1.15' : '(shape)', atScale ? ratios.median <= 1.15 : undefined);
  }
  const scale = polls.find((p) => p.paths === mode.scalePaths);
  const largest = polls.at(-1);
  if (scale && largest && largest !== scale) {
    const perPath = (p: PollRun): number => spread(p.wallMs).median / p.paths;
    const growth = perPath(largest) / perPath(scale);
    ratioLine(`growth: time per path at ${largest.paths.toLocaleString('en')} / at ${scale.paths.toLocaleString('en')}`, `${(perPath(largest) * 1000).toFixed(1)} µs/path`, `${(perPath(scale) * 1000).toFixed(1)} µs/path`, growth, '≤ 1.15 (linear)', growth <= 1.15);
  }
  for (const run of polls) {
    const cpuPerK = spread(run.cpuMs.map((ms) => ms / 1000 / (run.paths / 1000)));
    const peer = run.paths === mode.scalePaths && sdk ? spread(sdk.cpuMs.map((ms) => ms / 1000 / (run.paths / 1000))) : undefined;
    // At scale, no more CPU per path than the official SDK spends: users compare the exporter with it.
    const ratio = peer ? cpuPerK.median / peer.median : undefined;
    ratioLine(`CPU per cycle per 1,000 paths, ${run.paths.toLocaleString('en')} paths`, fmtSpread(cpuPerK, 's', 3), peer ? `${peer.median.toFixed(3)} s (SDK)` : '—', ratio, peer ? '≤ 1 (SDK)' : '(reported)', ratio === undefined ? undefined : ratio <= 1);
  }
  if (scale && globalFetch.length > 0) {
    // What ky's fetch on undici.request (src/servicefabric/http.ts) saves over Node's global fetch.
    const global = spread(globalFetch.map((t) => t.cpuMs / scale.paths));
    const ours = spread(scale.cpuMs.map((ms) => ms / scale.paths));
    ratioLine(`CPU per cycle per 1,000 paths, ${scale.paths.toLocaleString('en')} paths, ky over undici.request vs over the global fetch`, fmtSpread(ours, 's', 3), fmtSpread(global, 's', 3), ours.median / global.median, '(reported)', undefined);
  }
  if (kyFloor && scale) {
    const cpuPerK = (run: SdkRun): string => `${spread(run.cpuMs.map((ms) => ms / 1000 / (scale.paths / 1000))).median.toFixed(3)} s`;
    ratioLine(`CPU per 1,000 GETs, ${scale.paths.toLocaleString('en')} paths: bare ky vs bare undici`, cpuPerK(kyFloor), floor ? cpuPerK(floor) : '—', floor ? spread(kyFloor.cpuMs).median / spread(floor.cpuMs).median : undefined, '(reported)', undefined);
    if (kyFloorGlobal) {
      ratioLine(`CPU per 1,000 GETs, ${scale.paths.toLocaleString('en')} paths: bare ky over undici.request vs over the global fetch`, cpuPerK(kyFloor), cpuPerK(kyFloorGlobal), spread(kyFloor.cpuMs).median / spread(kyFloorGlobal.cpuMs).median, '(reported)', undefined);
    }
  }
  for (const run of polls) {
    // Not part of the cycle: the snapshot is published first, its exposition rendered right after.
    ratioLine(`render of a new snapshot, ${run.paths.toLocaleString('en')} sessions (after the cycle)`, fmtSpread(spread(run.renderMs), 'ms', 0), '—', undefined, '(reported)', undefined);
  }
  if (floor && scale) {
    const f = spread(floor.wallMs);
    const ours = spread(scale.wallMs);
    ratioLine(`bare-client floor, ${scale.paths.toLocaleString('en')} paths (this machine's limit)`, fmtSpread(f, 'ms', 0), `${scale.idealMs.toFixed(0)} ms ideal`, f.median / scale.idealMs, '(limit)', undefined);
    // Reported only: ky, the client every request goes through, costs more per request than bare
    // undici, so the target is held against the bare ky floor below.
    ratioLine(`poll cycle vs bare-client floor, ${scale.paths.toLocaleString('en')} paths`, fmtSpread(ours, 'ms', 0), fmtSpread(f, 'ms', 0), ours.median / f.median, '(reported)', undefined);
  }
  if (kyFloor && scale) {
    const k = spread(kyFloor.wallMs);
    const ours = spread(scale.wallMs);
    ratioLine(`bare ky floor, ${scale.paths.toLocaleString('en')} paths (the same GETs through ky, bodies discarded)`, fmtSpread(k, 'ms', 0), `${scale.idealMs.toFixed(0)} ms ideal`, k.median / scale.idealMs, '(limit)', undefined);
    ratioLine(`poll cycle vs bare ky floor, ${scale.paths.toLocaleString('en')} paths`, fmtSpread(ours, 'ms', 0), fmtSpread(k, 'ms', 0), ours.median / k.median, '≤ 1.15', ours.median / k.median <= 1.15);
  }
  if (sdk && scale) {
    const ours = spread(scale.wallMs);
    const theirs = spread(sdk.wallMs);
    ratioLine(`poll cycle vs official SDK, ${scale.paths.toLocaleString('en')} paths`, fmtSpread(ours, 'ms', 0), `${fmtSpread(theirs, 'ms', 0)} SDK`, ours.median / theirs.median, '< 1', ours.median < theirs.median);
    if (globalFetch.length > 0) {
      const global = spread(globalFetch.map((t) => t.wallMs));
      ratioLine(`poll cycle with ky over the global fetch vs official SDK, ${scale.paths.toLocaleString('en')} paths`, fmtSpread(global, 'ms', 0), `${fmtSpread(theirs, 'ms', 0)} SDK`, global.median / theirs.median, '(reported)', undefined);
    }
  }
  if (scrape) {
    for (const encoding of ['identity', 'gzip'] as const) {
      const ours = seriesOf(scrape, 'exporter', encoding);
      const oursMedian = spread(ours.runs.map((r) => r.medianMs));
      const node = spread(seriesOf(scrape, 'node_static', encoding).runs.map((r) => r.medianMs));
      const nginx = spread(seriesOf(scrape, 'nginx_static', encoding).runs.map((r) => r.medianMs));
      const label = encoding === 'gzip' ? `gzip level ${GZIP_LEVEL}` : 'plain';
      const servedRight = ours.servedEncoding === encoding;
      ratioLine(`/metrics median latency, ${label}, vs Node static buffer`, fmtSpread(oursMedian, 'ms', 2), fmtSpread(node, 'ms', 2), oursMedian.median / node.median, '≤ 1.5', servedRight && oursMedian.median / node.median <= 1.5);
      ratioLine(`/metrics median latency, ${label}, vs nginx static file`, fmtSpread(oursMedian, 'ms', 2), fmtSpread(nginx, 'ms', 2), oursMedian.median / nginx.median, '(reported)', undefined);
      const cpu = (target: ScrapeSeries['target']) => spread(seriesOf(scrape as ScrapeRun, target, encoding).runs.map((r) => r.cpuMsPerRequest ?? Number.NaN));
      const ourCpu = cpu('exporter');
      const nodeCpu = cpu('node_static');
      ratioLine(`CPU time per request, ${label}, vs Node static buffer`, fmtSpread(ourCpu, 'ms', 2), fmtSpread(nodeCpu, 'ms', 2), ourCpu.median / nodeCpu.median, '(reported)', undefined);
      if (encoding === 'identity') {
        const bareMedian = spread(seriesOf(scrape, 'exporter_bare', encoding).runs.map((r) => r.medianMs));
        const bareCpu = cpu('exporter_bare');
        ratioLine('/metrics median latency, plain, without process_/nodejs_ metrics, vs Node static buffer', fmtSpread(bareMedian, 'ms', 2), fmtSpread(node, 'ms', 2), bareMedian.median / node.median, '(reported)', undefined);
        ratioLine('CPU time per request, plain, without process_/nodejs_ metrics, vs Node static buffer', fmtSpread(bareCpu, 'ms', 2), fmtSpread(nodeCpu, 'ms', 2), bareCpu.median / nodeCpu.median, '(reported)', undefined);
        // One scrape at a time, as one Prometheus server scrapes: latency without queueing behind other connections.
        const single = spread(seriesOf(scrape, 'exporter', encoding, 1).runs.map((r) => r.medianMs));
        const singleNode = spread(seriesOf(scrape, 'node_static', encoding, 1).runs.map((r) => r.medianMs));
        ratioLine('/metrics median latency, plain, 1 connection, vs Node static buffer', fmtSpread(single, 'ms', 2), fmtSpread(singleNode, 'ms', 2), single.median / singleNode.median, '≤ 1.5 (proposed)', servedRight && single.median / singleNode.median <= 1.5);
      }
      if (encoding === 'gzip') {
        // The limit of a gzip scrape: a Node server sending bytes of the same exposition compressed once.
        const once = spread(seriesOf(scrape, 'node_static_gzip_once', 'gzip').runs.map((r) => r.medianMs));
        const ratio = oursMedian.median / once.median;
        ratioLine(`/metrics median latency, gzip, ${mode.scalePaths.toLocaleString('en')} sessions, vs the compress-once server`, fmtSpread(oursMedian, 'ms', 2), fmtSpread(once, 'ms', 2), ratio, '≤ 3', servedRight && ratio <= 3);
        const onceCpu = cpu('node_static_gzip_once');
        ratioLine('CPU time per request, gzip, vs the compress-once server', fmtSpread(ourCpu, 'ms', 2), fmtSpread(onceCpu, 'ms', 2), ourCpu.median / onceCpu.median, '(reported)', undefined);
      }
    }
  }
  if (requests) {
    const r = requests;
    const naive = r.setup.paths;
    ratioLine(
      `requests to the cluster per cycle, ${naive.toLocaleString('en')} watched, ${r.setup.uploading} uploading, ${r.setup.stored.toLocaleString('en')} in the store`,
      r.meanPerCycle.toFixed(0),
      `${naive.toLocaleString('en')} naive`,
      r.ratio,
      '≤ 0.15',
      r.ratio <= 0.15,
    );
    const coldBoundS = (r.idleIntervalMs + r.schedulePeriodMs) / 1000;
    ratioLine('freshness: a session on a cold path in the snapshot after', `${r.coldSessionSeenS} s`, `${coldBoundS} s`, r.coldSessionSeenS / coldBoundS, '≤ 1', r.coldSessionSeenS <= coldBoundS);
    ratioLine('freshness: a session on a file of a package with a hot file, after', `${r.siblingSeenS} s`, `${r.schedulePeriodMs / 1000} s`, r.siblingSeenS / (r.schedulePeriodMs / 1000), '≤ 1', r.siblingSeenS <= r.schedulePeriodMs / 1000);
    // The stall alert fires once a session is 600 s past its last chunk, timed by ModifiedDate: first
    // sight within idle_interval plus a cycle, under 600 s, makes it fire when it would have anyway.
    ratioLine('freshness: stall alert not delayed (first sight of a cold session vs the 600 s stall age)', `${coldBoundS} s at most`, '600 s', coldBoundS / 600, '< 1', coldBoundS < 600);
  }
  if (store) {
    const n = store.paths;
    const at = `${n.toLocaleString('en')} paths idle and in the store`;
    const first = store.lookups[0] ?? 0;
    const steady = store.lookups.slice(1);
    const most = Math.max(...steady);
    ratioLine(`store lookups, start-up cycle, ${at}`, `${first.toLocaleString('en')}`, `${n.toLocaleString('en')} paths`, first / n, '(reported)', undefined);
    ratioLine(`extra requests per cycle after the first, ${at} (most of ${steady.length} cycles)`, `${most.toLocaleString('en')}`, `${n.toLocaleString('en')} GetUploadSession`, most / n, '≤ 0.01', most / n <= 0.01);
    // Rechecks come due only a recheck interval (plus a share of up to RECHECK_SPREAD of it) after
    // the lookup: beyond these back-to-back cycles. Averaged over that time, at the default schedule.
    const recheckMs = parseDuration(DEFAULTS.store_recheck_interval);
    const scheduleMs = 30_000;
    const amortised = (n * scheduleMs) / ((1 + RECHECK_SPREAD / 2) * recheckMs);
    ratioLine(
      `extra requests per cycle averaged over the recheck interval (${formatDuration(recheckMs)}), every 30 s, ${at} (derived: paths × 30 s ÷ ${1 + RECHECK_SPREAD / 2} × interval)`,
      amortised.toFixed(0),
      `${n.toLocaleString('en')} GetUploadSession`,
      amortised / n,
      '(reported)',
      undefined,
    );
  }
  // Memory at scale (target: RSS ≤ 1.5 × the minimal holder): the exporter after warm-up and the scrape runs, after forced GCs,
  // against the minimal holder of the same exposition read the same way.
  const mem = (x: Memory): string => `${(x.rss / MB).toFixed(1)} MB (heap ${(x.heapUsed / MB).toFixed(1)}, ext ${(x.external / MB).toFixed(1)}, ab ${(x.arrayBuffers / MB).toFixed(1)})`;
  for (const s of scales) {
    const isTarget = s.paths === m.target.paths && s.sessions === m.target.sessions;
    const ratio = s.exporter.rss / s.holder.rss;
    ratioLine(`RSS at ${s.paths.toLocaleString('en')} paths, ${s.sessions.toLocaleString('en')} sessions, after warm-up and scrapes, vs the minimal holder`, mem(s.exporter), mem(s.holder), ratio, isTarget ? '≤ 1.5' : '(reported)', isTarget ? ratio <= 1.5 : undefined);
    ratioLine(`peak RSS under scrapes, ${s.paths.toLocaleString('en')} paths, ${s.sessions.toLocaleString('en')} sessions, vs the minimal holder`, `${(s.exporterPeakRss / MB).toFixed(1)} MB`, `${(s.holderPeakRss / MB).toFixed(1)} MB`, s.exporterPeakRss / s.holderPeakRss, '(reported)', undefined);
  }
  const costs = memoryCosts(scales, m.target.paths);
  if (costs.perPathKiB !== undefined) ratioLine(`RSS per path (no sessions), ${costs.basePaths}–${m.target.paths.toLocaleString('en')} paths`, `${costs.perPathKiB.toFixed(1)} KiB`, '—', undefined, '(reported)', undefined);
  if (costs.perSessionKiB !== undefined) ratioLine(`RSS per session at ${m.target.paths.toLocaleString('en')} paths, ${costs.sessionRange}`, `${costs.perSessionKiB.toFixed(1)} KiB (holder ${costs.holderPerSessionKiB?.toFixed(1)} KiB)`, '—', undefined, '(reported)', undefined);
  if (churn) {
    const rssChange = churn.atEnd.rss / churn.afterWarmup.rss;
    const heapChange = churn.atEnd.heapUsed / churn.afterWarmup.heapUsed;
    ratioLine(`RSS after ${churn.cycles} churn cycles / after warm-up`, `${(churn.atEnd.rss / MB).toFixed(1)} MB`, `${(churn.afterWarmup.rss / MB).toFixed(1)} MB`, rssChange, '0.9–1.1', rssChange >= 0.9 && rssChange <= 1.1);
    ratioLine(`heap after ${churn.cycles} churn cycles / after warm-up`, `${(churn.atEnd.heapUsed / MB).toFixed(1)} MB`, `${(churn.afterWarmup.heapUsed / MB).toFixed(1)} MB`, heapChange, '0.9–1.1', heapChange >= 0.9 && heapChange <= 1.1);
  }

  if (decode) {
    for (const [kind, figures] of Object.entries(decode)) {
      // The hostile answers' acceptance figure: the event loop stays free while they are decoded.
      const { ascii, cesu8 } = figures;
      ratioLine(
        `/-/healthy slowest while 8 answers of 4 MiB are decoded, ASCII but for one CESU-8 pair (${kind})`,
        `${cesu8.slowestHealthyMs.toFixed(0)} ms`,
        `${ascii.slowestHealthyMs.toFixed(0)} ms ASCII`,
        cesu8.slowestHealthyMs / Math.max(ascii.slowestHealthyMs, 1),
        '< 500 ms',
        cesu8.slowestHealthyMs < 500,
      );
      if (cesu8.peakRssBytes !== undefined && ascii.peakRssBytes !== undefined) {
        ratioLine(
          `peak RSS while 8 answers of 4 MiB are decoded, ASCII but for one CESU-8 pair (${kind})`,
          `${(cesu8.peakRssBytes / MB).toFixed(0)} MB`,
          `${(ascii.peakRssBytes / MB).toFixed(0)} MB ASCII`,
          cesu8.peakRssBytes / ascii.peakRssBytes,
          '≤ 2 (ASCII)',
          cesu8.peakRssBytes <= 2 * ascii.peakRssBytes,
        );
      }
    }
  }

  const elapsedS = (performance.now() - started) / 1000;
  printTable(verdicts);
  const failed = verdicts.filter((v) => v.pass === false).length;
  process.stdout.write(`\n${verdicts.filter((v) => v.pass === true).length} PASS, ${failed} FAIL (${mode.name} mode, ${elapsedS.toFixed(0)} s)\n`);

  const results = {
    mode: mode.name,
    finished_at: new Date().toISOString(),
    elapsed_s: round(elapsedS, 1),
    machine,
    settings: { latency_ms: latencyMs, concurrency, connections: mode.connections, load_seconds: mode.loadSeconds, single_connection_seconds: mode.singleConnectionSeconds, load_rounds: mode.loadReps, gzip_level: GZIP_LEVEL, churn: mode.churn },
    verdicts,
    poll: polls.map((p) => ({
      paths: p.paths,
      ideal_ms: round(p.idealMs, 1),
      cycle_ms: spreadJson(spread(p.wallMs), 1),
      ratio_to_ideal: spreadJson(spread(p.wallMs.map((w) => w / p.idealMs))),
      cpu_s_per_cycle: spreadJson(spread(p.cpuMs.map((ms) => ms / 1000))),
      cpu_s_per_cycle_per_1000_paths: spreadJson(spread(p.cpuMs.map((ms) => ms / p.paths))),
      render_ms_after_cycle: spreadJson(spread(p.renderMs), 1),
      sessions: p.sessionsSeen,
    })),
    floor: floor && {
      paths: mode.scalePaths,
      cycle_ms: spreadJson(spread(floor.wallMs), 1),
      cpu_s_per_cycle: spreadJson(spread(floor.cpuMs.map((ms) => ms / 1000))),
    },
    ky_floor: kyFloor && {
      paths: mode.scalePaths,
      cycle_ms: spreadJson(spread(kyFloor.wallMs), 1),
      cpu_s_per_cycle: spreadJson(spread(kyFloor.cpuMs.map((ms) => ms / 1000))),
    },
    ky_floor_global_fetch: kyFloorGlobal && {
      paths: mode.scalePaths,
      cycle_ms: spreadJson(spread(kyFloorGlobal.wallMs), 1),
      cpu_s_per_cycle: spreadJson(spread(kyFloorGlobal.cpuMs.map((ms) => ms / 1000))),
    },
    poll_global_fetch: globalFetch.length > 0 ? {
      paths: mode.scalePaths,
      cycle_ms: spreadJson(spread(globalFetch.map((t) => t.wallMs)), 1),
      cpu_s_per_cycle: spreadJson(spread(globalFetch.map((t) => t.cpuMs / 1000))),
    } : undefined,
    sdk: sdk && {
      paths: mode.scalePaths,
      cycle_ms: spreadJson(spread(sdk.wallMs), 1),
      cpu_s_per_cycle: spreadJson(spread(sdk.cpuMs.map((ms) => ms / 1000))),
      sessions: sdk.sessions,
      no_content_answers: sdk.noContent,
    },
    decode: decode && Object.fromEntries(
      Object.entries(decode).map(([kind, f]) => [
        kind,
        Object.fromEntries(
          (['ascii', 'cesu8'] as const).map((k) => [k, { slowest_healthy_ms: round(f[k].slowestHealthyMs, 1), peak_rss_mb: f[k].peakRssBytes === undefined ? undefined : round(f[k].peakRssBytes / MB, 1) }]),
        ),
      ]),
    ),
    requests_to_the_cluster: requests && {
      setup: requests.setup,
      schedule_period_ms: requests.schedulePeriodMs,
      idle_interval_ms: requests.idleIntervalMs,
      requests_per_cycle: requests.perCycle,
      mean_per_cycle: round(requests.meanPerCycle, 1),
      ratio_to_naive: round(requests.ratio, 4),
      cold_session_seen_s: requests.coldSessionSeenS,
      sibling_session_seen_s: requests.siblingSeenS,
    },
    store_lookups: store && {
      paths: store.paths,
      get_upload_session_per_cycle: store.sessionRequests,
      lookups_per_cycle: store.lookups,
      store_recheck_interval: DEFAULTS.store_recheck_interval,
    },
    scrape: scrape && {
      sessions: mode.scalePaths,
      exposition_bytes: scrape.exposition.bytes,
      exposition_gzip_bytes: scrape.exposition.gzipBytes,
      exposition_samples: scrape.exposition.lines,
      nginx: scrape.nginxVersion,
      series: scrape.series.map((s) => ({ target: s.target, encoding: s.encoding, connections: s.connections, ...loadFigures(s) })),
    },
    memory: {
      at_scale: scaleMemory && memoryJson(scaleMemory),
      node_static_server: scrape && memoryJson(scrape.staticMemory),
      churn: churn && { cycles: churn.cycles, warmup_cycles: churn.warmup, sessions: churn.sessions, elapsed_s: round(churn.elapsedS, 1), after_warmup: memoryJson(churn.afterWarmup), at_end: memoryJson(churn.atEnd) },
      scales: scales.map((s) => ({
        paths: s.paths,
        sessions: s.sessions,
        exposition_bytes: s.expositionBytes,
        exposition_gzip_bytes: s.gzipBytes,
        exporter: memoryJson(s.exporter),
        exporter_peak_rss_mb: round(s.exporterPeakRss / MB, 1),
        minimal_holder: memoryJson(s.holder),
        minimal_holder_peak_rss_mb: round(s.holderPeakRss / MB, 1),
      })),
      cost: { rss_kib_per_path: costs.perPathKiB && round(costs.perPathKiB, 2), rss_kib_per_session: costs.perSessionKiB && round(costs.perSessionKiB, 2) },
    },
  };
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // A run of chosen scales is an investigation, not the record: its own (ignored) file.
  const name = decodeOnly ? `decode-${mode.name}` : memoryOnly ? `memory-${mode.name}${only.length > 0 ? '-scales' : ''}` : requestsOnly ? `requests-${mode.name}` : mode.name === 'full' ? 'latest' : 'quick';
  const file = `${dir}${name}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${file}`);
  return strict && failed > 0 ? 2 : 0;
}

/**
 * RSS per path (the scales without sessions: the fewest paths against `paths`) and per session (at
 * `paths`, the fewest sessions against the most), by difference, so the process's fixed cost drops out.
 */
function memoryCosts(scales: readonly ScaleMemory[], paths: number): { perPathKiB?: number; basePaths?: number; perSessionKiB?: number; holderPerSessionKiB?: number; sessionRange?: string } {
  const idle = scales.filter((s) => s.sessions === 0).sort((a, b) => a.paths - b.paths);
  const few = idle[0];
  const many = idle.find((s) => s.paths === paths);
  const at = scales.filter((s) => s.paths === paths).sort((a, b) => a.sessions - b.sessions);
  const lo = at[0];
  const hi = at.at(-1);
  const out: { perPathKiB?: number; basePaths?: number; perSessionKiB?: number; holderPerSessionKiB?: number; sessionRange?: string } = {};
  if (few && many && few !== many) {
    out.perPathKiB = (many.exporter.rss - few.exporter.rss) / (many.paths - few.paths) / 1024;
    out.basePaths = few.paths;
  }
  if (lo && hi && lo !== hi) {
    out.perSessionKiB = (hi.exporter.rss - lo.exporter.rss) / (hi.sessions - lo.sessions) / 1024;
    out.holderPerSessionKiB = (hi.holder.rss - lo.holder.rss) / (hi.sessions - lo.sessions) / 1024;
    out.sessionRange = `${lo.sessions.toLocaleString('en')}–${hi.sessions.toLocaleString('en')} sessions`;
  }
  return out;
}

function printTable(verdicts: readonly Verdict[]): void {
  const rows = verdicts.map((v) => [v.figure, v.ours, v.limit, v.ratio === undefined ? '—' : v.ratio.toFixed(2), v.target, v.pass === undefined ? '' : v.pass ? 'PASS' : 'FAIL']);
  const header = ['figure', 'ours', 'limit', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
