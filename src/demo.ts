import type { Config } from './config/types.js';
import type { Logger } from './log.js';
import { startScenario, startSimulator, DEMO_CONTENT_PATHS } from './simulator/index.js';

/** Demo timings: scaled down from Service Fabric's 30-minute expiry so a newcomer sees it within minutes. */
const DEMO_SESSION_TIMEOUT_MS = 90_000;
const DEMO_CLEANUP_INTERVAL_MS = 15_000;

/** The built-in demo: an in-process simulator, its traffic, and the config that polls it. */
export interface Demo {
  readonly config: Config;
  readonly simulatorUrl: string;
  close(): Promise<void>;
}

/** Starts the simulator on a free loopback port with the `demo` scenario, and returns a config polling it. */
export async function startDemo(logger: Logger): Promise<Demo> {
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    sessionTimeoutMs: DEMO_SESSION_TIMEOUT_MS,
    cleanupIntervalMs: DEMO_CLEANUP_INTERVAL_MS,
    logger: logger.child({ component: 'simulator' }),
  });
  const scenario = startScenario(simulator.url, 'demo', { logger: logger.child({ component: 'scenario' }) });
  const config: Config = {
    poll: { schedule: '*/5 * * * * *', concurrency: 4, requestTimeoutMs: 3000, maxStalenessMs: 30_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
    // Scaled down like the expiry: a demo upload that gets nothing for 30 s shows as stalled.
    status: { stalledAfterMs: 30_000 },
    clusters: [{ name: 'demo', endpoint: simulator.url, contentPaths: [...DEMO_CONTENT_PATHS] }],
  };
  return {
    config,
    simulatorUrl: simulator.url,
    close: async () => {
      await scenario.stop();
      await simulator.close();
    },
  };
}
