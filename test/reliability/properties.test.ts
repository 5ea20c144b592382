/**
 * Property-based tests: tens of thousands of generated GetUploadSession answers (valid, almost valid
 * and garbage) through the parser, the poll cycle, the snapshot and the metrics registry. The
 * expected outcome comes from the generators, not from the parser: a valid answer's sessions show
 * the remaining bytes summed from the generated ranges, its size and range count; an answer broken
 * in a way no rule could accept is counted as invalid_response. The parser never throws anything
 * but InvalidResponseError, and every answer gives 0 ≤ remaining ≤ size.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseUploadSessions } from '../../src/servicefabric/parse.js';
import { InvalidResponseError } from '../../src/servicefabric/request-errors.js';
import { runCycle, type SessionLister } from '../../src/poller/cycle.js';
import { nextSnapshot } from '../../src/poller/snapshot.js';
import { createRegistry } from '../../src/metrics/registry.js';
import { silentLogger } from '../../src/log.js';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import { startServer } from '../helpers/http-server.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** What a valid session must come out as, computed from the generated ranges, not by the parser. */
interface Expected {
  readonly id: string;
  readonly size: number;
  /** The reference sum: the lengths of the generated ranges, end − start + 1 each. */
  readonly remaining: number;
  readonly ranges: number;
}

/** A valid wire session: ascending, disjoint ranges inside [0, FileSize), with what it must parse to. */
const validSession = fc
  .record({
    path: fc.string({ maxLength: 30 }),
    id: fc.uuid(),
    fileSize: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: MAX })),
    cuts: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
    // Up to now: a date further ahead than the clock skew the parser allows is invalid (tested in
    // test/servicefabric/parse.test.ts), so the valid generator stays at or before this run's start.
    modified: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true }),
  })
  .map(({ path, id, fileSize, cuts, modified }) => {
    // Cut points in [0, fileSize), sorted and deduplicated, paired into ranges.
    const points = [...new Set(cuts.map((c) => Math.min(fileSize - 1, Math.floor(c * fileSize))))].filter((p) => p >= 0).sort((a, b) => a - b);
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i + 1 < points.length; i += 2) pairs.push([points[i]!, points[i + 1]!]);
    const wire = {
      StoreRelativePath: path,
      SessionId: id,
      FileSize: String(fileSize),
      ModifiedDate: modified.toISOString(),
      ExpectedRanges: pairs.map(([start, end]) => ({ StartPosition: String(start), EndPosition: String(end) })),
    };
    const expected: Expected = { id: id.toLowerCase(), size: fileSize, remaining: pairs.reduce((sum, [start, end]) => sum + (end - start + 1), 0), ranges: pairs.length };
    return { wire, expected };
  });

/** A body and what it must give: its sessions, a rejection, or (where only the parser's rules could tell) unknown. */
interface Labelled {
  readonly body: unknown;
  readonly verdict: { readonly accepted: readonly Expected[] } | 'rejected' | 'unknown';
}

const validSessions = fc.uniqueArray(validSession, { maxLength: 6, selector: (s) => s.expected.id });

const validBody = validSessions.map((sessions) => ({ UploadSessions: sessions.map((s) => s.wire) }));

const validLabelled = validSessions.map((sessions): Labelled => ({ body: { UploadSessions: sessions.map((s) => s.wire) }, verdict: { accepted: sessions.map((s) => s.expected) } }));

/** Values a broken gateway or proxy might put in a field. */
const badValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('-1', '1.5', '1e3', '9007199254740993', '18446744073709551615', '', ' 1', '0x10', '2026-02-30T00:00:00Z'),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

/** Whether no field of a session accepts `value`: the wire has strings and one array of objects, all required. */
function fitsNoField(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'object' && !Array.isArray(value));
}

