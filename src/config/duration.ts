/**
 * Durations in the Prometheus syntax (`500ms`, `10s`, `1h30m`), so the exporter's config reads like
 * the rest of a Prometheus setup. Values are whole milliseconds.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const YEAR = 365 * DAY;

// Prometheus' own grammar (model.ParseDuration): integer amounts, units largest first, each unit at
// most once. `ms` is listed last so that `10m` is not read as the start of `10ms`.
const PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const MULTIPLIERS = [YEAR, WEEK, DAY, HOUR, MINUTE, SECOND, 1] as const;

/** The same grammar as a JSON Schema `pattern` (with `minLength: 1`, since every part is optional), for the Helm chart's values schema. */
export const DURATION_JSON_PATTERN = `^0$|${PATTERN.source}`;

/** Parses a Prometheus duration such as `500ms`, `10s`, `2m` or `1h30m` into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  if (text === '0') return 0; // Prometheus accepts a bare zero, and only zero, without a unit.
  const match = text === '' ? null : PATTERN.exec(text);
  if (match === null) {
    throw new Error(`invalid duration ${JSON.stringify(text)} (use e.g. 500ms, 10s, 2m)`);
  }
  let total = 0;
  MULTIPLIERS.forEach((multiplier, i) => {
    const digits = match[i + 1];
    if (digits === undefined) return;
    total += Number(digits) * multiplier;
  });
  // Checking the sum alone is enough: every term is non-negative, so any term that lost precision
  // pushes the sum past the safe range too.
  if (!Number.isSafeInteger(total)) {
    throw new Error(`duration ${JSON.stringify(text)} is too large`);
  }
  return total;
}

/** Formats milliseconds as Prometheus does (90000 → `1m30s`, 0 → `0s`); the inverse of parseDuration. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`cannot format ${ms} as a duration: expected a non-negative whole number of milliseconds`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const take = (unit: string, multiplier: number, onlyIfExact: boolean): void => {
    // Like Prometheus, years and weeks are used only when they divide the whole duration: `8d`
    // reads better than `1w1d`.
    if (onlyIfExact && rest % multiplier !== 0) return;
    const amount = Math.floor(rest / multiplier);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * multiplier;
    }
  };
  take('y', YEAR, true);
  take('w', WEEK, true);
  take('d', DAY, false);
  take('h', HOUR, false);
  take('m', MINUTE, false);
  take('s', SECOND, false);
  take('ms', 1, false);
  return out;
}
