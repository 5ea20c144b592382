/**
 * The exposition text of /metrics, rendered for speed: with 10,000 sessions it is tens of
 * megabytes, and prom-client's generic rendering (a labels object and a formatted string per sample,
 * then one big join) took far longer than sending it. Everything that depends only on the snapshot
 * (`scope: 'snapshot'` families) is rendered once per snapshot and kept as bytes; `age_seconds` keeps
 * its label sets rendered and formats only its numbers per scrape; the small families are collected
 * per scrape, and prom-client's default process_* and nodejs_* metrics are rendered by prom-client.
 * The output is byte-identical to the prom-client registry of registry.ts for the same snapshot and
 * clock (tested).
 */
import { Registry } from 'prom-client';
import type { Snapshot } from '../poller/snapshot.js';
import type { FamilySpec, Sample, ScrapeView } from './family.js';
import { addDefaultMetrics, familySpecs, scrapeView, type MetricsOptions } from './registry.js';

/** What the telemetry path serves: a prom-client Registry satisfies it too. */
export interface MetricsSource {
  readonly contentType: string;
  /** The exposition, as text or as chunks of bytes to send in order. */
  metrics(): Promise<string | readonly Buffer[]>;
}

/**
 * A family's header and label sets rendered once, as bytes (`prefixes`, the i-th line's prefix at
 * `offsets[i]` to `offsets[i + 1]`), with the inputs of its per-scrape values.
 */
interface TimedPart {
  readonly header: Buffer;
  readonly prefixes: Buffer;
  readonly offsets: Uint32Array;
  readonly inputs: Float64Array;
  readonly value: (input: number, nowMs: number) => number;
}

/** Longest text of a value formatValue produces (e.g. `-1.2345678901234567e-308`). */
const MAX_VALUE_LENGTH = 24;

function timedPart(spec: FamilySpec & { timed: NonNullable<FamilySpec['timed']> }, view: ScrapeView): TimedPart {
  const name = escapeString(spec.name);
  const series = spec.timed.series(view);
  const prefixes = series.map((s) => Buffer.from(linePrefix(name, s.labels)));
  const offsets = new Uint32Array(prefixes.length + 1);
  prefixes.forEach((p, i) => (offsets[i + 1] = (offsets[i] as number) + p.length));
  return {
    header: Buffer.from(header(spec)),
    prefixes: Buffer.concat(prefixes),
    offsets,
    inputs: Float64Array.from(series, (s) => s.value),
    value: spec.timed.value,
  };
}

/** The part's text at `nowMs`: prefixes copied as bytes, only the numbers formatted. */
function renderTimed(part: TimedPart, nowMs: number): Buffer {
  const n = part.inputs.length;
  const out = Buffer.allocUnsafe(part.header.length + part.prefixes.length + n * (MAX_VALUE_LENGTH + 1));
  let pos = part.header.copy(out, 0);
  for (let i = 0; i < n; i++) {
    pos += part.prefixes.copy(out, pos, part.offsets[i] as number, part.offsets[i + 1] as number);
    // Values are ASCII (digits, '.', 'e', '+', '-', 'Inf', 'Nan').
    pos += out.write(formatValue(part.value(part.inputs[i] as number, nowMs)), pos, 'latin1');
    out[pos++] = 0x0a;
  }
  return out.subarray(0, pos);
}

type Part = Buffer | TimedPart | FamilySpec;

// The escaping and number format of prom-client 15 (lib/registry.js, lib/util.js), so the text
// is the same byte for byte.
function escapeString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

