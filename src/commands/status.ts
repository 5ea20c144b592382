/**
 * `sf-upload-exporter status`: polls the configured clusters once (or every N seconds) with the
 * exporter's own poller, clients and path files, and prints the status view: a table with a
 * progress bar per session, or the `/api/v1/sessions` JSON. No HTTP server. The exit code tells
 * scripts what it saw (see `STATUS_EXIT`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '../config/config-error.js';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createLogger, LOG_LEVELS, type LogLevel, type Logger } from '../log.js';
import { createPipeline, type Pipeline } from '../pipeline.js';
import { terminalSafeJson } from '../status/terminal-safe.js';
import { buildStatusView, type StatusView } from '../status/view.js';
import type { Demo } from '../demo.js';
import type * as StatusTableModule from '../status/table.js';

/** The table renderer (cli-table3), loaded when `status` runs rather than by every exporter process. */
type StatusTable = typeof StatusTableModule;

/** Exit codes of `status`. */
export const STATUS_EXIT = {
  /** Every path polled, no session stalled. */
  ok: 0,
  /** Bad flags or configuration, or nothing could be started. */
  error: 1,
  /** At least one session or package is stalled (takes precedence over a failed poll). */
  stalled: 2,
  /** No session or package stalled, but at least one path could not be polled. */
  pollFailed: 3,
} as const;

/** The demo's traffic needs a moment to start before its first poll shows sessions. */
const DEMO_WARMUP_MS = 2500;

interface StatusFlags {
  'config.file'?: string;
  demo?: boolean;
  watch?: number;
  output: 'table' | 'json';
  'log.level': LogLevel;
}

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 1) throw new InvalidArgumentError('expected a number of seconds, at least 1');
  return value;
}

/** Builds the `status` subcommand. */
export function statusCommand(): Command {
  return new Command('status')
    .description('poll every configured path once (or every N seconds with --watch) and print each package and upload session with a progress bar; exit 2 if any is stalled')
    .helpOption('-h, --help', 'show this help')
    .option('--config.file <path>', 'YAML configuration file, as for the exporter (content_path_files are read too)')
    .option('--demo', 'poll the built-in simulated cluster with moving uploads')
    .addOption(new Option('--watch <seconds>', 'poll again every this many seconds until interrupted').argParser(seconds))
    .addOption(new Option('--output <format>', 'table, or the JSON of GET /api/v1/sessions (one document per poll)').choices(['table', 'json']).default('table'))
    .addOption(new Option('--log.level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default('error'))
    .action(async (flags: StatusFlags) => {
      process.exitCode = await runStatus(flags);
    });
}

/** The exit code for a view: stalled sessions and packages first, then failed polls. */
export function statusExitCode(view: StatusView): number {
  if (view.summary.stalled > 0 || view.summary.stalled_packages > 0) return STATUS_EXIT.stalled;
  if (view.summary.failed_paths > 0) return STATUS_EXIT.pollFailed;
  return STATUS_EXIT.ok;
}

async function runStatus(flags: StatusFlags): Promise<number> {
  const configFile = flags['config.file'];
  if ((flags.demo === true) === (configFile !== undefined)) {
    process.stderr.write('error: give exactly one of --config.file <path> or --demo\n');
    return STATUS_EXIT.error;
  }
  // stdout carries the table or the JSON; logs must not mix into it.
  const logger = createLogger({ level: flags['log.level'], destination: pino.destination({ dest: 2, sync: true }) });
  let config: Config;
  let demo: Demo | undefined;
  if (configFile !== undefined) {
    try {
      config = loadConfigFile(configFile, logger);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`error: invalid configuration\n${error.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
        return STATUS_EXIT.error;
      }
      throw error;
    }
  } else {
    const { startDemo } = await import('../demo.js');
    demo = await startDemo(logger);
    config = demo.config;
    await sleep(DEMO_WARMUP_MS);
  }
  try {
    return await pollAndPrint(config, flags, logger);
  } finally {
    await demo?.close();
  }
}

async function pollAndPrint(config: Config, flags: StatusFlags, logger: Logger): Promise<number> {
  const table = await import('../status/table.js');
  let pipeline: Pipeline;
  try {
    pipeline = createPipeline({ config, logger });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return STATUS_EXIT.error;
  }
  const { poller, pathFiles } = pipeline;
  const interrupted = interruption();
  let code: number;
  try {
    for (;;) {
      await poller.tick();
      const view = buildStatusView({
        snapshot: poller.current(),
        nowMs: Date.now(),
        stalledAfterMs: config.status.stalledAfterMs,
        idleIntervalMs: config.poll.idleIntervalMs,
        sourceOf: (cluster, path) => pathFiles.sourceOf(cluster, path),
      });
      code = statusExitCode(view);
      print(view, flags, table);
      if (flags.watch === undefined || interrupted.happened()) break;
      if (await interrupted.within(flags.watch * 1000)) break;
    }
  } finally {
    interrupted.dispose();
    await poller.stop();
  }
  return code;
}

function print(view: StatusView, flags: StatusFlags, table: StatusTable): void {
  if (flags.output === 'json') {
    // One document per line, so that `--watch` output is a JSON stream.
    process.stdout.write(`${terminalSafeJson(view)}\n`);
    return;
  }
  const text = table.renderStatusTable(view, table.useColor(process.stdout));
  // On a terminal, --watch redraws in place like watch(1); piped, the tables follow each other.
  const clear = flags.watch !== undefined && process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
  process.stdout.write(clear + text + (flags.watch !== undefined && !clear ? '\n' : ''));
}

/** SIGINT/SIGTERM during `--watch`: finish with the last poll's exit code. */
function interruption(): { happened(): boolean; within(ms: number): Promise<boolean>; dispose(): void } {
  let happened = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    happened = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    happened: () => happened,
    within: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(happened), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
