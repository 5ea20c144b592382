/**
 * Which signals stop the exporter and which reload it, on POSIX systems and on Windows.
 *
 * On Windows there are no POSIX signals: Node (libuv) turns the console control events into signal
 * events, CTRL_C_EVENT into SIGINT, CTRL_BREAK_EVENT into SIGBREAK and CTRL_CLOSE_EVENT (the console
 * going away) into SIGHUP. Service Fabric stops a guest executable with CTRL_C_EVENT: its
 * ProcessActivator runs CtrlCSender.exe, which attaches to the process's console and calls
 * GenerateConsoleCtrlEvent(CTRL_C_EVENT), then terminates the process if it has not exited in time
 * (Hosting2/ProcessActivator.cpp, Management/CtrlCSender/Main.cpp in microsoft/service-fabric).
 * SIGHUP therefore means "reload" only on POSIX; on Windows it is a stop, since Windows ends the
 * process seconds after its console closes.
 */
import type { Logger } from '../log.js';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

/** What the handlers listen on: the process, or a stand-in in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The signals that stop the exporter on `platform`. */
function stopSignals(platform: NodeJS.Platform = process.platform): readonly NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGBREAK', 'SIGHUP', 'SIGTERM'] : ['SIGTERM', 'SIGINT'];
}

/** The signals that reload `--config.file` on `platform`: SIGHUP on POSIX, none on Windows. */
function reloadSignals(platform: NodeJS.Platform = process.platform): readonly NodeJS.Signals[] {
  return platform === 'win32' ? [] : ['SIGHUP'];
}

interface SignalOptions {
  readonly logger: Logger;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** @default process */
  readonly source?: SignalSource;
}

/** Calls `reload` on each reload signal until the returned function is called. */
export function onReloadSignals(reload: (signal: NodeJS.Signals) => void, options: Omit<SignalOptions, 'logger'> = {}): () => void {
  const source = options.source ?? process;
  const signals = reloadSignals(options.platform);
  // Without a listener SIGHUP would end the process.
  for (const signal of signals) source.on(signal, reload);
  return () => {
    for (const signal of signals) source.off(signal, reload);
  };
}

/** Resolves with the exit code once a stop signal has been handled by `close`. */
export function waitForShutdown(close: () => Promise<void>, options: SignalOptions): Promise<number> {
  const { logger } = options;
  const source = options.source ?? process;
  const signals = stopSignals(options.platform);
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const s of signals) source.off(s, onSignal);
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error({ deadline_ms: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting anyway');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      close().then(
        () => {
          clearTimeout(deadline);
          logger.info('stopped');
          resolve(0);
        },
        (error: unknown) => {
          clearTimeout(deadline);
          logger.error({ err: error }, 'error during shutdown');
          resolve(1);
        },
      );
    };
    for (const signal of signals) source.on(signal, onSignal);
  });
}
