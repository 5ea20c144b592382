/**
 * Benchmark worker: "what a user would write instead": the official azure-servicefabric SDK client
 * polling the same paths with the same concurrency (p-limit), in its own process.
 */
import sfPackage from 'azure-servicefabric';
import pLimit from 'p-limit';
import { serve } from '../lib/rpc.js';
import { benchPaths } from '../lib/paths.js';

// A CommonJS package: its default import is module.exports, which carries the named class.
const { ServiceFabricClient } = sfPackage;

let client: InstanceType<typeof ServiceFabricClient> | undefined;
let paths: string[] = [];
let concurrency = 1;

serve({
  start: (args: { endpoint: string; paths: number; concurrency: number }) => {
    client = new ServiceFabricClient(args.endpoint, { noRetryPolicy: true });
    paths = benchPaths(args.paths);
    concurrency = args.concurrency;
    return null;
  },
  /** One poll of every path: wall time, CPU time, sessions found and failed calls (204s are counted separately: the SDK rejects them). */
  cycle: async () => {
    const sdk = client;
    if (!sdk) throw new Error('not started');
    const limit = pLimit(concurrency);
    let sessions = 0;
    let failed = 0;
    let noContent = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      paths.map((path) =>
        limit(async () => {
          try {
            const answer = await sdk.getImageStoreUploadSessionByPath(path);
            sessions += answer.uploadSessions?.length ?? 0;
          } catch (error) {
            if ((error as { statusCode?: number }).statusCode === 204) noContent += 1;
            else failed += 1;
          }
        }),
      ),
    );
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000, sessions, failed, noContent };
  },
  close: () => null,
});