/** A valid body with one thing changed: a field replaced, removed, or a range made wrong. */
const almostValidLabelled = fc
  .tuple(validBody.filter((b) => b.UploadSessions.length > 0), fc.nat(), fc.constantFrom('StoreRelativePath', 'SessionId', 'FileSize', 'ModifiedDate', 'ExpectedRanges', 'StartPosition', 'EndPosition', 'duplicate', 'swap', 'drop'), badValue)
  .map(([body, which, field, value]): Labelled => {
    const sessions = body.UploadSessions.map((s) => ({ ...s, ExpectedRanges: s.ExpectedRanges.map((r) => ({ ...r })) })) as Array<Record<string, unknown>>;
    const target = sessions[which % sessions.length]!;
    const ranges = target.ExpectedRanges as Array<Record<string, unknown>>;
    let verdict: Labelled['verdict'];
    switch (field) {
      case 'duplicate':
        // One id twice.
        sessions.push({ ...target });
        verdict = 'rejected';
        break;
      case 'swap':
        if (ranges.length > 0) {
          // End before start.
          ranges[0] = { StartPosition: ranges[0]!.EndPosition, EndPosition: String(Number(ranges[0]!.StartPosition) - 1) };
          verdict = 'rejected';
        } else {
          // A range at FileSize: beyond the file, unless the file is empty (the runtime's [0, 0] quirk).
          target.ExpectedRanges = [{ StartPosition: target.FileSize, EndPosition: target.FileSize }];
          verdict = target.FileSize === '0' ? 'unknown' : 'rejected';
        }
        break;
      case 'drop':
        // Every one of the five fields is required.
        delete target[Object.keys(target)[which % 5]!];
        verdict = 'rejected';
        break;
      case 'StartPosition':
      case 'EndPosition':
        if (ranges.length > 0) ranges[which % ranges.length]![field] = value;
        else target.ExpectedRanges = [{ StartPosition: '0', EndPosition: '0', [field]: value }];
        verdict = fitsNoField(value) ? 'rejected' : 'unknown';
        break;
      default:
        target[field] = value;
        verdict = fitsNoField(value) ? 'rejected' : 'unknown';
    }
    return { body: { UploadSessions: sessions }, verdict };
  });

const almostValidBody = almostValidLabelled.map((l) => l.body);

const garbageBody = fc.oneof(fc.anything(), fc.json().map((text) => JSON.parse(text) as unknown), fc.record({ UploadSessions: fc.anything() }));

const anyBody = fc.oneof({ arbitrary: validBody, weight: 2 }, { arbitrary: almostValidBody, weight: 3 }, { arbitrary: garbageBody, weight: 2 });

/** Garbage that is no object with an UploadSessions array is rejected, whatever else it holds. */
const garbageLabelled = garbageBody.map((body): Labelled => {
  const list = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'UploadSessions') ? (body as { UploadSessions: unknown }).UploadSessions : undefined;
  return { body, verdict: Array.isArray(list) ? 'unknown' : 'rejected' };
});

const anyLabelled = fc.oneof({ arbitrary: validLabelled, weight: 2 }, { arbitrary: almostValidLabelled, weight: 3 }, { arbitrary: garbageLabelled, weight: 2 });

function parseOutcome(body: unknown): 'accepted' | 'rejected' {
  try {
    const sessions = parseUploadSessions(body);
    for (const s of sessions) {
      expect(s.remainingBytes).toBeGreaterThanOrEqual(0);
      expect(s.remainingBytes).toBeLessThanOrEqual(s.fileSize);
    }
    return 'accepted';
  } catch (error) {
    // Anything but the typed error is a parser bug.
    if (!(error instanceof InvalidResponseError)) throw error;
    return 'rejected';
  }
}

