/** Peers of the exporter's poll: the official SDK (azure-servicefabric) and the two floors (bare undici, bare ky), same paths, same concurrency. */
import { startWorker } from './lib/rpc.js';

/** Repeated SDK polls. */
export interface SdkRun {
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly failed: number;
  readonly noContent: number;
  readonly sessions: number;
}

/**
 * Polls every path `reps` times (after one warm-up poll) in its own process: with the official SDK
 * (`sdk`), with bare undici dispatches (`floor`, the fastest a Node poller can go here), or with
 * bare GETs through the exporter's ky instance (`ky-floor`, the fastest a ky poller can go);
 * `extra.fetch` picks what ky runs on.
 */
export async function measureSdk(
  endpoint: string,
  paths: number,
  concurrency: number,
  reps: number,
  worker_: 'sdk' | 'floor' | 'ky-floor' = 'sdk',
  extra: { fetch?: 'undici' | 'global' } = {},
): Promise<SdkRun> {
  const worker = await startWorker(worker_);
  try {
    await worker.call('start', { endpoint, paths, concurrency, ...extra });
    await worker.call('cycle');
    const runs: Array<{ wallMs: number; cpuMs: number; failed: number; noContent: number; sessions: number }> = [];
    for (let i = 0; i < reps; i++) runs.push(await worker.call('cycle'));
    return {
      wallMs: runs.map((r) => r.wallMs),
      cpuMs: runs.map((r) => r.cpuMs),
      failed: runs.reduce((n, r) => n + r.failed, 0),
      noContent: runs.reduce((n, r) => n + r.noContent, 0),
      sessions: runs.at(-1)?.sessions ?? 0,
    };
  } finally {
    await worker.stop();
  }
}
