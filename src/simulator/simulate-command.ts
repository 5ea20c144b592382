/**
 * The `simulate` subcommand: runs a simulated Service Fabric image store (HTTP gateway plus admin API)
 * in the foreground, optionally with generated upload traffic, until SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOG_FORMATS, LOG_LEVELS, createLogger, type LogFormat, type LogLevel, type Logger } from '../log.js';
import { isLoopbackHost } from './admin.js';
import { parseDuration } from '../config/duration.js';
import { SCENARIOS, startScenario, type Scenario } from './scenario.js';
import { JSON_ENCODINGS, type JsonEncoding } from './json-writer.js';
import type { Simulator, SimulatorOptions } from './server.js';
import { DEFAULT_AAD } from './gateway-security.js';

/** Session timing of a real cluster, and the scaled-down timing `--scenario demo` uses by default. */
const REAL_TIMING = { sessionTimeout: '30m', cleanupInterval: '5m' } as const;
const DEMO_TIMING = { sessionTimeout: '90s', cleanupInterval: '10s' } as const;

interface SimulateFlags {
  listen: { host: string; port: number };
  scenario?: string;
  platform: 'windows' | 'linux';
  emptyStatus: '204' | '200';
  sessionTimeout?: number;
  cleanupInterval?: number;
  adminListen: { host: string; port: number } | false;
  runtimeVersion: string;
  jsonEncoding: JsonEncoding;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  tokenKey?: string;
  aadTenant?: string;
  aadClusterApp?: string;
  aadLogin?: string;
  'log.level': LogLevel;
  'log.format': LogFormat;
}

