/**
 * Prometheus-style durations for the simulator's own flags (`500ms`, `10s`, `2m`, `1h30m`).
 * Private to the simulator; the exporter's configuration has its own parser.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration such as `90s` or `1h30m` into milliseconds; throws on anything else. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  const re = /(\d+)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(trimmed)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new Error(`invalid duration "${text}" (expected e.g. 500ms, 10s, 2m, 1h30m)`);
  }
  return total;
}