describe('parser properties', () => {
  it('never throws anything but InvalidResponseError, and accepts every valid answer (10,000 runs)', () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(anyBody, (body) => {
        seen[parseOutcome(body)] += 1;
      }),
      { numRuns: 10_000 },
    );
    // The generators reach both sides.
    expect(seen.accepted).toBeGreaterThan(1000);
    expect(seen.rejected).toBeGreaterThan(1000);
    // Against the generator's own figures: each valid session's remaining bytes are the sum of its ranges.
    fc.assert(
      fc.property(validLabelled, ({ body, verdict }) => {
        const parsed = parseUploadSessions(body).map((p) => ({ id: p.sessionId, size: p.fileSize, remaining: p.remainingBytes, ranges: p.expectedRanges.length }));
        expect(parsed).toEqual((verdict as { accepted: Expected[] }).accepted);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every answer with a field no value of which is valid, a duplicate id, a missing field or a reversed range', () => {
    fc.assert(
      fc.property(fc.oneof(almostValidLabelled, garbageLabelled), ({ body, verdict }) => {
        if (verdict === 'rejected') expect(() => parseUploadSessions(body)).toThrow(InvalidResponseError);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('cycle → snapshot → metrics properties', () => {
  it('an accepted answer shows each session with its reference remaining bytes, size and range count; a rejected one counts as invalid_response (10,000 answers)', async () => {
    let answers = 0;
    const checked = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(anyLabelled, { minLength: 40, maxLength: 40 }), async (labelled) => {
        answers += labelled.length;
        const paths = labelled.map((_, i) => `p${i}`);
        const client: SessionLister = {
          getUploadSessions: async (path) => {
            try {
              return parseUploadSessions(labelled[Number(path.slice(1))]!.body);
            } catch (error) {
              // What the real client does with a parser rejection.
              if (error instanceof InvalidResponseError) throw new InvalidResponseError(`GET ${path}: invalid response: ${error.message}`);
              throw error;
            }
          },
          getStoreFile: async () => undefined,
          close: async () => undefined,
        };
        const outcomes = await runCycle([{ cluster: 'c', client, contentPaths: paths }], { concurrency: 4, logger: silentLogger });
        const snapshot = nextSnapshot(undefined, outcomes!, { completedMs: Date.now(), cycleDurationSeconds: 0, cyclesSkippedTotal: 0 });
        const registry = createRegistry({ snapshot: () => snapshot, maxStalenessMs: 60_000, build: { version: 't', revision: 't', nodejsVersion: 't' }, disableExporterMetrics: true });
        const families = new Map((await registry.getMetricsAsJSON()).map((f) => [f.name, f.values as Array<{ labels: Record<string, string>; value: number }>]));
        const value = (name: string, labels: Record<string, string>): number[] =>
          (families.get(name) ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).map((v) => v.value);

        labelled.forEach(({ verdict }, i) => {
          const path = `p${i}`;
          const success = value('servicefabric_imagestore_poll_success', { content_path: path });
          const invalid = value('servicefabric_imagestore_poll_failures_total', { content_path: path, reason: 'invalid_response' });
          // Exactly one of the two, whichever the verdict.
          expect([success, invalid]).toContainEqual([1]);
          expect([...success, ...invalid].reduce((a, b) => a + b, 0)).toBe(1);
          if (verdict === 'rejected') {
            checked.rejected += 1;
            expect({ path, success, invalid }).toEqual({ path, success: [0], invalid: [1] });
          } else if (verdict !== 'unknown') {
            checked.accepted += 1;
            expect({ path, success, invalid }).toEqual({ path, success: [1], invalid: [0] });
            const shown = (name: string) =>
              (families.get(name) ?? []).filter((v) => v.labels.content_path === path).map((v) => [v.labels.session_id, v.value]).sort();
            const expected = (pick: (e: Expected) => number) => verdict.accepted.map((e) => [e.id, pick(e)]).sort();
            expect(shown('servicefabric_imagestore_upload_session_remaining_bytes')).toEqual(expected((e) => e.remaining));
            expect(shown('servicefabric_imagestore_upload_session_size_bytes')).toEqual(expected((e) => e.size));
            expect(shown('servicefabric_imagestore_upload_session_expected_ranges')).toEqual(expected((e) => e.ranges));
          }
        });
        const sizes = new Map((families.get('servicefabric_imagestore_upload_session_size_bytes') ?? []).map((v) => [JSON.stringify(v.labels), v.value]));
        for (const r of families.get('servicefabric_imagestore_upload_session_remaining_bytes') ?? []) {
          expect(r.value).toBeGreaterThanOrEqual(0);
          expect(r.value).toBeLessThanOrEqual(sizes.get(JSON.stringify(r.labels))!);
        }
      }),
      { numRuns: 250 },
    );
    expect(answers).toBeGreaterThanOrEqual(10_000);
    // The labels reach both sides often enough to mean something.
    expect(checked.accepted).toBeGreaterThan(1000);
    expect(checked.rejected).toBeGreaterThan(1000);
  });

  it('raw bodies through the real client: never an unclassified error (a smaller sample over HTTP)', async () => {
    let next = '';
    const server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(next));
    const client = new ServiceFabricClient({ endpoint: server.url, requestTimeoutMs: 5000, userAgent: 'test' });
    try {
      const text = fc.oneof(anyBody.map((b) => JSON.stringify(b) ?? ''), fc.string(), fc.string({ unit: 'binary' }), anyBody.map((b) => (JSON.stringify(b) ?? '').slice(0, 7)));
      await fc.assert(
        fc.asyncProperty(text, async (body) => {
          next = body;
          try {
            const sessions = await client.getUploadSessions('p');
            for (const s of sessions) expect(s.remainingBytes).toBeLessThanOrEqual(s.fileSize);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidResponseError);
          }
        }),
        { numRuns: 300 },
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});
