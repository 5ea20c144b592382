/** A logger whose output a test can read back, for "what was logged" and secrets-scan assertions. */
import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../src/log.js';

export interface CapturedLog {
  readonly logger: Logger;
  /** Everything written so far, as one string. */
  text(): string;
  /** The JSON lines written so far, parsed. */
  entries(): Array<Record<string, unknown>>;
}

/** A JSON-lines logger at `level` (default debug) that writes into memory. */
export function captureLog(level: LogLevel = 'debug'): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const text = (): string => chunks.join('');
  return {
    logger: createLogger({ level, destination: stream }),
    text,
    entries: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
