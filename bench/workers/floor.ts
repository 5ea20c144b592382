/**
 * Benchmark worker: the floor of a Node poller on this machine: bare undici dispatches of the same
 * GETs on the same keep-alive pool and concurrency, discarding the bodies unparsed. No exporter can
 * poll faster than this from one Node process; where it is above the ideal cycle, the CPU is the
 * limit, not the latency.
 */
import { Agent, type Dispatcher } from 'undici';
import pLimit from 'p-limit';
import { serve } from '../lib/rpc.js';
import { benchPaths } from '../lib/paths.js';
import { uploadSessionPath } from '../../src/servicefabric/path.js';
import { API_VERSION } from '../../src/servicefabric/wire.js';

let agent: Agent | undefined;
let origin = '';
let requests: string[] = [];
let concurrency = 1;

function get(dispatcher: Dispatcher, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    dispatcher.dispatch(
      { origin, path, method: 'GET', headers: { accept: 'application/json' } },
      {
        onRequestStart: () => undefined,
        onResponseStart: (_c, code) => {
          status = code;
        },
        onResponseData: () => undefined,
        onResponseEnd: () => resolve(status),
        onResponseError: (_c, error) => reject(error),
      },
    );
  });
}

serve({
  start: (args: { endpoint: string; paths: number; concurrency: number }) => {
    origin = new URL(args.endpoint).origin;
    concurrency = args.concurrency;
    agent = new Agent({ connections: args.concurrency });
    requests = benchPaths(args.paths).map((p) => `/${uploadSessionPath(p)}?api-version=${API_VERSION}&timeout=30`);
    return null;
  },
  cycle: async () => {
    const dispatcher = agent;
    if (!dispatcher) throw new Error('not started');
    const limit = pLimit(concurrency);
    let failed = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(requests.map((path) => limit(async () => ((await get(dispatcher, path)) === 200 ? undefined : (failed += 1)))));
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000, failed, noContent: 0, sessions: 0 };
  },
  close: async () => {
    await agent?.close();
  },
});
