/**
 * Byte sizes as written in the configuration (`4MiB`, `512KiB`, `10MB`, `1048576`). Binary units
 * (KiB, MiB, GiB) are powers of 1024 and decimal units (KB, MB, GB) powers of 1000, as their names
 * say; Prometheus' own `body_size_limit` reads `MB` as MiB, which is why both spellings are taken
 * literally here rather than guessed at.
 */

const UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

const PATTERN = /^(\d+)(B|KB|MB|GB|KiB|MiB|GiB)?$/;

/** The same grammar as a JSON Schema `pattern`, for the Helm chart's values schema. */
export const SIZE_JSON_PATTERN = PATTERN.source;

/** Parses `4MiB`, `64KiB`, `10MB` or a bare number of bytes into bytes; throws on anything else. */
export function parseSize(text: string): number {
  const match = PATTERN.exec(text);
  if (match === null) {
    throw new Error(`invalid size ${JSON.stringify(text)} (use e.g. 4MiB, 512KiB, 10MB or a number of bytes)`);
  }
  const bytes = Number(match[1]) * (UNITS[match[2] ?? 'B'] ?? 1);
  if (!Number.isSafeInteger(bytes)) throw new Error(`size ${JSON.stringify(text)} is too large`);
  return bytes;
}

/** Formats bytes with the largest binary unit that divides them exactly (4194304 → `4MiB`). */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`cannot format ${bytes} as a size: expected a non-negative whole number of bytes`);
  }
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const multiplier = UNITS[unit] as number;
    if (bytes >= multiplier && bytes % multiplier === 0) return `${bytes / multiplier}${unit}`;
  }
  return `${bytes}B`;
}
