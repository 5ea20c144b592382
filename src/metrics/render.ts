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
import { MAX_VALUE_LENGTH, writeValue } from './number-format.js';
import { SnapshotCache } from './snapshot-cache.js';
import type { FamilySpec, Sample, ScrapeView } from './family.js';
import { addDefaultMetrics, familySpecs, scrapeView, type MetricsOptions } from './registry.js';

/** What the telemetry path serves: a prom-client Registry satisfies it too. */
export interface MetricsSource {
  readonly contentType: string;
  /** The exposition, as text or as chunks of bytes to send in order. */
  metrics(): Promise<string | readonly Buffer[]>;
  /**
   * Hands back the chunks of one `metrics()` answer once nothing reads them any more (sent to the
   * socket, or compressed), so their buffers can serve a later scrape. Optional on both sides: a
   * caller that never releases only costs fresh buffers.
   */
  release?(chunks: readonly Buffer[]): void;
  /**
   * Whether a chunk of a `metrics()` answer keeps the same bytes for as long as it is referenced
   * (text rendered once per snapshot), so that a compressed copy may be kept with it. Optional:
   * without it every chunk counts as changing per scrape.
   */
  isFixed?(chunk: Buffer): boolean;
}

/**
 * A family's header and the prefix of each line (`name{labels} `) rendered once, as bytes, with
 * the inputs of its per-scrape values.
 */
interface TimedPart {
  readonly header: Buffer;
  /** One view per line into a single buffer: `set` copies each natively, with no allocation per line. */
  readonly prefixes: readonly Uint8Array[];
  readonly inputs: Float64Array;
  readonly value: (input: number, nowMs: number) => number;
  /** The clock step of `value` (FamilySpec `timed.stepMs`): one rendering serves a whole step. */
  readonly stepMs: number;
  /** Bytes one rendering can need: header, prefixes, and the longest value and a newline per line. */
  readonly capacity: number;
  /** Buffers of earlier renderings of this part, handed back by `release`. */
  readonly free: Buffer[];
  /** The rendering of the current clock step, shared by every scrape within it. */
  current: TimedRendering | undefined;
}

/** One rendering of a timed part: its text, the buffer under it, and how many answers hold it. */
interface TimedRendering {
  readonly part: TimedPart;
  readonly step: number;
  readonly chunk: Buffer;
  readonly buffer: Buffer;
  /** `metrics()` answers that returned this chunk and have not released it. */
  lent: number;
}

function timedPart(spec: FamilySpec & { timed: NonNullable<FamilySpec['timed']> }, view: ScrapeView, encode: LabelEncoder): TimedPart {
  const name = Buffer.from(escapeString(spec.name));
  const series = spec.timed.series(view);
  const labels = series.map((s) => encode(s.labels));
  const all = Buffer.allocUnsafe(labels.reduce((n, l) => n + name.length + l.length + 3, 0));
  const prefixes: Uint8Array[] = [];
  let pos = 0;
  for (const l of labels) {
    const start = pos;
    pos = writePrefix(all, pos, name, l);
    prefixes.push(new Uint8Array(all.buffer, all.byteOffset + start, pos - start));
  }
  const head = Buffer.from(header(spec));
  return {
    header: head,
    prefixes,
    inputs: Float64Array.from(series, (s) => s.value),
    value: spec.timed.value,
    stepMs: spec.timed.stepMs,
    capacity: head.length + pos + series.length * (MAX_VALUE_LENGTH + 1),
    free: [],
    current: undefined,
  };
}

