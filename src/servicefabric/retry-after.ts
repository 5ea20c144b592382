/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. */

const DELAY_SECONDS = /^[0-9]+$/;

/** Converts a `Retry-After` value into milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Only something shaped like a date (it names a month or weekday): Date.parse alone would also
  // accept "12.5" or "2024" as dates.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  // A date in the past means "now", not a negative wait.
  return Math.max(0, at - nowMs);
}
