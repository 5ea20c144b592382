import type { Config } from './config/types.js';
import type { Logger } from './log.js';
import { Poller } from './poller/poller.js';
import { createRegistry } from './metrics/registry.js';
import { createApp } from './web/app.js';
import { listen, type ListenAddress, type RunningServer } from './web/listen.js';
import { createClusterClient } from './servicefabric/cluster-client.js';
import { REVISION, USER_AGENT, VERSION } from './version.js';

export interface ExporterOptions {
  readonly config: Config;
  readonly listen: ListenAddress;
  /** `--web.telemetry-path`. */
  readonly telemetryPath: string;
  /** `--web.disable-exporter-metrics`. */
  readonly disableExporterMetrics: boolean;
  readonly logger: Logger;
  /** Shown on the landing page. */
  readonly demo?: boolean;
}

/** A running exporter. */
export interface Exporter {
  /** The bound listen address, e.g. `127.0.0.1:18922`. */
  readonly address: string;
  readonly poller: Poller;
  /** Stops polling (aborting in-flight requests) and closes the HTTP server. */
  close(): Promise<void>;
}

/** Wires config → poller → clients → snapshot → metrics → HTTP, starts listening and polling. */
export async function startExporter(options: ExporterOptions): Promise<Exporter> {
  const { config, logger } = options;
  const poller = new Poller({
    poll: config.poll,
    clusters: config.clusters,
    logger,
    createClient: (cluster) =>
      createClusterClient(
        cluster,
        {
          requestTimeoutMs: config.poll.requestTimeoutMs,
          userAgent: USER_AGENT,
          connections: config.poll.concurrency,
        },
        logger,
      ),
  });
  const registry = createRegistry({
    snapshot: () => poller.current(),
    maxStalenessMs: config.poll.maxStalenessMs,
    build: { version: VERSION, revision: REVISION, nodejsVersion: process.version },
    disableExporterMetrics: options.disableExporterMetrics,
  });
  const app = createApp({
    registry,
    telemetryPath: options.telemetryPath,
    ready: () => poller.current() !== undefined,
    landing: {
      version: VERSION,
      telemetryPath: options.telemetryPath,
      clusters: config.clusters.map((c) => ({ name: c.name, endpoint: c.endpoint, contentPaths: c.contentPaths })),
      demo: options.demo ?? false,
    },
    logger,
  });
  let server: RunningServer;
  try {
    server = await listen(app, options.listen);
  } catch (error) {
    await poller.stop();
    throw error;
  }
  let announced = false;
  poller.onSnapshot((snapshot) => {
    if (announced) return;
    announced = true;
    logger.info({ paths: snapshot.paths.length }, 'first poll cycle completed; ready');
  });
  poller.start();
  return {
    address: server.address,
    poller,
    close: async () => {
      await Promise.all([poller.stop(), server.close()]);
    },
  };
}