const NEEDS_ESCAPE = /[\\\n"]/;
/** Escaped label values: a content path and cluster name recur in a dozen families per snapshot. */
let escapedValues = new Map<string, string>();

function escapeLabelValue(value: string | number): string | number {
  if (typeof value !== 'string' || !NEEDS_ESCAPE.test(value)) return value;
  let escaped = escapedValues.get(value);
  if (escaped === undefined) {
    escaped = escapeString(value).replace(/"/g, '\\"');
    escapedValues.set(value, escaped);
  }
  return escaped;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

function header(spec: FamilySpec): string {
  const name = escapeString(spec.name);
  return `# HELP ${name} ${escapeString(spec.help)}\n# TYPE ${name} ${spec.type}\n`;
}

/** `name{a="x",b="y"} ` (or `name `): everything of a sample line before its value. */
function linePrefix(name: string, labels: Sample['labels']): string {
  let text = '';
  for (const key in labels) {
    text += `${text === '' ? '' : ','}${key}="${escapeLabelValue(labels[key] as string | number)}"`;
  }
  return text === '' ? `${name} ` : `${name}{${text}} `;
}

/** One family's text, each line (the last too) ending in a newline. */
function renderFamily(spec: FamilySpec, samples: readonly Sample[]): string {
  const name = escapeString(spec.name);
  // One join rather than appending to one growing string: far less garbage with 100,000s of lines.
  const lines = new Array<string>(samples.length + 2);
  lines[0] = header(spec);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as Sample;
    lines[i + 1] = `${linePrefix(name, sample.labels)}${formatValue(sample.value)}\n`;
  }
  lines[samples.length + 1] = '';
  return lines.join('');
}

/** The per-snapshot parts: consecutive cached families merged into one buffer. */
function buildParts(specs: readonly FamilySpec[], view: ScrapeView): Part[] {
  escapedValues = new Map();
  const parts: Part[] = [];
  let cached: string[] = [];
  const flush = (): void => {
    if (cached.length > 0) parts.push(Buffer.concat(cached.map((text) => Buffer.from(text))));
    cached = [];
  };
  specs.forEach((spec, i) => {
    // Families are separated by an empty line, as prom-client joins them.
    const separator = i === 0 ? '' : '\n';
    if (spec.scope === 'snapshot') {
      cached.push(separator, renderFamily(spec, spec.collect(view)));
      return;
    }
    cached.push(separator);
    flush();
    if (spec.timed) parts.push(timedPart({ ...spec, timed: spec.timed }, view));
    else parts.push(spec);
  });
  flush();
  escapedValues = new Map();
  return parts;
}

function isTimed(part: Part): part is TimedPart {
  return !Buffer.isBuffer(part) && 'offsets' in part;
}

/** The exporter's /metrics renderer: see the module comment. */
export class MetricsRenderer implements MetricsSource {
  readonly contentType: string;
  readonly #specs: readonly FamilySpec[];
  readonly #view: () => ScrapeView;
  readonly #defaults: Registry | undefined;
  #cache: { snapshot: Snapshot | undefined; fresh: boolean; parts: Part[] } | undefined;

  constructor(options: MetricsOptions) {
    this.#specs = familySpecs(options);
    this.#view = scrapeView(options);
    this.contentType = Registry.PROMETHEUS_CONTENT_TYPE;
    if (!options.disableExporterMetrics) {
      this.#defaults = new Registry();
      addDefaultMetrics(this.#defaults);
    }
  }

  /** Renders the snapshot-dependent text now (after a cycle), so the next scrape does not pay for it. */
  prepare(): void {
    this.#partsFor(this.#view());
  }

  /** The exposition of this moment, as chunks to send in order. */
  async metrics(): Promise<Buffer[]> {
    const view = this.#view();
    const out: Buffer[] = [];
    for (const part of this.#partsFor(view)) {
      if (Buffer.isBuffer(part)) out.push(part);
      else if (isTimed(part)) out.push(renderTimed(part, view.nowMs));
      else out.push(Buffer.from(renderFamily(part, part.collect(view))));
    }
    if (this.#defaults) out.push(Buffer.from(`\n${await this.#defaults.metrics()}`));
    return out;
  }

  #partsFor(view: ScrapeView): Part[] {
    const cache = this.#cache;
    if (cache && cache.snapshot === view.snapshot && cache.fresh === view.fresh) return cache.parts;
    const parts = buildParts(this.#specs, view);
    this.#cache = { snapshot: view.snapshot, fresh: view.fresh, parts };
    return parts;
  }
}

/** Builds the renderer served on the telemetry path. */
export function createMetricsRenderer(options: MetricsOptions): MetricsRenderer {
  return new MetricsRenderer(options);
}
