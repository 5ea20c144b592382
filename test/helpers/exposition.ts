import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One series of a scraped exposition: its family name, labels and numeric value. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses a Prometheus text exposition into a flat list of series. */
export function parseExposition(text: string): Series[] {
  return parsePrometheusTextFormat(text).flatMap((family) =>
    family.metrics.map((m) => ({ name: family.name, labels: m.labels ?? {}, value: Number(m.value) })),
  );
}

/** The series of one family whose labels include every pair in `match`. */
export function seriesOf(all: readonly Series[], name: string, match: Record<string, string> = {}): Series[] {
  return all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The value of the single series matching `name` and `match`; throws if there is not exactly one. */
export function valueOf(all: readonly Series[], name: string, match: Record<string, string> = {}): number {
  const found = seriesOf(all, name, match);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${name}${JSON.stringify(match)}, found ${found.length}`);
  }
  return found[0]!.value;
}