/** The part's text at `nowMs` in `out`: prefixes copied as bytes, only the numbers formatted. */
function renderTimed(part: TimedPart, nowMs: number, out: Buffer): Buffer {
  const { prefixes, inputs } = part;
  const n = inputs.length;
  let pos = part.header.copy(out, 0);
  for (let i = 0; i < n; i++) {
    // TypedArray#set of a view made once per snapshot: Buffer#copy builds a view per call, and
    // 10,000 of those per scrape would be most of its time (and garbage).
    const prefix = prefixes[i] as Uint8Array;
    out.set(prefix, pos);
    pos += prefix.length;
    pos = writeValue(out, pos, part.value(inputs[i] as number, nowMs));
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

function escapeLabelValue(value: string | number): string | number {
  if (typeof value !== 'string' || !NEEDS_ESCAPE.test(value)) return value;
  return escapeString(value).replace(/"/g, '\\"');
}

/**
 * `a="x",b="y"` as its UTF-8 bytes, one char per byte (latin1), written back byte for byte by
 * `writePrefix`. V8 keeps such a string at one byte per char behind a 16-byte header: a renderer
 * keeps one per label set (90,000 at 10,000 paths and sessions), and a `Buffer` of its own took
 * twice the memory (its object and its slice of an 8 KB pool slab).
 */
function encodeLabels(labels: Sample['labels']): string {
  let text = '';
  for (const key in labels) {
    text += `${text === '' ? '' : ','}${key}="${escapeLabelValue(labels[key] as string | number)}"`;
  }
  // Through the bytes also for ASCII: a flat string, not the chain of concatenations `text` is.
  return Buffer.from(text).toString('latin1');
}

/** Turns a labels object into its bytes, one char per byte (`encodeLabels`). */
type LabelEncoder = (labels: Sample['labels']) => string;

/**
 * A renderer's encoded label sets. The families share one labels object per path and per session,
 * kept while it does not change (path-families.ts, session-families.ts), so each is encoded once, not once per
 * family and cycle; a build keeps those it used and drops the rest.
 */
class LabelBytes {
  readonly #texts = new SnapshotCache<object, string>();

  /** The encoder of one build. */
  forBuild(): LabelEncoder {
    const build = {};
    return (labels) => this.#texts.get(build, labels) ?? this.#texts.set(labels, encodeLabels(labels));
  }
}

/** Copies `source` to `pos`; a byte loop for short sources, which Buffer#copy (a view per call) is slower at. */
function copyBytes(out: Buffer, pos: number, source: Buffer): number {
  const length = source.length;
  if (length > 16) return pos + source.copy(out, pos);
  for (let k = 0; k < length; k++) out[pos + k] = source[k] as number;
  return pos + length;
}

/** Writes `name{labels} ` (or `name `) at `pos`; returns the position after it. */
function writePrefix(out: Buffer, pos: number, name: Buffer, labels: string): number {
  pos = copyBytes(out, pos, name);
  if (labels.length > 0) {
    out[pos++] = 0x7b; // {
    pos += out.write(labels, pos, 'latin1');
    out[pos++] = 0x7d; // }
  }
  out[pos++] = 0x20;
  return pos;
}

function header(spec: FamilySpec): string {
  const name = escapeString(spec.name);
  return `# HELP ${name} ${escapeString(spec.help)}\n# TYPE ${name} ${spec.type}\n`;
}

/**
 * One family's text as bytes, each line (the last too) ending in a newline: written straight into
 * one buffer, because building a string per line left hundreds of megabytes of garbage per render
 * at 10,000 sessions.
 */
function renderFamily(spec: FamilySpec, samples: readonly Sample[], encode: LabelEncoder = encodeLabels): Buffer {
  const name = Buffer.from(escapeString(spec.name));
  const head = Buffer.from(header(spec));
  const labels = samples.map((sample) => encode(sample.labels));
  const size = labels.reduce((n, l) => n + name.length + l.length + 4 + MAX_VALUE_LENGTH, head.length);
  const out = Buffer.allocUnsafe(size);
  let pos = head.copy(out, 0);
  for (let i = 0; i < samples.length; i++) {
    pos = writePrefix(out, pos, name, labels[i] as string);
    pos = writeValue(out, pos, (samples[i] as Sample).value);
    out[pos++] = 0x0a;
  }
  return out.subarray(0, pos);
}

/** The per-snapshot parts: consecutive cached families merged into one buffer. */
function buildParts(specs: readonly FamilySpec[], view: ScrapeView, encode: LabelEncoder): Part[] {
  const parts: Part[] = [];
  let cached: Buffer[] = [];
  // One exact-size copy: the families' buffers are over-allocated by the longest value per line.
  const flush = (): void => {
    if (cached.length > 0) parts.push(Buffer.concat(cached));
    cached = [];
  };
  specs.forEach((spec, i) => {
    // Families are separated by an empty line, as prom-client joins them.
    const separator = i === 0 ? EMPTY : NEWLINE;
    if (spec.scope === 'snapshot') {
      cached.push(separator, renderFamily(spec, spec.collect(view), encode));
      return;
    }
    cached.push(separator);
    flush();
    if (spec.timed) parts.push(timedPart({ ...spec, timed: spec.timed }, view, encode));
    else parts.push(spec);
  });
  flush();
  return parts;
}

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');

function isTimed(part: Part): part is TimedPart {
  return !Buffer.isBuffer(part) && 'prefixes' in part;
}

/**
 * Free buffers kept per timed part. Each is the size of `age_seconds` (2.6 MB at 10,000 sessions,
 * 26 MB at 100,000) and stays resident until the next snapshot (with 16, a burst of 10 concurrent
 * scrapes pinned 10 of them). One rendering serves every scrape of its clock second, so a new
 * second needs one buffer, and the one of the second before is free again once its answers are
 * sent: a second spare only pinned memory. A rendering needed while an older one is still being
 * sent allocates its buffer and gives it back to the allocator.
 */
const MAX_FREE_BUFFERS = 1;

/** The exporter's /metrics renderer: see the module comment. */
export class MetricsRenderer implements MetricsSource {
  readonly contentType: string;
  readonly #specs: readonly FamilySpec[];
  readonly #view: () => ScrapeView;
  readonly #defaults: Registry | undefined;
  #cache: { snapshot: Snapshot | undefined; fresh: boolean; parts: Part[] } | undefined;
  readonly #labels = new LabelBytes();
  /** The chunks whose bytes never change while they live (`isFixed`): per snapshot, or per clock step. */
  readonly #fixed = new WeakSet<Buffer>();
  /** The rendering behind each timed chunk lent out by `metrics()`, until its last `release`. */
  readonly #lent = new WeakMap<Buffer, TimedRendering>();

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
      else if (isTimed(part)) out.push(this.#renderTimed(part, view.nowMs));
      else out.push(renderFamily(part, part.collect(view)));
    }
    if (this.#defaults) out.push(Buffer.from(`\n${await this.#defaults.metrics()}`));
    return out;
  }

  /** Takes back the buffers of `metrics()` chunks that nothing reads any more. */
  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      const rendering = this.#lent.get(chunk);
      if (rendering === undefined || rendering.lent === 0) continue;
      rendering.lent -= 1;
      if (rendering.lent === 0 && rendering.part.current !== rendering) this.#retire(rendering);
    }
  }

  /** True for the chunks whose bytes never change while they live: rendered once per snapshot, or once per clock step. */
  isFixed(chunk: Buffer): boolean {
    return this.#fixed.has(chunk);
  }

  // A buffer per rendering is megabytes at 10,000 sessions: allocating each anew cost page faults
  // and, through V8's accounting of buffer memory, a full garbage collection every few scrapes.
  // A rendering serves every scrape of its clock step, and its buffer is reused only once the step
  // has passed and no answer reads it: until then its bytes, and a compressed copy kept with them
  // (`isFixed`), stay valid.
  #renderTimed(part: TimedPart, nowMs: number): Buffer {
    const step = Math.floor(nowMs / part.stepMs);
    let rendering = part.current;
    if (rendering === undefined || rendering.step !== step) {
      if (rendering !== undefined && rendering.lent === 0) this.#retire(rendering);
      const buffer = part.free.pop() ?? Buffer.allocUnsafe(part.capacity);
      const chunk = renderTimed(part, step * part.stepMs, buffer);
      rendering = { part, step, chunk, buffer, lent: 0 };
      part.current = rendering;
      this.#lent.set(chunk, rendering);
      this.#fixed.add(chunk);
    }
    rendering.lent += 1;
    return rendering.chunk;
  }

  /** Gives a rendering's buffer back to its part, for a later step: no answer reads it any more. */
  #retire(rendering: TimedRendering): void {
    this.#lent.delete(rendering.chunk);
    const { part } = rendering;
    // Parts of an older snapshot are dropped with it; a bound keeps a burst of scrapes from
    // pinning its peak number of buffers for the snapshot's lifetime.
    if (part.free.length < MAX_FREE_BUFFERS && this.#cache?.parts.includes(part)) part.free.push(rendering.buffer);
  }

  #partsFor(view: ScrapeView): Part[] {
    const cache = this.#cache;
    if (cache && cache.snapshot === view.snapshot && cache.fresh === view.fresh) return cache.parts;
    const parts = buildParts(this.#specs, view, this.#labels.forBuild());
    for (const part of parts) if (Buffer.isBuffer(part)) this.#fixed.add(part);
    this.#cache = { snapshot: view.snapshot, fresh: view.fresh, parts };
    return parts;
  }
}

/** Builds the renderer served on the telemetry path. */
export function createMetricsRenderer(options: MetricsOptions): MetricsRenderer {
  return new MetricsRenderer(options);
}