/** Parses `host:port`, `[v6]:port` or `:port` (all interfaces). */
function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`expected host:port, e.g. 127.0.0.1:19080, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function durationArg(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function adminArg(text: string): { host: string; port: number } | false {
  if (text === 'none') return false;
  const address = parseHostPort(text);
  if (!isLoopbackHost(address.host)) {
    throw new InvalidArgumentError(`the admin API listens only on loopback (127.0.0.1, ::1, localhost), not "${address.host}"`);
  }
  return address;
}

/**
 * Builds the `simulate` subcommand (the program adds it with `addCommand`). It runs until SIGINT or
 * SIGTERM, or until `options.signal` aborts (for tests and embedding).
 */
export function simulateCommand(options: { signal?: AbortSignal } = {}): Command {
  return new Command('simulate')
    .description('run a simulated Service Fabric image store (HTTP gateway API 6.0) for demos and tests')
    .helpOption('-h, --help', 'show this help')
    .addOption(new Option('--listen <host:port>', 'address of the simulated HTTP gateway').argParser(parseHostPort).default(parseHostPort('127.0.0.1:19080'), '127.0.0.1:19080'))
    .addOption(new Option('--scenario <name>', 'generate upload traffic through the gateway').choices(SCENARIOS))
    .addOption(new Option('--platform <platform>', 'linux: the upload-session routes do not exist (400 E_INVALIDARG)').choices(['windows', 'linux']).default('windows'))
    .addOption(new Option('--empty-status <status>', 'answer for a path without sessions: 204 (as a real gateway) or 200 with an empty list').choices(['204', '200']).default('204'))
    .addOption(
      new Option('--session-timeout <duration>', `idle time after which a session expires (default ${REAL_TIMING.sessionTimeout}; ${DEMO_TIMING.sessionTimeout} with --scenario demo)`).argParser(durationArg),
    )
    .addOption(
      new Option('--cleanup-interval <duration>', `period of the expiry tick (default ${REAL_TIMING.cleanupInterval}; ${DEMO_TIMING.cleanupInterval} with --scenario demo)`).argParser(durationArg),
    )
    .addOption(new Option('--admin-listen <host:port>', 'loopback address of the admin API (faults, sessions, reset), or "none"').argParser(adminArg).default(adminArg('127.0.0.1:19081'), '127.0.0.1:19081'))
    .addOption(new Option('--runtime-version <major.minor>', 'simulated runtime version: the highest api-version accepted').default('9.1'))
    .addOption(
      new Option('--json-encoding <encoding>', 'runtime: JSON bytes as a real gateway writes them (\\/ for /, CESU-8 outside the BMP); utf8: standard UTF-8 JSON for other clients')
        .choices(JSON_ENCODINGS)
        .default('runtime'),
    )
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key), as a secure cluster')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--client-ca <file>', 'require a client certificate issued by this PEM CA (needs --tls-cert); with --token-key, either credential admits')
    .option('--token-key <file>', `require an Entra ID bearer token signed by this PEM public key or certificate, with audience --aad-cluster-app (needs --tls-cert)`)
    .option('--aad-tenant <id>', 'tenant named by GET /$/GetAadMetadata', DEFAULT_AAD.tenant)
    .option('--aad-cluster-app <id>', 'cluster application named by GET /$/GetAadMetadata: the audience tokens must carry', DEFAULT_AAD.clusterApp)
    .option('--aad-login <url>', 'login host named by GET /$/GetAadMetadata (the token authority)', DEFAULT_AAD.login)
    .addOption(new Option('--log.level <level>', 'log level (debug logs one line per request)').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log.format <format>', 'log format').choices(LOG_FORMATS).default('json'))
    .action(async (flags: SimulateFlags) => {
      process.exitCode = await runSimulate(flags, options.signal);
    });
}

async function runSimulate(flags: SimulateFlags, signal: AbortSignal | undefined): Promise<number> {
  const logger = createLogger({ level: flags['log.level'], format: flags['log.format'] });
  const timing = flags.scenario === 'demo' ? DEMO_TIMING : REAL_TIMING;
  const sessionTimeoutMs = flags.sessionTimeout ?? parseDuration(timing.sessionTimeout);
  const cleanupIntervalMs = flags.cleanupInterval ?? parseDuration(timing.cleanupInterval);
  if (sessionTimeoutMs <= 0 || cleanupIntervalMs <= 0) {
    process.stderr.write('error: --session-timeout and --cleanup-interval must be positive\n');
    return 1;
  }
  let security: Pick<SimulatorOptions, 'tls' | 'aad'>;
  try {
    security = readSecurityFlags(flags);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  let simulator: Simulator;
  try {
    // The simulator itself is loaded only when `simulate` runs: every exporter process imports this definition.
    const { startSimulator } = await import('./server.js');
    simulator = await startSimulator({
      ...security,
      host: flags.listen.host,
      port: flags.listen.port,
      platform: flags.platform,
      emptyStatus: flags.emptyStatus === '200' ? 200 : 204,
      sessionTimeoutMs,
      cleanupIntervalMs,
      adminPort: flags.adminListen === false ? false : flags.adminListen.port,
      adminHost: flags.adminListen === false ? undefined : flags.adminListen.host,
      runtimeVersion: flags.runtimeVersion,
      jsonEncoding: flags.jsonEncoding,
      logger,
    });
  } catch (err) {
    process.stderr.write(`error: cannot start the simulator: ${(err as Error).message}\n`);
    return 1;
  }
  logger.info(
    {
      url: simulator.url,
      admin_url: simulator.adminUrl,
      platform: flags.platform,
      empty_status: Number(flags.emptyStatus),
      session_timeout_ms: sessionTimeoutMs,
      cleanup_interval_ms: cleanupIntervalMs,
      runtime_version: flags.runtimeVersion,
      json_encoding: flags.jsonEncoding,
      scenario: flags.scenario,
    },
    `simulator listening on ${simulator.url}` + (simulator.adminUrl ? `, admin API on ${simulator.adminUrl}` : ''),
  );
  const scenario: Scenario | undefined = flags.scenario ? startScenario(simulator.url, flags.scenario, { logger }) : undefined;
  await waitForSignal(logger, signal);
  await scenario?.stop();
  await simulator.close();
  logger.info('simulator stopped');
  return 0;
}

/** Reads the files the TLS and token flags name; throws with the flag's name in the message. */
function readSecurityFlags(flags: SimulateFlags): Pick<SimulatorOptions, 'tls' | 'aad'> {
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  };
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (flags.tlsCert === undefined && (flags.clientCa !== undefined || flags.tokenKey !== undefined)) {
    throw new Error('--client-ca and --token-key need --tls-cert and --tls-key: credentials only travel over HTTPS');
  }
  const cert = read('--tls-cert', flags.tlsCert);
  const key = read('--tls-key', flags.tlsKey);
  const clientCa = read('--client-ca', flags.clientCa);
  const tokenKey = read('--token-key', flags.tokenKey);
  return {
    tls: cert && key ? { cert, key, ...(clientCa ? { clientCa } : {}) } : undefined,
    aad: tokenKey ? { tokenKey, tenant: flags.aadTenant, clusterApp: flags.aadClusterApp, login: flags.aadLogin } : undefined,
  };
}

function waitForSignal(logger: Logger, abort: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (signal: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      abort?.removeEventListener('abort', onAbort);
      logger.info({ signal }, 'simulator shutting down');
      resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => done(signal);
    const onAbort = (): void => done('abort');
    if (abort?.aborted) return done('abort');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    abort?.addEventListener('abort', onAbort);
  });
}
