import type { ClusterConfig, Config } from './config/types.js';
import { ConfigReloader, type ReloadResult } from './config/reloader.js';
import type { Logger } from './log.js';
import type { Poller } from './poller/poller.js';
import type { Shard } from './poller/shard.js';
import { createPipeline } from './pipeline.js';
import { StatusViewCache } from './status/cache.js';
import { createMetricsRenderer } from './metrics/render.js';
import { createApp } from './web/app.js';
import { listen, type ListenAddress, type RunningServer } from './web/listen.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './web/limits.js';
import type { ClientOptions } from './servicefabric/client.js';
import { WebSecurity } from './web/web-security.js';
import { REVISION, VERSION } from './version.js';

export interface ExporterOptions {
  readonly config: Config;
  readonly listen: ListenAddress;
  /** `--web.telemetry-path`. */
  readonly telemetryPath: string;
  /** `--web.disable-exporter-metrics`. */
  readonly disableExporterMetrics: boolean;
  readonly logger: Logger;
  /** Said on the status page. */
  readonly demo?: boolean;
  /** `--shard.index`/`--shard.count`; default: this process polls every path. */
  readonly shard?: Shard;
  /** `--config.file` the configuration came from; without it (demo mode) there is nothing to reload. */
  readonly configFile?: string;
  /** For tests: per-cluster client options laid over the ones built from the configuration (e.g. a DNS stub). */
  readonly clientOverrides?: (cluster: ClusterConfig) => Partial<ClientOptions>;
  /** `--web.config.file`: TLS, basic auth and headers for the exporter's own listener. */
  readonly webConfigFile?: string;
  /** `--web.enable-lifecycle`: `POST /-/reload` reloads; without it, it answers 403. */
  readonly enableLifecycle?: boolean;
  /** `--web.allowed-host`, canonical (web/allowed-host.ts): names of the exporter besides its addresses and loopback. */
  readonly allowedHosts?: readonly string[];
  /** `--web.read-timeout`, `--web.write-timeout`, `--web.max-connections`, …; default: the flags' defaults. */
  readonly serverLimits?: ServerLimits;
}

/** A running exporter. */
export interface Exporter {
  /** The bound listen address, e.g. `127.0.0.1:18922`. */
  readonly address: string;
  readonly poller: Poller;
  /** Re-reads `--config.file` (SIGHUP, `POST /-/reload`); undefined in demo mode, which has no file. */
  readonly reload: ((trigger: string) => ReloadResult) | undefined;
  /** Stops polling (aborting in-flight requests) and closes the HTTP server. */
  close(): Promise<void>;
}

/** Wires config → poller → clients → snapshot → metrics → HTTP, starts listening and polling. */
export async function startExporter(options: ExporterOptions): Promise<Exporter> {
  // First, so that an invalid web configuration stops start-up before anything polls.
  const security = options.webConfigFile === undefined ? undefined : new WebSecurity(options.webConfigFile, options.logger);
  if (security) options.logger.info({ web_config: security.describe() }, 'web configuration loaded');
  const { config, logger } = options;
  const startedMs = Date.now();
  const { poller, pathFiles } = createPipeline({ config, logger, shard: options.shard, clientOverrides: options.clientOverrides });
  // A reload reaches the rest through the poller alone: it applies the new configuration at the
  // next cycle boundary, and everything else reads the configuration in effect from it.
  const reloader = options.configFile
    ? new ConfigReloader({ file: options.configFile, initial: config, apply: (next) => poller.reconfigure(next), logger })
    : undefined;
  const reload = reloader ? (trigger: string) => reloader.reload(trigger) : undefined;
  const registry = createMetricsRenderer({
    snapshot: () => poller.current(),
    cyclesSkipped: () => poller.cyclesSkippedTotal(),
    // The staleness limit in effect changes with the poll settings, at a cycle boundary.
    maxStalenessMs: () => poller.config().poll.maxStalenessMs,
    reload: () => reloader?.state() ?? { lastSuccessful: true, lastSuccessMs: startedMs },
    build: { version: VERSION, revision: REVISION, nodejsVersion: process.version },
    disableExporterMetrics: options.disableExporterMetrics,
    pathFiles: { watched: () => pathFiles.watched(), fileErrors: () => pathFiles.fileErrors(), limitsReached: () => pathFiles.limitsReached() },
  });
  const statusViews = new StatusViewCache(() => ({
    snapshot: poller.current(),
    stalledAfterMs: poller.config().status.stalledAfterMs,
    maxStalenessMs: poller.config().poll.maxStalenessMs,
    idleIntervalMs: poller.config().poll.idleIntervalMs,
    sourceOf: (cluster, path) => pathFiles.sourceOf(cluster, path),
  }));
  const app = createApp({
    registry,
    telemetryPath: options.telemetryPath,
    ready: () => poller.current() !== undefined,
    info: { version: VERSION, telemetryPath: options.telemetryPath, demo: options.demo ?? false },
    reload,
    enableLifecycle: options.enableLifecycle ?? false,
    status: () => statusViews.current(),
    logger,
    allowedHosts: options.allowedHosts ?? [],
    // Behind basic auth or verified client certificates a rebinding page cannot read the pages.
    checkPageHost: () => !(security?.authenticatesClients() ?? false),
  });
  let server: RunningServer;
  try {
    server = await listen(
      security ? security.wrap(app) : app,
      options.listen,
      security ? (handler, serverOptions) => security.createServer(handler, serverOptions) : undefined,
      { limits: options.serverLimits ?? DEFAULT_SERVER_LIMITS, logger },
    );
  } catch (error) {
    await poller.stop();
    throw error;
  }
  let announced = false;
  poller.onSnapshot((snapshot) => {
    // Rendered right after the cycle, not inside it (the snapshot is published without waiting for
    // megabytes of text) and not by the first scrape (so scrapes cost the same); a scrape that comes
    // first renders it itself.
    setImmediate(() => registry.prepare());
    // Built again by the next request that wants it; until then the old one is not held.
    statusViews.clear();
    if (announced) return;
    announced = true;
    logger.info({ paths: snapshot.paths.length }, 'first poll cycle completed; ready');
  });
  poller.start();
  return {
    address: server.address,
    poller,
    reload,
    close: async () => {
      await Promise.all([poller.stop(), server.close()]);
    },
  };
}
