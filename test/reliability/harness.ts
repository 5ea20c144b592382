/**
 * A simulator with healthy upload sessions and an exporter polling it, for the reliability tests:
 * every fault is put on one path while the others stay healthy.
 */
import { startExporter, type Exporter, type ExporterOptions } from '../../src/exporter.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { ClusterConfig, Config, PollConfig } from '../../src/config/types.js';
import { captureLines, type LogLine } from './log-lines.js';
import { firstSnapshot, scrape } from '../helpers/exporter.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

/** A schedule that never fires during a test: cycles run at start-up and when the test ticks. */
const MANUAL = '0 0 1 1 *';

export const HEALTHY_A = 'App\\a.dll';
export const HEALTHY_B = 'App\\b.dll';
export const FAULTY = 'App\\faulty.dll';

/** The healthy sessions: id → remaining bytes, per path. */
export const HEALTHY_SESSIONS = [
  { path: HEALTHY_A, sessionId: '11111111-1111-4111-8111-111111111111', fileSize: 1000, received: [{ start: 0, end: 399 }], remaining: 600 },
  { path: HEALTHY_A, sessionId: '22222222-2222-4222-8222-222222222222', fileSize: 5000, received: [{ start: 1000, end: 1999 }], remaining: 4000 },
  { path: HEALTHY_B, sessionId: '33333333-3333-4333-8333-333333333333', fileSize: 10, received: [], remaining: 10 },
] as const;

const DEFAULT_POLL: PollConfig = {
  schedule: MANUAL,
  concurrency: 4,
  // Above 1 s, so the simulator's own answer to an overlong request (504 at the whole-second
  // `timeout` it was sent, 2 s here) never beats the client's deadline.
  requestTimeoutMs: 1500,
  maxStalenessMs: 60_000,
  maxResponseBytes: 4 * 1024 * 1024,
  storeRecheckIntervalMs: 600_000,
};

const running: Array<{ close(): Promise<void> }> = [];

/** Closes everything the harness started, newest first. */
export async function closeAll(): Promise<void> {
  for (const r of running.splice(0).reverse()) await r.close();
}

/** Registers something for `closeAll`. */
export function track<T extends { close(): Promise<void> }>(resource: T): T {
  running.push(resource);
  return resource;
}

/** A simulator holding the healthy sessions and one session on the faulty path. */
export async function healthySimulator(): Promise<Simulator> {
  const sim = track(await startSimulator());
  for (const s of HEALTHY_SESSIONS) sim.store.putSession({ path: s.path, sessionId: s.sessionId, fileSize: s.fileSize, received: s.received });
  sim.store.putSession({ path: FAULTY, sessionId: '44444444-4444-4444-8444-444444444444', fileSize: 100, received: [{ start: 0, end: 9 }] });
  return sim;
}

interface Running {
  readonly exporter: Exporter;
  readonly lines: LogLine[];
}

/** Starts an exporter for `clusters` and waits for its first cycle. */
export async function runExporter(
  clusters: readonly ClusterConfig[],
  poll: Partial<PollConfig> = {},
  extra: Partial<ExporterOptions> = {},
): Promise<Running> {
  const { logger, lines } = captureLines();
  const config: Config = { ...UNWRITTEN_SECTIONS, poll: { ...DEFAULT_POLL, ...poll }, clusters };
  const exporter = track(
    await startExporter({
      config,
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      disableExporterMetrics: true,
      logger,
      ...extra,
    }),
  );
  await firstSnapshot(exporter);
  return { exporter, lines };
}

export {  scrape };
