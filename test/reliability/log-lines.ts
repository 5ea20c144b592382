/** Captures what a logger writes, one parsed JSON object per line, so tests can count log lines. */
import { createLogger, type Logger } from '../../src/log.js';

/** One logged line, parsed, and its raw text. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly raw: string;
  readonly [key: string]: unknown;
}

/** A logger at `level` whose lines are kept in `lines`. */
export function captureLines(level: 'debug' | 'info' | 'warn' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = {
    write(chunk: string): void {
      for (const raw of chunk.split('\n').filter((l) => l !== '')) {
        lines.push({ ...(JSON.parse(raw) as Record<string, unknown>), raw } as LogLine);
      }
    },
  };
  return { logger: createLogger({ level, destination }), lines };
}
