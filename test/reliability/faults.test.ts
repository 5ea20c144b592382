/**
 * The fault matrix: every way a cluster can misbehave, each on one path while the others stay
 * healthy. For each: /metrics keeps answering (also while the faulty request is still pending), the
 * path reads `poll_success 0` with the right `reason`, each failed poll logs exactly one line and no
 * stack trace, and the healthy paths' series are exactly what the cluster holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { LookupFunction } from 'node:net';
import type { ClusterConfig } from '../../src/config/types.js';
import type { FaultRuleInput } from '../../src/simulator/faults.js';
import type { Simulator } from '../../src/simulator/server.js';
import type { FailureReason } from '../../src/servicefabric/request-errors.js';
import type { ClientOptions } from '../../src/servicefabric/client.js';
import { seriesOf, valueOf, type Series } from '../helpers/exposition.js';
import { closedPort, startServer } from '../helpers/http-server.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import type { LogLine } from './log-lines.js';
import { FAULTY, HEALTHY_A, HEALTHY_B, HEALTHY_SESSIONS, closeAll, healthySimulator, runExporter, scrape, track } from './harness.js';

const REMAINING = 'servicefabric_imagestore_upload_session_remaining_bytes';
const FAILURES = 'servicefabric_imagestore_poll_failures_total';

/** A resolver stub: no DNS packet leaves the machine during tests. */
const lookupNotFound: LookupFunction = (hostname, _options, callback) => {
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
  process.nextTick(() => callback(error, '', 4));
};

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());
afterEach(closeAll);

/** Where the fault lives: a rule on the simulator's faulty path, or a whole other (broken) endpoint. */
type Setup =
  | { readonly rule: FaultRuleInput }
  | { readonly endpoint: (sim: Simulator) => Promise<string>; readonly overrides?: Partial<ClientOptions> };

interface Case {
  readonly fault: string;
  readonly setup: Setup;
  readonly reason: FailureReason;
  /** Text the log line must contain. */
  readonly logs: RegExp;
}

const onPath = (rule: Omit<FaultRuleInput, 'path'>): Setup => ({ rule: { ...rule, path: FAULTY } });

