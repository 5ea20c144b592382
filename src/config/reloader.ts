/**
 * The guarded configuration holder: owns the configuration in effect and every reload of it (SIGHUP,
 * `POST /-/reload`), so that a reload is one observable operation with one outcome, as in
 * blackbox_exporter. A reload either replaces the whole configuration or changes nothing.
 */
import type { Logger } from '../log.js';
import { describeConfig } from './describe.js';
import { ConfigError } from './config-error.js';
import { loadConfigFile } from './load.js';
import type { Config } from './types.js';

/** The outcome of one reload. */
export type ReloadResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly error: string };

/** What the metrics report about reloads. */
export interface ReloadState {
  /** Whether the most recent reload attempt (or the start-up load) succeeded. */
  readonly lastSuccessful: boolean;
  /** Unix ms of the most recent successful load; start-up counts. */
  readonly lastSuccessMs: number;
}

interface ConfigReloaderOptions {
  /** `--config.file`, read again on every reload. */
  readonly file: string;
  /** The configuration loaded at start-up, already in effect. */
  readonly initial: Config;
  /**
   * Hands a valid new configuration to whatever runs it; throwing rejects the configuration (for
   * example when a cluster's client cannot be built) and the previous one stays in effect.
   */
  readonly apply: (config: Config) => void;
  readonly logger: Logger;
  /** Reads and validates the file; `loadConfigFile` unless a test says otherwise. */
  readonly load?: (file: string) => Config;
  readonly now?: () => number;
}

/** Holds the configuration in effect and reloads it on request. */
export class ConfigReloader {
  readonly #options: ConfigReloaderOptions;
  readonly #now: () => number;
  #current: Config;
  #state: ReloadState;

  constructor(options: ConfigReloaderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#current = options.initial;
    this.#state = { lastSuccessful: true, lastSuccessMs: this.#now() };
  }

  /** The configuration in effect (or staged to take effect at the next poll cycle). */
  current(): Config {
    return this.#current;
  }

  /** The reload state, for the metrics. */
  state(): ReloadState {
    return this.#state;
  }

  /**
   * Reads the file again and hands a valid result on; an invalid one is logged and rejected, and the
   * previous configuration keeps running. Synchronous, so two reloads can never interleave.
   */
  reload(trigger: string): ReloadResult {
    const { file, logger } = this.#options;
    let config: Config;
    try {
      config = this.#options.load ? this.#options.load(file) : loadConfigFile(file, logger);
      this.#options.apply(config);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#state = { ...this.#state, lastSuccessful: false };
      logger.error(
        { trigger, config_file: file, issues: error instanceof ConfigError ? error.issues : undefined },
        `configuration reload failed; the previous configuration stays in effect: ${message.replaceAll('\n', '; ')}`,
      );
      return { ok: false, error: message };
    }
    this.#current = config;
    this.#state = { lastSuccessful: true, lastSuccessMs: this.#now() };
    logger.info({ trigger, config_file: file, config: describeConfig(config) }, 'configuration reloaded; it takes effect at the next poll cycle');
    return { ok: true, config };
  }
}
