/** A simulator worker and an exporter worker polling it: the setting of every exporter figure. */
import { startWorker, type Worker } from './rpc.js';

/** What an exporter `tick` reports. */
export interface Tick {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Wall time of rendering the new snapshot's exposition, after the cycle. */
  readonly renderMs: number;
  readonly failed: number;
  readonly sessions: number;
  readonly warnings: number;
}

/** The memory of a worker after a forced GC. */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** A running simulator and exporter pair. */
export interface Cluster {
  readonly simulator: Worker;
  readonly exporter: Worker;
  readonly simulatorUrl: string;
  /** The exporter's listen address (`127.0.0.1:port`). */
  readonly exporterAddress: string;
  readonly sessions: number;
  tick(): Promise<Tick>;
  memory(): Promise<Memory>;
}

/** Starts both workers (the exporter runs and awaits its first cycle), runs `fn`, stops both. */
export async function withCluster<T>(
  setup: { paths: number; sessionsPerPath: number; sessions?: number; storedFiles?: boolean; latencyMs: number; concurrency: number },
  fn: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const simulator = await startWorker('simulator');
  let exporter: Worker | undefined;
  try {
    const sim = await simulator.call<{ url: string; sessions: number }>('start', setup);
    exporter = await startWorker('exporter');
    const { address } = await exporter.call<{ address: string }>('start', { endpoint: sim.url, paths: setup.paths, concurrency: setup.concurrency });
    const running = exporter;
    return await fn({
      simulator,
      exporter: running,
      simulatorUrl: sim.url,
      exporterAddress: address,
      sessions: sim.sessions,
      tick: () => running.call<Tick>('tick'),
      memory: () => running.call<Memory>('memory'),
    });
  } finally {
    await exporter?.stop();
    await simulator.stop();
  }
}
