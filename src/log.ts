import { pino, type Logger, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

/** Log levels accepted by `--log.level`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Log formats accepted by `--log.format`: JSON lines, or one human-readable key=value line. */
export const LOG_FORMATS = ['json', 'logfmt'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

interface LoggerOptions {
  level?: LogLevel | 'silent';
  format?: LogFormat;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** Creates a logger: JSON lines by default, or a human-readable single-line format. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.format === 'logfmt') {
    // In-process and synchronous (not a worker transport) so lines keep their order with the rest
    // of the process's output and are not lost on exit.
    const prettify = prettyFactory({
      colorize: false,
      singleLine: true,
      translateTime: 'SYS:standard',
      ignore: 'pid,hostname',
      // Errors go into the line's JSON like any field, rather than as a multi-line block.
      errorLikeObjectKeys: [],
    });
    const out = options.destination ?? pino.destination({ dest: 1, sync: true });
    return pino(settings, { write: (entry: string) => out.write(oneLine(prettify(entry))) });
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * Characters that could make one entry look like several, or rewrite what a terminal shows: C0 and
 * C1 controls (newline, carriage return, escape), DEL, the Unicode line and paragraph separators
 * and the bidirectional overrides and isolates.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes control characters in text bound for a log line: `\n`, `\r`, `\t`, others as `\uXXXX`. */
function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One formatted entry as exactly one line: pino-pretty leaves a newline in a message as it is, so
 * text from a cluster (a FabricError message) could otherwise start a line that looks like an
 * entry of its own.
 */
function oneLine(formatted: string): string {
  const body = formatted.endsWith('\n') ? formatted.slice(0, -1) : formatted;
  return `${escapeControl(body)}\n`;
}

/** A logger that drops everything: for library code used without a process logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