const MATRIX: Case[] = [
  { fault: '1. connection refused', setup: { endpoint: async () => `http://127.0.0.1:${await closedPort()}` }, reason: 'connection', logs: /ECONNREFUSED/ },
  { fault: '2. connection reset mid-response', setup: onPath({ kind: 'reset', resetAfterBytes: 20 }), reason: 'connection', logs: /connection failed/ },
  { fault: '2b. connection reset before any answer', setup: onPath({ kind: 'reset' }), reason: 'connection', logs: /connection failed/ },
  {
    fault: '3. DNS name that does not resolve',
    setup: { endpoint: async () => 'http://sf-cluster.invalid:19080', overrides: { connect: { lookup: lookupNotFound } } },
    reason: 'connection',
    logs: /ENOTFOUND/,
  },
  { fault: '4. no answer until the request timeout', setup: onPath({ kind: 'latency', latencyMs: 60_000 }), reason: 'timeout', logs: /no complete answer within 1500 ms/ },
  { fault: '5. headers, then a body that stalls', setup: onPath({ kind: 'stall' }), reason: 'timeout', logs: /no complete answer within 1500 ms/ },
  {
    fault: '6. TLS handshake failure (the port does not speak TLS)',
    setup: { endpoint: async (sim) => sim.url.replace('http:', 'https:') },
    reason: 'tls',
    logs: /TLS failed/,
  },
  {
    fault: '7. server certificate that fails verification',
    setup: {
      endpoint: async () => {
        const server = track(await startServer((_req, res) => res.writeHead(204).end(), { tls: { key: certs.selfSigned.key, cert: certs.selfSigned.cert } }));
        return server.url;
      },
    },
    reason: 'tls',
    logs: /TLS failed: .*SELF_SIGNED/,
  },
  { fault: '8. HTTP 400 with FabricError', setup: onPath({ kind: 'status', status: 400, code: 'E_INVALIDARG' }), reason: 'fabric_error', logs: /status 400 E_INVALIDARG/ },
  { fault: '9. HTTP 404 with FabricError', setup: onPath({ kind: 'status', status: 404, code: 'FABRIC_E_FILE_NOT_FOUND' }), reason: 'fabric_error', logs: /status 404 FABRIC_E_FILE_NOT_FOUND/ },
  { fault: '10a. HTTP 500 with FabricError', setup: onPath({ kind: 'status', status: 500, code: 'E_FAIL' }), reason: 'fabric_error', logs: /status 500 E_FAIL/ },
  { fault: '10b. HTTP 503 with FabricError', setup: onPath({ kind: 'status', status: 503 }), reason: 'fabric_error', logs: /status 503 FABRIC_E_SERVICE_TOO_BUSY/ },
  { fault: '10c. HTTP 503 with HTTP.sys HTML', setup: onPath({ kind: 'status', status: 503, body: 'html' }), reason: 'http_status', logs: /without a Service Fabric error body/ },
  { fault: '12. body that is not JSON', setup: onPath({ kind: 'invalid_json', text: '<html>oops</html>' }), reason: 'invalid_response', logs: /body is not JSON/ },
  { fault: '12b. JSON cut off half-way', setup: onPath({ kind: 'invalid_json' }), reason: 'invalid_response', logs: /body is not JSON/ },
  { fault: '13a. JSON without UploadSessions', setup: onPath({ kind: 'wrong_shape', shape: 'missing_upload_sessions' }), reason: 'invalid_response', logs: /UploadSessions: missing/ },
  { fault: '13b. sizes and ranges as JSON numbers', setup: onPath({ kind: 'wrong_shape', shape: 'numbers' }), reason: 'invalid_response', logs: /expected a decimal string, got number/ },
  { fault: '13c. nulls', setup: onPath({ kind: 'wrong_shape', shape: 'nulls' }), reason: 'invalid_response', logs: /missing/ },
  { fault: '13d. a JSON array at the top level', setup: onPath({ kind: 'wrong_shape', shape: 'not_an_object' }), reason: 'invalid_response', logs: /expected a JSON object/ },
  { fault: '14a. a size that is not an integer', setup: onPath({ kind: 'wrong_shape', shape: 'fractional_numbers' }), reason: 'invalid_response', logs: /not a decimal integer/ },
  { fault: '14b. a negative size', setup: onPath({ kind: 'wrong_shape', shape: 'negative_numbers' }), reason: 'invalid_response', logs: /is negative/ },
  { fault: '14c. a size beyond 2^53', setup: onPath({ kind: 'wrong_shape', shape: 'beyond_2_53' }), reason: 'invalid_response', logs: /exceeds 2\^53-1/ },
  { fault: '14d. EndPosition < StartPosition', setup: onPath({ kind: 'wrong_shape', shape: 'end_before_start' }), reason: 'invalid_response', logs: /EndPosition 5 is before StartPosition 10/ },
  { fault: '14e. a range beyond FileSize', setup: onPath({ kind: 'wrong_shape', shape: 'range_past_file_size' }), reason: 'invalid_response', logs: /extends beyond FileSize/ },
  { fault: '14f. overlapping ranges', setup: onPath({ kind: 'wrong_shape', shape: 'overlapping_ranges' }), reason: 'invalid_response', logs: /ascending and disjoint/ },
  { fault: '15a. a 100 MB body, chunked', setup: onPath({ kind: 'large_body' }), reason: 'invalid_response', logs: /body exceeds the 4194304-byte limit/ },
  { fault: '15b. a 100 MB body, length declared', setup: onPath({ kind: 'large_body', declareLength: true }), reason: 'invalid_response', logs: /body exceeds the 4194304-byte limit/ },
  { fault: '16. duplicate session ids', setup: onPath({ kind: 'wrong_shape', shape: 'duplicate_session_ids' }), reason: 'invalid_response', logs: /duplicate session id/ },
];

/** The healthy paths' session series must be exactly the sessions the simulator holds. */
function expectHealthy(series: Series[]): void {
  for (const path of [HEALTHY_A, HEALTHY_B]) {
    expect(valueOf(series, 'servicefabric_imagestore_poll_success', { sf_cluster: 'sim', content_path: path })).toBe(1);
    const expected = HEALTHY_SESSIONS.filter((s) => s.path === path);
    const got = seriesOf(series, REMAINING, { sf_cluster: 'sim', content_path: path });
    expect(got.map((s) => [s.labels.session_id, s.value]).sort()).toEqual(expected.map((s) => [s.sessionId, s.remaining]).sort());
    expect(seriesOf(series, FAILURES, { sf_cluster: 'sim', content_path: path }).every((s) => s.value === 0)).toBe(true);
  }
}

