/**
 * Human-readable numbers shared by the status page and the `status` command.
 *
 * Bytes are formatted as pretty-bytes formats them (`binary: true, maximumFractionDigits: 1`,
 * tested against it), but with one `Intl.NumberFormat` made once: pretty-bytes builds a new one
 * per call through `toLocaleString`, about 20-40 µs each, which at thousands of sessions would be
 * most of the time a status view takes.
 */
import { formatDuration } from '../config/duration.js';

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;
// `roundingMode` is in Node 20's Intl (ES2023) but not in TypeScript's ES2023 lib.
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, roundingMode: 'trunc', useGrouping: false } as Intl.NumberFormatOptions);

/** Bytes in binary units, e.g. `1.5 GiB` (one decimal at most, truncated). */
export function formatBytes(bytes: number): string {
  const value = Math.abs(bytes);
  let exponent = value >= 1 ? Math.min(Math.floor(Math.log(value) / Math.log(1024)), BINARY_UNITS.length - 1) : 0;
  let scaled = value / 1024 ** exponent;
  // Just below a unit boundary the logarithm can round up to it.
  if (scaled < 1 && exponent > 0) {
    scaled *= 1024;
    exponent -= 1;
  }
  return `${bytes < 0 ? '-' : ''}${ONE_DECIMAL.format(scaled)} ${BINARY_UNITS[exponent]}`;
}

/** Bytes per second, e.g. `12.3 MiB/s`; `–` when unknown. */
export function formatThroughput(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? '–' : `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** Seconds as a Prometheus-style duration rounded to whole seconds, e.g. `3m12s`. */
export function formatAge(seconds: number): string {
  return formatDuration(Math.max(0, Math.round(seconds)) * 1000);
}

/** A progress ratio as a whole percentage, rounded down so that `100%` means complete. */
export function formatPercent(progress: number): string {
  return `${Math.floor(progress * 100)}%`;
}

/** The first block of a session id (a UUID), enough to tell sessions apart on one screen. */
export function shortId(sessionId: string): string {
  return sessionId.split('-')[0] ?? sessionId;
}
