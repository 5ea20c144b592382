import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { FaultController } from '../../src/simulator/faults.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { validateFaultRule } from '../../src/simulator/faults.js';
import { byIdUrl, byPathUrl, fabricError, putChunk, rawRequest } from './helpers.js';

/** A GetUploadSession body of unknown shape, as a client would see it. */
type Loose = { UploadSessions: { SessionId: unknown; FileSize: unknown; ModifiedDate: string; ExpectedRanges: { EndPosition: unknown }[] }[] };

const ID = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const PATH = 'Store\\App\\a.dll';

describe('fault injection', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
    await putChunk(sim.url, PATH, ID, 'bytes 0-99/1000');
  });
  afterEach(async () => {
    await sim.close();
  });

  it('latency within the timeout still answers normally', async () => {
    sim.faults.add({ kind: 'latency', latencyMs: 50 });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).UploadSessions).toHaveLength(1);
  });

  it('latency beyond the request timeout answers 504 FABRIC_E_TIMEOUT', async () => {
    sim.faults.add({ kind: 'latency', latencyMs: 60_000 });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH, '&timeout=1'));
    expect(res.status).toBe(504);
    expect(fabricError(res)).toEqual({ Code: 'FABRIC_E_TIMEOUT', Message: 'Operation timed out.' });
  });

  it('a status fault answers a FabricError with the runtime text and Retry-After', async () => {
    sim.faults.add({ kind: 'status', status: 503, retryAfterSeconds: 7 });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(503);
    expect(res.statusMessage).toBe('FABRIC_E_SERVICE_TOO_BUSY');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(fabricError(res)).toEqual({
      Code: 'FABRIC_E_SERVICE_TOO_BUSY',
      Message: 'The service cannot process the request because it is too busy. Please retry.',
    });
  });

  it('a status fault can carry any code and message', async () => {
    sim.faults.add({ kind: 'status', status: 503, code: 'FABRIC_E_NOT_PRIMARY' });
    sim.faults.add({ kind: 'status', status: 500, code: 'E_FAIL', message: 'custom' }); // second rule never acts
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(503);
    expect(fabricError(res).Code).toBe('FABRIC_E_NOT_PRIMARY');
    expect(fabricError(res).Message).toMatch(/not the primary replica/);
  });

  it('a 403 fault has an empty body and no JSON content type, like an auth failure', async () => {
    sim.faults.add({ kind: 'status', status: 403 });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(403);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('a 503 with an html body is not JSON, as HTTP.sys sends it', async () => {
    sim.faults.add({ kind: 'status', status: 503, body: 'html' });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=us-ascii');
    expect(() => JSON.parse(res.body)).toThrow();
    expect(res.body).toContain('HTTP Error 503');
  });

  it('reset drops the connection without an answer', async () => {
    sim.faults.add({ kind: 'reset' });
    await expect(rawRequest(sim.url, 'GET', byPathUrl(PATH))).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|ECONNABORTED/) });
  });

  it('invalid_json answers 200 with a cut-off JSON body', async () => {
    sim.faults.add({ kind: 'invalid_json' });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.startsWith('{"UploadSessions":[{')).toBe(true);
    expect(() => JSON.parse(res.body)).toThrow();
  });

  it('invalid_json can send a given text, and applies even where no session exists', async () => {
    sim.faults.add({ kind: 'invalid_json', path: 'empty', text: 'not json' });
    const res = await rawRequest(sim.url, 'GET', byPathUrl('empty'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('not json');
  });

  it('invalid_json on the store listing answers 200 with a body that does not parse', async () => {
    sim.faults.add({ kind: 'invalid_json', operations: ['ListContent'] });
    const res = await rawRequest(sim.url, 'GET', '/ImageStore?api-version=6.0');
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(res.body)).toThrow();
  });

  it.each([
    ['numbers', (b: Loose) => typeof b.UploadSessions[0]!.FileSize === 'number' && typeof b.UploadSessions[0]!.ExpectedRanges[0]!.EndPosition === 'number'],
    ['missing_expected_ranges', (b: Loose) => b.UploadSessions[0]!.SessionId === ID && !('ExpectedRanges' in b.UploadSessions[0]!)],
    ['missing_upload_sessions', (b: Loose) => JSON.stringify(b) === '{}'],
    ['date_without_millis', (b: Loose) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(b.UploadSessions[0]!.ModifiedDate)],
    ['range_past_file_size', (b: Loose) => b.UploadSessions[0]!.ExpectedRanges.at(-1)!.EndPosition === '1000'],
    ['not_an_object', (b: Loose) => Array.isArray(b)],
    ['negative_numbers', (b: Loose) => b.UploadSessions[0]!.FileSize === '-1'],
    ['nulls', (b: Loose) => Object.values(b.UploadSessions[0]!).every((v) => v === null) && 'SessionId' in b.UploadSessions[0]!],
    ['fractional_numbers', (b: Loose) => b.UploadSessions[0]!.FileSize === '1000.5'],
    ['beyond_2_53', (b: Loose) => b.UploadSessions[0]!.FileSize === '9007199254740993'],
    ['end_before_start', (b: Loose) => JSON.stringify(b.UploadSessions[0]!.ExpectedRanges) === '[{"StartPosition":"10","EndPosition":"5"}]'],
    ['overlapping_ranges', (b: Loose) => b.UploadSessions[0]!.ExpectedRanges.length === 2 && b.UploadSessions[0]!.ExpectedRanges[0]!.EndPosition === '9'],
    ['duplicate_session_ids', (b: Loose) => b.UploadSessions.length === 2 && b.UploadSessions[1]!.SessionId === ID && b.UploadSessions[0]!.SessionId === ID],
  ] as const)('wrong_shape %s answers 200 with a body of that shape', async (shape, check) => {
    sim.faults.add({ kind: 'wrong_shape', shape });
    const res = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(res.status).toBe(200);
    expect(check(JSON.parse(res.body))).toBe(true);
  });

  it('wrong_shape with no session distorts a sample session for the path', async () => {
    sim.faults.add({ kind: 'wrong_shape', shape: 'numbers' });
    const res = await rawRequest(sim.url, 'GET', byPathUrl('elsewhere'));
    const body = JSON.parse(res.body);
    expect(body.UploadSessions[0].StoreRelativePath).toBe('elsewhere');
    expect(body.UploadSessions[0].FileSize).toBe(2097152);
  });

  it('stall sends the status, headers and part of the body, then nothing until close()', async () => {
    sim.faults.add({ kind: 'stall' });
    const base = new URL(sim.url);
    const outcome = new Promise<{ status: number; declared: number; received: string; ended: boolean }>((resolve) => {
      const req = http.get({ host: base.hostname, port: base.port, path: byPathUrl(PATH), agent: false }, (res) => {
        let received = '';
        let settled = false;
        const finish = (ended: boolean): void => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, declared: Number(res.headers['content-length']), received, ended });
        };
        res.on('data', (d: Buffer) => {
          received += d.toString();
          // Part of the body has arrived: now stop the simulator, which must end the stalled answer.
          void sim.close();
        });
        res.on('end', () => finish(true));
        res.on('aborted', () => finish(false));
        res.on('error', () => finish(false));
        res.on('close', () => finish(false));
      });
      req.on('error', () => undefined);
    });
    const result = await outcome;
    expect(result.status).toBe(200);
    expect(result.ended).toBe(false);
    expect(result.received.length).toBeGreaterThan(0);
    expect(result.received.length).toBeLessThan(result.declared);
  });

  it('reset with resetAfterBytes sends the status, headers and part of the body, then resets', async () => {
    sim.faults.add({ kind: 'reset', resetAfterBytes: 10 });
    const base = new URL(sim.url);
    const result = await new Promise<{ status: number; received: string; error: string | undefined }>((resolve) => {
      const req = http.get({ host: base.hostname, port: base.port, path: byPathUrl(PATH), agent: false }, (res) => {
        let received = '';
        res.on('data', (d: Buffer) => (received += d.toString()));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode ?? 0, received, error: e.code ?? e.message }));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, received, error: undefined }));
      });
      req.on('error', () => undefined);
    });
    expect(result.status).toBe(200);
    expect(result.received).toBe('{"UploadSe');
    expect(result.error).toMatch(/ECONNRESET|aborted/);
  });

  it('large_body streams a body of the given size, chunked unless declareLength', async () => {
    sim.faults.add({ kind: 'large_body', bodyBytes: 200_000, times: 1 });
    const chunked = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(chunked.status).toBe(200);
    expect(chunked.headers['content-length']).toBeUndefined();
    expect(chunked.body.length).toBe(200_000);
    expect(chunked.body.startsWith('{"UploadSessions":[ ')).toBe(true);
    sim.faults.add({ kind: 'large_body', bodyBytes: 70_000, declareLength: true, times: 1 });
    const declared = await rawRequest(sim.url, 'GET', byPathUrl(PATH));
    expect(declared.headers['content-length']).toBe('70000');
    expect(declared.body.length).toBe(70_000);
  });

  it('large_body stops streaming when the client goes away', async () => {
    sim.faults.add({ kind: 'large_body', bodyBytes: 1024 ** 3 });
    const base = new URL(sim.url);
    const received = await new Promise<number>((resolve) => {
      const req = http.get({ host: base.hostname, port: base.port, path: byPathUrl(PATH), agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (bytes > 1_000_000) req.destroy();
        });
        res.on('close', () => resolve(bytes));
      });
      req.on('error', () => undefined);
    });
    expect(received).toBeLessThan(1024 ** 3);
    // The simulator is still healthy afterwards.
    sim.faults.clear();
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(200);
  });

  it('applies per path or globally', async () => {
    sim.faults.add({ kind: 'status', status: 502, path: PATH });
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(502);
    expect((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App'))).status).toBe(204);
    // By id, a rule for a path applies to that path's sessions.
    expect((await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', ID))).status).toBe(502);
    sim.faults.clear();
    sim.faults.add({ kind: 'status', status: 502 });
    expect((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App'))).status).toBe(502);
    expect((await rawRequest(sim.url, 'GET', '/ImageStore?api-version=6.0')).status).toBe(502);
  });

  it('leaves uploads alone unless a rule names their operation', async () => {
    sim.faults.add({ kind: 'status', status: 503 });
    expect((await putChunk(sim.url, PATH, ID, 'bytes 100-199/1000')).status).toBe(200);
    sim.faults.add({ kind: 'status', status: 503, operations: ['UploadChunk'] });
    expect((await putChunk(sim.url, PATH, ID, 'bytes 200-299/1000')).status).toBe(503);
    expect(sim.store.byId(ID)?.received).toEqual([{ start: 0, end: 199 }]);
  });

  it('removes a rule after `times` requests; rules can be removed by id', async () => {
    const rule = sim.faults.add({ kind: 'status', status: 503, times: 2 });
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(503);
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(503);
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(200);
    expect(sim.faults.remove(rule.id)).toBe(false);
    const other = sim.faults.add({ kind: 'reset' });
    expect(sim.faults.remove(other.id)).toBe(true);
    expect((await rawRequest(sim.url, 'GET', byPathUrl(PATH))).status).toBe(200);
  });
});

describe('fault rules', () => {
  it('apply with the configured probability', () => {
    let r = 0.7;
    const faults = new FaultController(() => r);
    faults.add({ kind: 'status', probability: 0.5 });
    expect(faults.decide('GetUploadSession', 'x').action).toBeUndefined();
    r = 0.2;
    expect(faults.decide('GetUploadSession', 'x').action?.kind).toBe('status');
  });

  it('sum latency rules and pick the first other rule', () => {
    const faults = new FaultController();
    faults.add({ kind: 'latency', latencyMs: 10 });
    faults.add({ kind: 'status', status: 503 });
    faults.add({ kind: 'latency', latencyMs: 5, path: 'x' });
    faults.add({ kind: 'reset' });
    const d = faults.decide('GetUploadSession', 'x');
    expect(d.latencyMs).toBe(15);
    expect(d.action?.kind).toBe('status');
  });

  it.each([
    [null, /JSON object/],
    [{}, /kind is required/],
    [{ kind: 'explode' }, /kind must be one of/],
    [{ kind: 'latency' }, /needs latencyMs/],
    [{ kind: 'status', status: 999 }, /status must be/],
    [{ kind: 'status', operations: ['Nope'] }, /operations must contain/],
    [{ kind: 'wrong_shape', shape: 'weird' }, /shape must be one of/],
    [{ kind: 'status', probability: 2 }, /probability/],
    [{ kind: 'status', colour: 'red' }, /unknown field "colour"/],
    [{ kind: 'large_body', bodyBytes: 0 }, /bodyBytes must be/],
    [{ kind: 'large_body', declareLength: 'yes' }, /declareLength must be true or false/],
  ])('reject invalid input %j', (input, message) => {
    expect(() => validateFaultRule(input)).toThrow(message);
  });
});