function failureLines(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.content_path === FAULTY);
}

describe('fault matrix: one faulty path among healthy ones', () => {
  it.each(MATRIX.map((c) => [c.fault, c] as const))('%s', async (_name, c) => {
    const sim = await healthySimulator();
    const healthy: ClusterConfig = { name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A, HEALTHY_B] };
    let clusters: ClusterConfig[];
    let faultyCluster: string;
    let overrides: Partial<ClientOptions> | undefined;
    if ('rule' in c.setup) {
      sim.faults.add(c.setup.rule);
      clusters = [{ ...healthy, contentPaths: [HEALTHY_A, FAULTY, HEALTHY_B] }];
      faultyCluster = 'sim';
    } else {
      clusters = [healthy, { name: 'broken', endpoint: await c.setup.endpoint(sim), contentPaths: [FAULTY] }];
      faultyCluster = 'broken';
      overrides = c.setup.overrides;
    }
    const { exporter, lines } = await runExporter(clusters, {}, { clientOverrides: (cluster) => (cluster.name === 'broken' ? (overrides ?? {}) : {}) });

    // A second poll, with a scrape while it is in flight: /metrics answers meanwhile (a stalled or
    // timing-out request is still pending), from the previous cycle's snapshot.
    const cycle = exporter.poller.tick();
    const during = await scrape(exporter);
    await cycle;
    const after = await scrape(exporter);

    for (const { series } of [during, after]) {
      expectHealthy(series);
      expect(valueOf(series, 'servicefabric_imagestore_poll_success', { sf_cluster: faultyCluster, content_path: FAULTY })).toBe(0);
      // No label set outlives its data: a path whose poll failed shows no sessions.
      expect(seriesOf(series, REMAINING, { content_path: FAULTY })).toHaveLength(0);
    }
    const failures = seriesOf(after.series, FAILURES, { sf_cluster: faultyCluster, content_path: FAULTY });
    expect(Object.fromEntries(failures.filter((s) => s.value > 0).map((s) => [s.labels.reason, s.value]))).toEqual({ [c.reason]: 2 });
    expect(valueOf(after.series, 'servicefabric_imagestore_polls_total', { sf_cluster: faultyCluster, content_path: FAULTY })).toBe(2);

    // Exactly one log line per failed poll, a warning naming path and reason, without a stack trace.
    const logged = failureLines(lines);
    expect(logged).toHaveLength(2);
    for (const line of logged) {
      expect(line).toMatchObject({ level: 'warn', sf_cluster: faultyCluster, reason: c.reason });
      expect(line.msg).toMatch(/^poll failed: GET /);
      expect(line.msg).toMatch(c.logs);
      expect(line.raw).not.toMatch(/\n\s+at |"stack"/);
    }
    // A broken cluster's capacity poll fails as its paths do, with its own line per cycle and the same reason.
    const capacity = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('image store capacity poll failed: '));
    expect(capacity.map((l) => [l.sf_cluster, l.reason])).toEqual(faultyCluster === 'broken' ? [['broken', c.reason], ['broken', c.reason]] : []);
    // Nothing else went wrong: no other warning or error in the log.
    expect(lines.filter((l) => (l.level === 'warn' || l.level === 'error') && l.content_path !== FAULTY && !capacity.includes(l))).toEqual([]);
  });
});

describe('bounded read (poll.max_response_size)', () => {
  it('applies the configured limit: an ordinary answer above it is an invalid response, below it is fine', async () => {
    const sim = await healthySimulator();
    // A path with enough sessions for its answer to exceed 2 KiB.
    for (let i = 0; i < 20; i++) sim.store.putSession({ path: 'Big\\many.bin', fileSize: 100 });
    const { exporter, lines } = await runExporter(
      [{ name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A, HEALTHY_B, 'Big\\many.bin'] }],
      { maxResponseBytes: 2048 },
    );
    const { series } = await scrape(exporter);
    expectHealthy(series);
    expect(valueOf(series, FAILURES, { content_path: 'Big\\many.bin', reason: 'invalid_response' })).toBe(1);
    expect(lines.find((l) => l.content_path === 'Big\\many.bin')?.msg).toMatch(/body exceeds the 2048-byte limit/);
  });
});
