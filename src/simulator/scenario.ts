/**
 * Traffic generator: drives uploads through the simulator's real HTTP endpoints (PUT UploadChunk,
 * POST CommitUploadSession, DELETE DeleteUploadSession), the way uploaders on a cluster would, so a
 * poller watching the simulator sees sessions appear, progress, complete, stall and expire.
 *
 * By default chunks carry no body, as the generated SDKs send them: cheap enough for gigabyte
 * files, and a poller sees exactly what it would see with bodies. Such an upload cannot be
 * committed (a real cluster joins the chunk bodies at commit and refuses a size that does not
 * match), so it finishes with every range received and is never committed; with `sendBodies` the
 * chunks carry real bytes and finished uploads are committed. On the wire a finished session looks
 * the same either way: `ExpectedRanges` is empty.
 */
import http from 'node:http';
import { silentLogger, type Logger } from '../log.js';
import { DEMO_PACKAGES, type DemoPackage } from './demo-packages.js';

/** Scenario names `startScenario` knows. */
export const SCENARIOS = ['demo', 'steady', 'stalls', 'reference'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

/** What happens to one upload. */
type Fate = 'complete' | 'stall' | 'abandon';

/** Rates and mix of a scenario; every field has a per-scenario default. */
interface ScenarioOptions {
  /** A new upload starts this often. */
  newUploadEveryMs?: number;
  /** Each active upload sends one chunk per tick. */
  tickMs?: number;
  /** At most this many uploads are driven at once. */
  maxActive?: number;
  /** Uploads started immediately at start-up, so a dashboard has data at once. */
  initialUploads?: number;
  /** File sizes, bytes, inclusive bounds. */
  fileSizeBytes?: readonly [number, number];
  /** Number of chunks a file is cut into (its upload takes that many ticks), inclusive bounds. */
  chunksPerFile?: readonly [number, number];
  /** Relative weights of the fates: completed and committed, stalled part-way, abandoned early. */
  mix?: { complete: number; stall: number; abandon: number };
  /** Chance that a finished session is deleted (the official .NET uploader never deletes). */
  deleteAfterCommit?: number;
  /** Send real (zero) bytes as chunk bodies, and commit finished uploads, instead of none as the generated SDKs do. */
  sendBodies?: boolean;
  /** Packages copied file by file (the `demo` scenario's `DEMO_PACKAGES`; none for the others). */
  packages?: readonly DemoPackage[];
  /** Files of one package sent at once. */
  packageParallelism?: number;
  /** Random source in [0,1), for reproducible runs. */
  random?: () => number;
  logger?: Logger;
}

/** A running traffic generator. */
export interface Scenario {
  readonly name: string;
  /** Counters since start. */
  readonly stats: {
    started: number;
    chunks: number;
    finished: number;
    committed: number;
    deleted: number;
    stalled: number;
    abandoned: number;
    errors: number;
    /** Package copies: files committed, packages copied whole, copies that died. */
    packageFiles: number;
    packagesCopied: number;
    packagesDied: number;
  };
  /** Stops starting and driving uploads; resolves once in-flight requests are done. */
  stop(): Promise<void>;
}

const MIB = 1024 * 1024;

/** Paths the demo draws from: nested folders, forward slashes, backslashes with spaces. */
const DEMO_PATHS = [
  'Store\\CalcServiceApp\\CalcService.Code.2.0\\CalcService.exe',
  'Store\\CalcServiceApp\\CalcService.Data.2.0\\model.bin',
  'Store\\VotingApp\\VotingWeb.Code.1.4\\VotingWeb.dll',
  'apps/inventory/InventoryService.Code.3.1/inventory.zip',
  'apps/billing/BillingService.Code.1.0/billing.tar',
  'Store\\My Application\\Code Package\\large file (1).zip',
];
/** The demo path with backslashes and spaces. */
const SPACED_PATH = DEMO_PATHS[DEMO_PATHS.length - 1] as string;
/** One path where two uploaders race, as in the API page's example. */
const SHARED_PATH = 'SwaggerTest\\Common.dll';

/** Every content path the `demo` scenario uploads to: what a poller of the demo should watch. */
export const DEMO_CONTENT_PATHS: readonly string[] = [SHARED_PATH, ...DEMO_PATHS];

const DEFAULTS: Record<ScenarioName, Required<Omit<ScenarioOptions, 'random' | 'logger' | 'packages' | 'packageParallelism'>>> = {
  demo: {
    newUploadEveryMs: 4000,
    tickMs: 1000,
    maxActive: 12,
    initialUploads: 6,
    fileSizeBytes: [8 * MIB, 2048 * MIB],
    chunksPerFile: [8, 45],
    mix: { complete: 0.55, stall: 0.3, abandon: 0.15 },
    deleteAfterCommit: 0.3,
    sendBodies: false,
  },
  steady: {
    newUploadEveryMs: 2000,
    tickMs: 500,
    maxActive: 20,
    initialUploads: 2,
    fileSizeBytes: [1 * MIB, 256 * MIB],
    chunksPerFile: [4, 20],
    mix: { complete: 1, stall: 0, abandon: 0 },
    deleteAfterCommit: 0.5,
    sendBodies: false,
  },
  stalls: {
    newUploadEveryMs: 3000,
    tickMs: 1000,
    maxActive: 10,
    initialUploads: 4,
    fileSizeBytes: [16 * MIB, 1024 * MIB],
    chunksPerFile: [10, 30],
    mix: { complete: 0.1, stall: 0.6, abandon: 0.3 },
    deleteAfterCommit: 0,
    sendBodies: false,
  },
  reference: {
    newUploadEveryMs: 0,
    tickMs: 0,
    maxActive: 0,
    initialUploads: 0,
    fileSizeBytes: [2097152, 2097152],
    chunksPerFile: [1, 1],
    mix: { complete: 0, stall: 0, abandon: 0 },
    deleteAfterCommit: 0,
    sendBodies: false,
  },
};

/** Files of one package the demo sends at once, as the PowerShell copy does. */
const PACKAGE_PARALLELISM = 3;
/** A package file is sent in chunks of about this size, at most `MAX_PACKAGE_CHUNKS` of them (one per tick). */
const PACKAGE_CHUNK_BYTES = 256 * 1024;
const MAX_PACKAGE_CHUNKS = 12;

/** One running package copy. */
interface PackageCopy {
  readonly pkg: DemoPackage;
  /** Index of the next file to start. */
  next: number;
  readonly sending: {
    path: string;
    sessionId: string;
    fileSize: number;
    chunks: { start: number; end: number }[];
    busy: boolean;
    /** The copy dies once this file has this few chunks left to send (the last file of a copy that dies). */
    diesWithChunksLeft?: number;
  }[];
  over: boolean;
}

interface Upload {
  path: string;
  sessionId: string;
  fileSize: number;
  /** Chunks still to send, in sending order. */
  chunks: { start: number; end: number }[];
  /** Stop after this many more chunks (stall/abandon); Infinity for a completing upload. */
  remainingBeforeStop: number;
  fate: Fate;
  busy: boolean;
}

function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/** Starts a named scenario against a running simulator (`demo`, `steady`, `stalls`, `reference`). */
export function startScenario(simulatorUrl: string, name: 'demo' | string, options: ScenarioOptions = {}): Scenario {
  if (!isScenarioName(name)) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
  const cfg = {
    ...DEFAULTS[name],
    packages: name === 'demo' ? DEMO_PACKAGES : [],
    packageParallelism: PACKAGE_PARALLELISM,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<ScenarioOptions>;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const base = new URL(simulatorUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const stats = { started: 0, chunks: 0, finished: 0, committed: 0, deleted: 0, stalled: 0, abandoned: 0, errors: 0, packageFiles: 0, packagesCopied: 0, packagesDied: 0 };
  const active: Upload[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;

  const between = (lo: number, hi: number): number => Math.floor(lo + random() * (hi - lo + 1));
  const guid = (): string => globalThis.crypto.randomUUID();

  /** One HTTP request to the simulator; resolves with the status (0 when the connection failed). */
  function request(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<number> {
    const p = new Promise<number>((resolve) => {
      const req = http.request(
        { host: base.hostname.replace(/^\[|\]$/g, ''), port: base.port, method, path, agent, headers: { ...headers, 'Content-Length': String(body?.length ?? 0) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  }

  const sessionQuery = (id: string): string => `?api-version=6.0&session-id=${id}`;

  async function sendChunk(up: Upload, chunk: { start: number; end: number }): Promise<boolean> {
    const length = chunk.end - chunk.start + 1;
    const status = await request(
      'PUT',
      `/ImageStore/${encodeURIComponent(up.path)}/$/UploadChunk${sessionQuery(up.sessionId)}`,
      { 'Content-Range': `bytes ${chunk.start}-${chunk.end}/${up.fileSize}` },
      cfg.sendBodies ? Buffer.alloc(length) : undefined,
    );
    if (status === 200) stats.chunks++;
    else {
      stats.errors++;
      logger.debug({ path: up.path, sessionId: up.sessionId, status }, 'scenario: chunk not accepted');
    }
    return status === 200;
  }

  function planChunks(fileSize: number, count: number): { start: number; end: number }[] {
    const size = Math.ceil(fileSize / count);
    const chunks: { start: number; end: number }[] = [];
    for (let start = 0; start < fileSize; start += size) chunks.push({ start, end: Math.min(start + size, fileSize) - 1 });
    // Parallel uploaders finish chunks out of order; shuffle a little so ExpectedRanges show gaps.
    for (let i = 0; i < chunks.length - 1; i++) {
      if (random() < 0.3) {
        const j = i + 1;
        [chunks[i], chunks[j]] = [chunks[j] as { start: number; end: number }, chunks[i] as { start: number; end: number }];
      }
    }
    return chunks;
  }

  function pickFate(): Fate {
    const { complete, stall, abandon } = cfg.mix;
    const r = random() * (complete + stall + abandon);
    return r < complete ? 'complete' : r < complete + stall ? 'stall' : 'abandon';
  }

  function startUpload(chosenPath?: string): void {
    if (stopped || active.length >= cfg.maxActive) return;
    // Now and then a second uploader races on the shared path, so it holds several sessions.
    const path = chosenPath ?? (random() < 0.15 ? SHARED_PATH : (DEMO_PATHS[between(0, DEMO_PATHS.length - 1)] as string));
    const fileSize = between(cfg.fileSizeBytes[0], cfg.fileSizeBytes[1]);
    const chunks = planChunks(fileSize, between(cfg.chunksPerFile[0], cfg.chunksPerFile[1]));
    const fate = pickFate();
    const remainingBeforeStop =
      fate === 'complete' ? Infinity : fate === 'abandon' ? between(1, 2) : Math.max(1, Math.floor(chunks.length * (0.2 + random() * 0.6)));
    active.push({ path, sessionId: guid(), fileSize, chunks, remainingBeforeStop, fate, busy: false });
    stats.started++;
    logger.debug({ path, fileSize, fate }, 'scenario: upload started');
  }

  async function step(up: Upload): Promise<void> {
    up.busy = true;
    try {
      if (up.remainingBeforeStop <= 0) {
        // Stalled or abandoned: never touched again; the session ages until the cluster expires it.
        if (up.fate === 'stall') stats.stalled++;
        else stats.abandoned++;
        active.splice(active.indexOf(up), 1);
        return;
      }
      const chunk = up.chunks[0];
      if (chunk) {
        if (await sendChunk(up, chunk)) {
          up.chunks.shift();
          up.remainingBeforeStop--;
        }
        return;
      }
      // Every chunk is in. Without bodies a commit could only fail, as on a real cluster.
      if (cfg.sendBodies) {
        const status = await request('POST', `/ImageStore/$/CommitUploadSession${sessionQuery(up.sessionId)}`);
        if (status !== 200) {
          stats.errors++;
          return;
        }
        stats.committed++;
      }
      stats.finished++;
      if (random() < cfg.deleteAfterCommit) {
        if ((await request('DELETE', `/ImageStore/$/DeleteUploadSession${sessionQuery(up.sessionId)}`)) === 200) stats.deleted++;
      }
      active.splice(active.indexOf(up), 1);
    } finally {
      up.busy = false;
    }
  }

  const copies: PackageCopy[] = [];

  /** Sends one file's next chunk with its bytes, or commits it once all are in. */
  async function sendPackageFile(copy: PackageCopy, file: PackageCopy['sending'][number]): Promise<void> {
    file.busy = true;
    try {
      const chunk = file.chunks[0];
      if (chunk) {
        const status = await request(
          'PUT',
          `/ImageStore/${encodeURIComponent(file.path)}/$/UploadChunk${sessionQuery(file.sessionId)}`,
          { 'Content-Range': `bytes ${chunk.start}-${chunk.end}/${file.fileSize}` },
          Buffer.alloc(chunk.end - chunk.start + 1),
        );
        if (status === 200) {
          stats.chunks++;
          file.chunks.shift();
        } else stats.errors++;
        return;
      }
      if ((await request('POST', `/ImageStore/$/CommitUploadSession${sessionQuery(file.sessionId)}`)) !== 200) {
        stats.errors++;
        return;
      }
      stats.packageFiles++;
      copy.sending.splice(copy.sending.indexOf(file), 1);
    } finally {
      file.busy = false;
    }
  }

  /** One tick of a package copy: start files up to the parallelism, send a chunk of each; or die, or finish. */
  function copyTick(copy: PackageCopy): void {
    if (copy.over) return;
    const { pkg } = copy;
    // A dying copy dies between two chunks of its last file, so that file is always left with
    // gaps; the files beside it stop wherever they are (one may have every byte and no commit).
    if (copy.sending.some((f) => f.diesWithChunksLeft !== undefined && f.chunks.length <= f.diesWithChunksLeft)) {
      copy.over = true;
      stats.packagesDied++;
      logger.debug({ package: pkg.name, files: copy.next }, 'scenario: package copy died');
      return;
    }
    const last = pkg.diesAfterFiles === undefined ? pkg.files.length : Math.min(pkg.diesAfterFiles, pkg.files.length);
    while (copy.sending.length < cfg.packageParallelism && copy.next < last) {
      const file = pkg.files[copy.next] as DemoPackage['files'][number];
      copy.next++;
      const count = Math.max(1, Math.min(MAX_PACKAGE_CHUNKS, Math.ceil(file.size / PACKAGE_CHUNK_BYTES)));
      const size = Math.ceil(file.size / count);
      const chunks: { start: number; end: number }[] = [];
      for (let start = 0; start < file.size; start += size) chunks.push({ start, end: Math.min(start + size, file.size) - 1 });
      const dies = pkg.diesAfterFiles !== undefined && copy.next === last;
      copy.sending.push({ path: file.path, sessionId: guid(), fileSize: file.size, chunks, busy: false, ...(dies ? { diesWithChunksLeft: Math.ceil(chunks.length / 2) } : {}) });
    }
    if (copy.sending.length === 0) {
      copy.over = true;
      stats.packagesCopied++;
      logger.debug({ package: pkg.name }, 'scenario: package copied');
      return;
    }
    for (const file of [...copy.sending]) if (!file.busy) void sendPackageFile(copy, file);
  }

  function tick(): void {
    if (stopped) return;
    for (const up of [...active]) if (!up.busy) void step(up);
    for (const copy of copies) copyTick(copy);
  }

  const timers: NodeJS.Timeout[] = [];
  if (name === 'reference') {
    // The two sessions of the API page's example: what was received is the complement of its ExpectedRanges.
    void (async () => {
      const put = (id: string, start: number, end: number): Promise<number> =>
        request('PUT', `/ImageStore/${encodeURIComponent(SHARED_PATH)}/$/UploadChunk${sessionQuery(id)}`, {
          'Content-Range': `bytes ${start}-${end}/2097152`,
        });
      await put('2032ac6c-a348-4594-86da-dab0f2bb1ae1', 207616, 626976);
      await put('fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5', 616948, 1087528);
      stats.started += 2;
      stats.chunks += 2;
    })();
  } else {
    // The first uploads show every feature at once: two sessions on one path, then the path with
    // backslashes and spaces; the rest are drawn at random.
    const featured = [SHARED_PATH, SHARED_PATH, SPACED_PATH];
    for (let i = 0; i < cfg.initialUploads; i++) startUpload(featured[i]);
    for (const pkg of cfg.packages) {
      timers.push(
        setTimeout(() => {
          if (!stopped) copies.push({ pkg, next: 0, sending: [], over: false });
        }, pkg.startAfterMs),
      );
    }
    timers.push(setInterval(() => startUpload(), cfg.newUploadEveryMs), setInterval(tick, cfg.tickMs));
    setImmediate(tick);
  }
  logger.info({ scenario: name, target: simulatorUrl }, 'scenario: started');

  let stopping: Promise<void> | undefined;
  return {
    name,
    stats,
    stop(): Promise<void> {
      stopping ??= (async () => {
        stopped = true;
        // clearInterval clears a timeout too: both kinds share one id space.
        for (const t of timers) clearInterval(t);
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        agent.destroy();
      })();
      return stopping;
    },
  };
}
