/**
 * Property-based tests: tens of thousands of generated GetUploadSession answers (valid, almost valid
 * and garbage) through the parser, the poll cycle, the snapshot and the metrics registry. The parser
 * never throws anything but InvalidResponseError; an accepted answer gives metrics with
 * 0 ≤ remaining ≤ size and expected_ranges ≥ 0; a rejected one is counted as invalid_response.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseUploadSessions } from '../../src/servicefabric/parse.js';
import { InvalidResponseError } from '../../src/servicefabric/errors.js';
import { runCycle, type SessionLister } from '../../src/poller/cycle.js';
import { nextSnapshot } from '../../src/poller/snapshot.js';
import { createRegistry } from '../../src/metrics/registry.js';
import { silentLogger } from '../../src/log.js';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import { startServer } from '../helpers/http-server.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** A valid wire session: ascending, disjoint ranges inside [0, FileSize). */
const validSession = fc
  .record({
    path: fc.string({ maxLength: 30 }),
    id: fc.uuid(),
    fileSize: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: MAX })),
    cuts: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
    modified: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
  })
  .map(({ path, id, fileSize, cuts, modified }) => {
    // Cut points in [0, fileSize), sorted and deduplicated, paired into ranges.
    const points = [...new Set(cuts.map((c) => Math.min(fileSize - 1, Math.floor(c * fileSize))))].filter((p) => p >= 0).sort((a, b) => a - b);
    const ranges: Array<{ StartPosition: string; EndPosition: string }> = [];
    for (let i = 0; i + 1 < points.length; i += 2) ranges.push({ StartPosition: String(points[i]), EndPosition: String(points[i + 1]) });
    return { StoreRelativePath: path, SessionId: id, FileSize: String(fileSize), ModifiedDate: modified.toISOString(), ExpectedRanges: ranges };
  });

const validBody = fc
  .uniqueArray(validSession, { maxLength: 6, selector: (s) => s.SessionId.toLowerCase() })
  .map((sessions) => ({ UploadSessions: sessions }));

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

/** A valid body with one thing changed: a field replaced, removed, or a range made wrong. */
const almostValidBody = fc
  .tuple(validBody.filter((b) => b.UploadSessions.length > 0), fc.nat(), fc.constantFrom('StoreRelativePath', 'SessionId', 'FileSize', 'ModifiedDate', 'ExpectedRanges', 'StartPosition', 'EndPosition', 'duplicate', 'swap', 'drop'), badValue)
  .map(([body, which, field, value]) => {
    const sessions = body.UploadSessions.map((s) => ({ ...s, ExpectedRanges: s.ExpectedRanges.map((r) => ({ ...r })) })) as Array<Record<string, unknown>>;
    const target = sessions[which % sessions.length]!;
    const ranges = target.ExpectedRanges as Array<Record<string, unknown>>;
    switch (field) {
      case 'duplicate':
        sessions.push({ ...target });
        break;
      case 'swap':
        if (ranges.length > 0) ranges[0] = { StartPosition: ranges[0]!.EndPosition, EndPosition: String(Number(ranges[0]!.StartPosition) - 1) };
        else target.ExpectedRanges = [{ StartPosition: target.FileSize, EndPosition: target.FileSize }];
        break;
      case 'drop':
        delete target[Object.keys(target)[which % 5]!];
        break;
      case 'StartPosition':
      case 'EndPosition':
        if (ranges.length > 0) ranges[which % ranges.length]![field] = value;
        else target.ExpectedRanges = [{ StartPosition: '0', EndPosition: '0', [field]: value }];
        break;
      default:
        target[field] = value;
    }
    return { UploadSessions: sessions } as unknown;
  });

const garbageBody = fc.oneof(fc.anything(), fc.json().map((text) => JSON.parse(text) as unknown), fc.record({ UploadSessions: fc.anything() }));

const anyBody = fc.oneof({ arbitrary: validBody, weight: 2 }, { arbitrary: almostValidBody, weight: 3 }, { arbitrary: garbageBody, weight: 2 });

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
    fc.assert(fc.property(validBody, (body) => parseOutcome(body) === 'accepted'), { numRuns: 1000 });
  });
});

describe('cycle → snapshot → metrics properties', () => {
  it('every accepted answer gives 0 ≤ remaining ≤ size and expected_ranges ≥ 0; every rejected one counts as invalid_response (10,000 answers)', async () => {
    let answers = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyBody, { minLength: 40, maxLength: 40 }), async (bodies) => {
        answers += bodies.length;
        const paths = bodies.map((_, i) => `p${i}`);
        const client: SessionLister = {
          getUploadSessions: async (path) => {
            try {
              return parseUploadSessions(bodies[Number(path.slice(1))]);
            } catch (error) {
              // What the real client does with a parser rejection.
              if (error instanceof InvalidResponseError) throw new InvalidResponseError(`GET ${path}: invalid response: ${error.message}`);
              throw error;
            }
          },
          close: async () => undefined,
        };
        const outcomes = await runCycle([{ cluster: 'c', client, contentPaths: paths }], { concurrency: 4, logger: silentLogger });
        const snapshot = nextSnapshot(undefined, outcomes!, { completedMs: Date.now(), cycleDurationSeconds: 0, cyclesSkippedTotal: 0 });
        const registry = createRegistry({ snapshot: () => snapshot, maxStalenessMs: 60_000, build: { version: 't', revision: 't', nodejsVersion: 't' }, disableExporterMetrics: true });
        const families = new Map((await registry.getMetricsAsJSON()).map((f) => [f.name, f.values as Array<{ labels: Record<string, string>; value: number }>]));
        const value = (name: string, labels: Record<string, string>): number[] =>
          (families.get(name) ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).map((v) => v.value);

        bodies.forEach((body, i) => {
          const path = `p${i}`;
          const verdict = parseOutcome(body);
          const invalid = value('servicefabric_imagestore_poll_failures_total', { content_path: path, reason: 'invalid_response' });
          expect(value('servicefabric_imagestore_poll_success', { content_path: path })).toEqual([verdict === 'accepted' ? 1 : 0]);
          expect(invalid).toEqual([verdict === 'accepted' ? 0 : 1]);
        });
        const sizes = new Map((families.get('servicefabric_imagestore_upload_session_size_bytes') ?? []).map((v) => [JSON.stringify(v.labels), v.value]));
        for (const r of families.get('servicefabric_imagestore_upload_session_remaining_bytes') ?? []) {
          expect(r.value).toBeGreaterThanOrEqual(0);
          expect(r.value).toBeLessThanOrEqual(sizes.get(JSON.stringify(r.labels))!);
        }
        for (const e of families.get('servicefabric_imagestore_upload_session_expected_ranges') ?? []) expect(e.value).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 250 },
    );
    expect(answers).toBeGreaterThanOrEqual(10_000);
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
