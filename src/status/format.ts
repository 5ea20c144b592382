/** Human-readable numbers shared by the status page and the `status` command. */
import prettyBytes from 'pretty-bytes';
import { formatDuration } from '../config/duration.js';

/** Bytes in binary units, e.g. `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  return prettyBytes(bytes, { binary: true, maximumFractionDigits: 1 });
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
