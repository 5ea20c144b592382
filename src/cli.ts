import { Command, Option } from 'commander';
import { LOG_FORMATS, LOG_LEVELS, createLogger, type LogFormat, type LogLevel } from './log.js';
import { ConfigError } from './config/config-error.js';
import { describeConfig } from './config/describe.js';
import { loadConfigFile } from './config/load.js';
import type { Config } from './config/types.js';
import { parseListenAddress } from './web/listen.js';
import { parseAllowedHosts } from './web/allowed-host.js';
import { DEFAULT_SERVER_LIMITS, parseServerLimits, type ServerLimits } from './web/limits.js';
import { formatDuration } from './config/duration.js';
import { startExporter, type Exporter } from './exporter.js';
import type { Demo } from './demo.js';
import { simulateCommand } from './simulator/simulate-command.js';
import { statusCommand } from './commands/status.js';
import { pathsCommand } from './commands/paths-command.js';
import { VERSION } from './version.js';
import { parseShard, ShardError, type Shard } from './poller/shard.js';
import { serviceFabricConfigFile, serviceFabricListenAddress, ServiceFabricEnvironmentError } from './hosting/servicefabric.js';
import { onReloadSignals, waitForShutdown } from './hosting/signals.js';

/** The exporter's flags after parsing (commander keeps dotted names as keys). */
interface ExporterFlags {
  'config.file'?: string;
  'config.check'?: boolean;
  'web.listenAddress': string;
  'web.telemetryPath': string;
  'web.disableExporterMetrics'?: boolean;
  'web.config.file'?: string;
  'web.enableLifecycle'?: boolean;
  'web.allowedHost': string[];
  'web.readHeaderTimeout': string;
  'web.readTimeout': string;
  'web.writeTimeout': string;
  'web.idleTimeout': string;
  'web.maxConnections': string;
  'log.level': LogLevel;
  'log.format': LogFormat;
  demo?: boolean;
  'shard.index': string;
  'shard.count': string;
}

