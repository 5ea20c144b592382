import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config/types.js';
import type { Logger } from './log.js';
import { startScenario, DEMO_CONTENT_PATHS } from './simulator/scenario.js';
import { startSimulator } from './simulator/server.js';
import { DEMO_PACKAGES, demoPathFile } from './simulator/demo-packages.js';
import { DEFAULT_PATH_FILES } from './config/schema.js';

/** Demo timings: scaled down from Service Fabric's 30-minute expiry so a newcomer sees it within minutes. */
const DEMO_SESSION_TIMEOUT_MS = 90_000;
const DEMO_CLEANUP_INTERVAL_MS = 15_000;
/**
 * A disk that visibly fills: besides the gigabytes the demo's uploads stage (and free again as they
 * expire), the node writes 8 MiB a second to it, so its free space falls from 40 GiB within minutes
 * of starting and runs out after about 85 minutes.
 */
const DEMO_DISK = { capacity: 64 * 1024 ** 3, available: 40 * 1024 ** 3, fillBytesPerSecond: 8 * 1024 ** 2 };

/** The built-in demo: an in-process simulator, its traffic, and the config that polls it. */
export interface Demo {
  readonly config: Config;
  readonly simulatorUrl: string;
  /** The folder of the path files announcing the packages the demo copies; removed by `close`. */
  readonly pathFileDir: string;
  close(): Promise<void>;
}

/**
 * Starts the simulator on a free loopback port with the `demo` scenario, writes a path file for
 * each package the scenario copies (with its name, version and sizes, as `paths --package` would),
 * and returns a config polling both the single uploads and the packages.
 */
export async function startDemo(logger: Logger): Promise<Demo> {
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    sessionTimeoutMs: DEMO_SESSION_TIMEOUT_MS,
    cleanupIntervalMs: DEMO_CLEANUP_INTERVAL_MS,
    disk: DEMO_DISK,
    logger: logger.child({ component: 'simulator' }),
  });
  const pathFileDir = mkdtempSync(join(tmpdir(), 'sf-upload-exporter-demo-'));
  for (const pkg of DEMO_PACKAGES) writeFileSync(join(pathFileDir, `${pkg.name}.yaml`), demoPathFile(pkg));
  const scenario = startScenario(simulator.url, 'demo', { logger: logger.child({ component: 'scenario' }) });
  const config: Config = {
    poll: { schedule: '*/5 * * * * *', concurrency: 4, requestTimeoutMs: 3000, maxStalenessMs: 30_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
    // Scaled down like the expiry: a demo upload that gets nothing for 30 s shows as stalled.
    status: { stalledAfterMs: 30_000 },
    pathFiles: DEFAULT_PATH_FILES,
    defaulted: ['path_files'],
    clusters: [{ name: 'demo', endpoint: simulator.url, contentPaths: [...DEMO_CONTENT_PATHS], contentPathFiles: [join(pathFileDir, '*.yaml')] }],
  };
  return {
    config,
    simulatorUrl: simulator.url,
    pathFileDir,
    close: async () => {
      await scenario.stop();
      await simulator.close();
      rmSync(pathFileDir, { recursive: true, force: true });
    },
  };
}
