/**
 * Benchmark worker: the floor of a ky poller: the same GETs through a cluster ky instance built
 * exactly as the exporter builds it (src/servicefabric/http.ts: same options, same undici Agent
 * under ky's fetch, same concurrency), bodies read and discarded unparsed. What is above it in the
 * exporter's cycle is the exporter's own work per request (deadline, bounded read, decoding,
 * parsing, the snapshot).
 */
import pLimit from 'p-limit';
import { serve } from '../lib/rpc.js';
import { benchPaths } from '../lib/paths.js';
import { createClusterHttp, type ClusterHttp } from '../../src/servicefabric/http.js';
import { uploadSessionPath } from '../../src/servicefabric/path.js';
import { API_VERSION } from '../../src/servicefabric/wire.js';
import { USER_AGENT } from '../../src/version.js';

let http: ClusterHttp | undefined;
let requests: string[] = [];
let concurrency = 1;

/** One GET, its body drained without being kept; the status. */
async function get(cluster: ClusterHttp, path: string): Promise<number> {
  const response = await cluster.ky.get(path);
  const reader = response.body?.getReader();
  if (reader) while (!(await reader.read()).done);
  return response.status;
}

serve({
  start: (args: { endpoint: string; paths: number; concurrency: number; fetch?: 'undici' | 'global' }) => {
    concurrency = args.concurrency;
    http = createClusterHttp({ base: args.endpoint, userAgent: USER_AGENT, timeoutMs: 30_000, connections: args.concurrency, fetch: args.fetch });
    requests = benchPaths(args.paths).map((p) => `${uploadSessionPath(p)}?api-version=${API_VERSION}&timeout=30`);
    return null;
  },
  cycle: async () => {
    const cluster = http;
    if (!cluster) throw new Error('not started');
    const limit = pLimit(concurrency);
    let failed = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(requests.map((path) => limit(async () => ((await get(cluster, path)) === 200 ? undefined : (failed += 1)))));
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000, failed, noContent: 0, sessions: 0 };
  },
  close: async () => {
    await http?.agent.close();
  },
});