/** Builds the command line: the exporter as the default command, plus `simulate`. */
export function buildProgram(): Command {
  const program = new Command('sf-upload-exporter')
    .description('Prometheus exporter for Azure Service Fabric image-store upload sessions')
    .version(VERSION, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    // Subcommands (status) have flags of the same names; after a subcommand's name they are its own.
    .enablePositionalOptions()
    .option('--config.file <path>', 'YAML configuration file (see config/example.yaml)')
    .option('--config.check', 'validate the configuration file and exit (0 valid, 1 invalid)')
    .option('--web.listen-address <address>', 'address to serve metrics on', ':18922')
    .option('--web.telemetry-path <path>', 'path under which to expose metrics', '/metrics')
    .option('--web.disable-exporter-metrics', 'leave out the process_* and nodejs_* metrics about the exporter itself')
    .option('--web.config.file <path>', 'exporter-toolkit web configuration: TLS, basic auth and headers for this listener (re-read when it changes)')
    .option('--web.enable-lifecycle', 'let POST /-/reload reload --config.file (SIGHUP always does)')
    .addOption(
      new Option(
        '--web.allowed-host <name>',
        'a name this exporter is reached by, besides its addresses and localhost: POST /-/reload, and the status page and /api/v1/sessions without authentication, refuse any other Host (repeatable)',
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([] as string[], 'none'),
    )
    .option('--web.read-header-timeout <duration>', "longest wait for a request's headers (and the TLS handshake)", formatDuration(DEFAULT_SERVER_LIMITS.readHeaderTimeoutMs))
    .option('--web.read-timeout <duration>', 'longest wait for a whole request, body included', formatDuration(DEFAULT_SERVER_LIMITS.readTimeoutMs))
    .option('--web.write-timeout <duration>', 'longest time a response may take to be sent; a client that does not read is then disconnected', formatDuration(DEFAULT_SERVER_LIMITS.writeTimeoutMs))
    .option('--web.idle-timeout <duration>', 'how long an idle keep-alive connection is kept open', formatDuration(DEFAULT_SERVER_LIMITS.idleTimeoutMs))
    .option('--web.max-connections <n>', 'most simultaneous connections; more are closed at once', String(DEFAULT_SERVER_LIMITS.maxConnections))
    .addOption(new Option('--log.level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log.format <format>', 'log format: JSON lines or one human-readable line per entry').choices(LOG_FORMATS).default('json'))
    .option('--shard.index <n>', 'this process polls only the paths that hash to shard n, 0 to shard.count-1', '0')
    .option('--shard.count <n>', 'number of exporter processes sharing the paths (each path has exactly one owner)', '1')
    .option('--demo', 'run against a built-in simulated cluster with moving uploads (no configuration needed)')
    .action(async (flags: ExporterFlags, command: Command) => {
      process.exitCode = await runExporter(flags, command.getOptionValueSource('web.listenAddress') === 'default');
    });
  program.addCommand(simulateCommand());
  program.addCommand(statusCommand());
  program.addCommand(pathsCommand());
  return program;
}

/** `defaultListen`: no `--web.listen-address` was given, so Service Fabric's endpoint port applies when set. */
async function runExporter(flags: ExporterFlags, defaultListen: boolean): Promise<number> {
  const logger = createLogger({ level: flags['log.level'], format: flags['log.format'] });
  let configFile = flags['config.file'];
  let listenFlag = flags['web.listenAddress'];
  try {
    if (defaultListen) listenFlag = serviceFabricListenAddress() ?? listenFlag;
    // Under Service Fabric the configuration is in the service's config package.
    if (!flags.demo && !configFile && !flags['config.check']) {
      configFile = await serviceFabricConfigFile();
      if (configFile) logger.info({ config_file: configFile }, 'running under Service Fabric: configuration from the config package');
    }
  } catch (error) {
    if (!(error instanceof ServiceFabricEnvironmentError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  if (flags.demo && configFile) {
    process.stderr.write('error: --demo and --config.file exclude each other: --demo polls a built-in simulated cluster\n');
    return 1;
  }
  if (flags['config.check'] && !configFile) {
    process.stderr.write('error: --config.check needs --config.file <path>\n');
    return 1;
  }
  if (!flags.demo && !configFile) {
    process.stderr.write(
      'error: nothing to poll. Either\n' +
        '  --config.file <path>   poll the clusters and paths in a YAML file (see config/example.yaml), or\n' +
        '  --demo                 poll a built-in simulated cluster with moving uploads\n',
    );
    return 1;
  }
  let listenAddress;
  try {
    listenAddress = parseListenAddress(listenFlag);
  } catch (error) {
    process.stderr.write(`error: --web.listen-address: ${(error as Error).message}\n`);
    return 1;
  }
  let serverLimits: ServerLimits;
  try {
    serverLimits = parseServerLimits({
      readHeaderTimeout: flags['web.readHeaderTimeout'],
      readTimeout: flags['web.readTimeout'],
      writeTimeout: flags['web.writeTimeout'],
      idleTimeout: flags['web.idleTimeout'],
      maxConnections: flags['web.maxConnections'],
    });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  let allowedHosts: string[];
  try {
    allowedHosts = parseAllowedHosts(flags['web.allowedHost']);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  const telemetryPath = flags['web.telemetryPath'];
  if (!telemetryPath.startsWith('/') || telemetryPath === '/') {
    process.stderr.write(`error: --web.telemetry-path must start with "/" and not be "/" itself, got "${telemetryPath}"\n`);
    return 1;
  }
  let shard: Shard;
  try {
    shard = parseShard(flags['shard.index'], flags['shard.count']);
  } catch (error) {
    if (!(error instanceof ShardError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }

  let config: Config;
  let demo: Demo | undefined;
  if (configFile) {
    try {
      config = loadConfigFile(configFile, logger);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`error: invalid configuration\n${error.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
        return 1;
      }
      throw error;
    }
    if (flags['config.check']) {
      process.stdout.write(`${configFile}: configuration is valid\n`);
      return 0;
    }
  } else {
    // The demo's simulator is loaded only for --demo: an exporter polling real clusters never runs it.
    const { startDemo } = await import('./demo.js');
    demo = await startDemo(logger);
    config = demo.config;
    logger.warn({ simulator: demo.simulatorUrl }, 'DEMO MODE: polling a built-in simulated Service Fabric cluster, not a real one');
  }

  let exporter: Exporter;
  try {
    exporter = await startExporter({
      config,
      listen: listenAddress,
      telemetryPath,
      disableExporterMetrics: flags['web.disableExporterMetrics'] ?? false,
      webConfigFile: flags['web.config.file'],
      enableLifecycle: flags['web.enableLifecycle'] ?? false,
      allowedHosts,
      serverLimits,
      logger,
      demo: demo !== undefined,
      shard,
      configFile,
    });
  } catch (error) {
    logger.error({ err: error }, `cannot start: ${(error as Error).message}`);
    await demo?.close();
    return 1;
  }
  logger.info(
    { version: VERSION, listen_address: exporter.address, telemetry_path: telemetryPath, shard: `${shard.index}/${shard.count}`, config: describeConfig(config) },
    'sf-upload-exporter started',
  );
  // SIGHUP reloads --config.file, as for Prometheus (on POSIX; on Windows it is the console closing).
  const stopReloading = onReloadSignals((signal) => {
    if (exporter.reload) exporter.reload(signal);
    else logger.warn(`${signal} ignored: nothing to reload in demo mode (no --config.file)`);
  });
  return await waitForShutdown(
    async () => {
      await exporter.close();
      await demo?.close();
      stopReloading();
    },
    { logger },
  );
}
