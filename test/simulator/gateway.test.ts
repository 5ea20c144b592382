import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { byIdUrl, byPathUrl, chunkUrl, fabricError, fakeClock, putChunk, putFullChunk, rawRequest } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const ID = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const ID2 = 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5';
const JSON_CT = 'application/json; charset=utf-8';

function expectFabricError(res: { status: number; headers: Record<string, unknown>; body: string }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_CT);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(fabricError(res as never).Code).toBe(code);
  expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('simulated gateway over HTTP', () => {
  let sim: Simulator;
  const clock = fakeClock('2024-05-01T10:00:00.000Z');

  beforeEach(async () => {
    clock.set('2024-05-01T10:00:00.000Z');
    sim = await startSimulator({ now: clock.now });
  });
  afterEach(async () => {
    await sim.close();
  });

  describe('UploadChunk and GetUploadSession', () => {
    it('creates a session with the first chunk and serves it by path, byte-exact', async () => {
      const put = await putChunk(sim.url, 'Store\\App\\a.dll', ID, 'bytes 0-99/1000');
      expect(put.status).toBe(200);
      expect(put.body).toBe('');
      expect(put.headers['content-type']).toBe(JSON_CT);
      expect(put.headers['x-content-type-options']).toBe('nosniff');

      const get = await rawRequest(sim.url, 'GET', byPathUrl('Store\\App\\a.dll'));
      expect(get.status).toBe(200);
      expect(get.headers['content-type']).toBe(JSON_CT);
      expect(get.headers['x-content-type-options']).toBe('nosniff');
      expect(get.body).toBe(
        '{"UploadSessions":[{"StoreRelativePath":"Store\\\\App\\\\a.dll","SessionId":"2032ac6c-a348-4594-86da-dab0f2bb1ae1",' +
          '"FileSize":"1000","ModifiedDate":"2024-05-01T10:00:00.000Z","ExpectedRanges":[{"StartPosition":"100","EndPosition":"999"}]}]}',
      );
    });

    it('merges later chunks, out of order, and bumps ModifiedDate only for new bytes', async () => {
      await putChunk(sim.url, 'f', ID, 'bytes 500-599/1000');
      clock.advance(1234);
      expect((await putChunk(sim.url, 'f', ID, 'bytes 0-99/1000')).status).toBe(200);
      clock.advance(1000);
      // A re-send of bytes already received is refused and changes nothing.
      expectFabricError(await putChunk(sim.url, 'f', ID, 'bytes 20-50/1000'), 400, 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
      const session = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('f'))).body).UploadSessions[0];
      expect(session.ModifiedDate).toBe('2024-05-01T10:00:01.234Z');
      expect(session.ExpectedRanges).toEqual([
        { StartPosition: '100', EndPosition: '499' },
        { StartPosition: '600', EndPosition: '999' },
      ]);
    });

    it('answers 204 with an empty body and the JSON headers when a path has no session', async () => {
      const res = await rawRequest(sim.url, 'GET', byPathUrl('nothing\\here.dll'));
      expect(res.status).toBe(204);
      expect(res.body).toBe('');
      expect(res.headers['content-type']).toBe(JSON_CT);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const byId = await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', ID));
      expect(byId.status).toBe(204);
      expect(byId.body).toBe('');
    });

    it('serves by id with the stored path, lower-casing an upper-case id', async () => {
      await putChunk(sim.url, 'dir/file.bin', ID, 'bytes 0-0/10');
      const res = await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', ID.toUpperCase()));
      expect(res.status).toBe(200);
      const s = JSON.parse(res.body).UploadSessions;
      expect(s).toHaveLength(1);
      expect(s[0].SessionId).toBe(ID);
      expect(s[0].StoreRelativePath).toBe('dir/file.bin');
    });

    it('returns several sessions of one path, and none for a folder above them', async () => {
      await putChunk(sim.url, 'Store\\App\\a.dll', ID2, 'bytes 0-9/100');
      await putChunk(sim.url, 'Store\\App\\a.dll', ID, 'bytes 10-19/100');
      await putChunk(sim.url, 'Store\\App\\b.dll', '11111111-2222-3333-4444-555555555555', 'bytes 0-9/100');
      const res = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App\\a.dll'))).body);
      expect(res.UploadSessions.map((s: { SessionId: string }) => s.SessionId).sort()).toEqual([ID, ID2]);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App'))).status).toBe(204);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('Store'))).status).toBe(204);
    });

    it('treats a raw backslash and %5C alike, but / as a different path; %2F equals a raw /', async () => {
      await putChunk(sim.url, 'SwaggerTest\\Common.dll', ID, 'bytes 0-9/100');
      const raw = await rawRequest(sim.url, 'GET', '/ImageStore/SwaggerTest\\Common.dll/$/GetUploadSession?api-version=6.0');
      expect(raw.status).toBe(200);
      expect(JSON.parse(raw.body).UploadSessions[0].StoreRelativePath).toBe('SwaggerTest\\Common.dll');
      expect((await rawRequest(sim.url, 'GET', '/ImageStore/SwaggerTest/Common.dll/$/GetUploadSession?api-version=6.0')).status).toBe(204);

      await putChunk(sim.url, 'apps/web/site.zip', ID2, 'bytes 0-9/100');
      const rawSlash = await rawRequest(sim.url, 'GET', '/ImageStore/apps/web/site.zip/$/GetUploadSession?api-version=6.0');
      expect(JSON.parse(rawSlash.body).UploadSessions[0].SessionId).toBe(ID2);
    });

    it('handles spaces and other escaped characters in paths', async () => {
      const path = 'Store\\My App\\Code Package\\big file (1).zip';
      expect((await putChunk(sim.url, path, ID, 'bytes 0-9/100')).status).toBe(200);
      const res = await rawRequest(sim.url, 'GET', byPathUrl(path));
      expect(JSON.parse(res.body).UploadSessions[0].StoreRelativePath).toBe(path);
    });

    it('can answer 200 with an empty list instead of 204', async () => {
      const sim200 = await startSimulator({ emptyStatus: 200 });
      try {
        const res = await rawRequest(sim200.url, 'GET', byPathUrl('none'));
        expect(res.status).toBe(200);
        expect(res.body).toBe('{"UploadSessions":[]}');
        expect((await rawRequest(sim200.url, 'GET', byIdUrl('GetUploadSession', ID))).body).toBe('{"UploadSessions":[]}');
      } finally {
        await sim200.close();
      }
    });

    it('accepts a chunk whose body is exactly the range, and a chunk with no body', async () => {
      expect((await putChunk(sim.url, 'f', ID, 'bytes 0-99/200', 100)).status).toBe(200);
      expect((await putChunk(sim.url, 'f', ID, 'bytes 100-199/200')).status).toBe(200);
      expect(sim.store.byId(ID)?.received).toEqual([{ start: 0, end: 199 }]);
      expect(sim.store.byId(ID)?.receivedBytes).toBe(100);
    });

    it('accepts a chunk streamed with chunked transfer encoding and never keeps its bytes', async () => {
      const base = new URL(sim.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = (net.connect(Number(base.port), base.hostname) as net.Socket)
          .on('error', reject)
          .on('data', (d) => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1])));
        req.write(`PUT ${chunkUrl('f', ID)} HTTP/1.1\r\nHost: x\r\nContent-Range: bytes 0-9/10\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
        req.write('5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n');
      });
      expect(status).toBe(200);
      expect(sim.store.byId(ID)?.received).toEqual([{ start: 0, end: 9 }]);
    });
  });

  describe('UploadChunk errors', () => {
    it.each([
      ['malformed', 'bytes=0-9/100'],
      ['start after end', 'bytes 9-0/100'],
      ['end past the file size', 'bytes 50-150/100'],
      ['sizeless', 'bytes 0-9/*'],
      ['upper-case unit', 'BYTES 0-9/100'],
      ['unsafe integer', 'bytes 0-9/18446744073709551615'],
    ])('rejects a %s Content-Range with RANGE_NOT_SATISFIABLE', async (_label, range) => {
      const res = await rawRequest(sim.url, 'PUT', chunkUrl('f', ID), { headers: range ? { 'Content-Range': range } : {} });
      expectFabricError(res, 400, 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
      expect(sim.store.size).toBe(0);
    });

    it('rejects a chunk that is not wholly inside one missing range: overlaps, re-sends, anything after completion', async () => {
      await putChunk(sim.url, 'f', ID, 'bytes 10-19/100');
      const refused = async (range: string): Promise<void> =>
        expectFabricError(await putChunk(sim.url, 'f', ID, range), 400, 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
      await refused('bytes 5-14/100');
      await refused('bytes 0-99/100');
      // A re-send of a chunk already received, whole or in part.
      await refused('bytes 10-19/100');
      await refused('bytes 12-15/100');
      await putChunk(sim.url, 'f', ID, 'bytes 0-9/100');
      await putChunk(sim.url, 'f', ID, 'bytes 20-99/100');
      // Complete now: nothing is expected, so every chunk is refused.
      await refused('bytes 90-99/100');
      await refused('bytes 0-0/100');
      // The last byte of a file is at size − 1; a chunk ending at the size fits no missing range.
      await putChunk(sim.url, 'g', ID2, 'bytes 0-9/100');
      expectFabricError(await putChunk(sim.url, 'g', ID2, 'bytes 90-100/100'), 400, 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
    });

    it('takes a first chunk that ends at the file size: nothing is expected, yet the session can never be committed', async () => {
      const put = await putFullChunk(sim.url, 'f', ID, 'bytes 0-10/10');
      expect(put.status).toBe(200);
      const session = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('f'))).body).UploadSessions[0];
      expect(session.FileSize).toBe('10');
      expect(session.ExpectedRanges).toEqual([]);
      expectFabricError(await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID)), 400, 'E_INVALIDARG');
      expect(sim.store.files()).toEqual([]);
    });

    it.each([
      ['missing', {}],
      ['empty', { 'Content-Range': '' }],
    ])('reads a %s Content-Range as 0-0/0: a new id gets a zero-byte session, an existing one a size mismatch', async (_label, headers) => {
      const put = await rawRequest(sim.url, 'PUT', chunkUrl('zero', ID), { headers });
      expect(put.status).toBe(200);
      const session = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('zero'))).body).UploadSessions[0];
      expect([session.FileSize, session.ExpectedRanges]).toEqual(['0', [{ StartPosition: '0', EndPosition: '0' }]]);
      // Again for the zero-byte session: its only chunk, 0-0, still fits.
      expect((await rawRequest(sim.url, 'PUT', chunkUrl('zero', ID), { headers })).status).toBe(200);

      await putChunk(sim.url, 'sized', ID2, 'bytes 0-9/100');
      expectFabricError(await rawRequest(sim.url, 'PUT', chunkUrl('sized', ID2), { headers }), 400, 'E_INVALIDARG');
    });

    it.each([
      ['a pair that is not two numbers', 'bytes 7/100', { start: 0, end: 0 }],
      ['a doubled unit', 'bytesbytes 0-9/100', { start: 0, end: 9 }],
      ['hexadecimal and spaces', 'bytes 0x0 - 0x9 / 0x64 ', { start: 0, end: 9 }],
      ['plus signs', 'bytes +0-+9/+100', { start: 0, end: 9 }],
      ['empty pieces', 'bytes 0--9//100', { start: 0, end: 9 }],
      ['a minus where a number starts', 'bytes -5-9/100', { start: 5, end: 9 }],
    ])('reads Content-Range leniently, as the runtime does: %s', async (_label, range, expected) => {
      expect((await putChunk(sim.url, 'lenient', ID, range)).status).toBe(200);
      expect(sim.store.byId(ID)?.received).toEqual([{ start: expected.start, end: expected.end }]);
    });

    it.each([
      ['missing', chunkUrl('f', ID).replace(`&session-id=${ID}`, '')],
      ['malformed', chunkUrl('f', 'not-a-guid')],
      ['braced', chunkUrl('f', `{${ID}}`)],
      ['empty GUID', chunkUrl('f', '00000000-0000-0000-0000-000000000000')],
    ])('rejects a %s session id with FABRIC_E_INVALID_UPLOAD_SESSION_ID', async (_label, url) => {
      const res = await rawRequest(sim.url, 'PUT', url, { headers: { 'Content-Range': 'bytes 0-9/100' } });
      expectFabricError(res, 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID');
      expect(fabricError(res).Message).toBe('The upload session identity is invalid.');
    });

    it('rejects a session id reused for another path with 409 ID_CONFLICT', async () => {
      await putChunk(sim.url, 'a\\one.bin', ID, 'bytes 0-9/100');
      const res = await putChunk(sim.url, 'a\\two.bin', ID, 'bytes 10-19/100');
      expectFabricError(res, 409, 'FABRIC_E_UPLOAD_SESSION_ID_CONFLICT');
      expect(res.statusMessage).toBe('FABRIC_E_UPLOAD_SESSION_ID_CONFLICT');
    });

    it('rejects a FileSize different from the session with E_INVALIDARG', async () => {
      await putChunk(sim.url, 'f', ID, 'bytes 0-9/100');
      const res = await putChunk(sim.url, 'f', ID, 'bytes 10-19/101');
      expectFabricError(res, 400, 'E_INVALIDARG');
      expect(res.statusMessage).toBe('Bad Request');
    });

    it.each([
      ['shorter than its range', 5],
      ['longer than its range', 11],
      ['missing', undefined],
    ])('takes a chunk whose body is %s; the commit then fails as the joined size differs', async (_label, length) => {
      expect((await putChunk(sim.url, 'Store/App/f.bin', ID, 'bytes 0-9/100', length)).status).toBe(200);
      expect((await putFullChunk(sim.url, 'Store/App/f.bin', ID, 'bytes 10-99/100')).status).toBe(200);
      const commit = await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID));
      expectFabricError(commit, 400, 'E_INVALIDARG');
      const joined = 90 + (length ?? 0);
      // IDS_FSS_UnexpectedMergeSize, arguments in the runtime's order: file size first, joined size second.
      expect(fabricError(commit).Message).toBe(
        `Upload failed due to an internal error. Image store file Store\\App\\f.bin has 100 bytes, which doesn't match expected value of ${joined} bytes. Please retry.`,
      );
      expect(sim.store.files()).toEqual([]);
    });
  });

  describe('CommitUploadSession and DeleteUploadSession', () => {
    it('commits a complete session; it stays visible with empty ExpectedRanges until deleted', async () => {
      await putFullChunk(sim.url, 'Store\\App\\pkg.zip', ID, 'bytes 0-49/100');
      expectFabricError(await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID)), 400, 'E_INVALIDARG');
      await putFullChunk(sim.url, 'Store\\App\\pkg.zip', ID, 'bytes 50-99/100');
      const commit = await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID));
      expect(commit.status).toBe(200);
      expect(commit.body).toBe('');
      expect((await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID))).status).toBe(200);

      const after = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App\\pkg.zip'))).body);
      expect(after.UploadSessions[0].ExpectedRanges).toEqual([]);

      const del = await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', ID));
      expect(del.status).toBe(200);
      expect(del.body).toBe('');
      expect((await rawRequest(sim.url, 'GET', byPathUrl('Store\\App\\pkg.zip'))).status).toBe(204);
      expect((await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', ID))).status).toBe(204);
    });

    it('answers E_INVALIDARG for a commit of an unknown or malformed id', async () => {
      expectFabricError(await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID)), 400, 'E_INVALIDARG');
      expectFabricError(await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', 'nope')), 400, 'E_INVALIDARG');
      expectFabricError(await rawRequest(sim.url, 'POST', '/ImageStore/$/CommitUploadSession?api-version=6.0'), 400, 'E_INVALIDARG');
    });

    it('answers E_INVALIDARG for a delete with a malformed id and 404 NotFound for an unknown one', async () => {
      expectFabricError(await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', 'nope')), 400, 'E_INVALIDARG');
      // The FileStoreService refuses the all-zero GUID itself, even where unknown ids are 200.
      expectFabricError(await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', '00000000-0000-0000-0000-000000000000')), 400, 'E_INVALIDARG');
      expectFabricError(await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', ID)), 404, 'NotFound');
      const lenient = await startSimulator({ deleteUnknown: 'ok' });
      try {
        expect((await rawRequest(lenient.url, 'DELETE', byIdUrl('DeleteUploadSession', ID))).status).toBe(200);
        expectFabricError(await rawRequest(lenient.url, 'DELETE', byIdUrl('DeleteUploadSession', '00000000-0000-0000-0000-000000000000')), 400, 'E_INVALIDARG');
      } finally {
        await lenient.close();
      }
    });

    it('answers FABRIC_E_INVALID_UPLOAD_SESSION_ID for a lookup by a malformed id', async () => {
      expectFabricError(await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', 'xyz')), 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID');
      expectFabricError(await rawRequest(sim.url, 'GET', '/ImageStore/$/GetUploadSession?api-version=6.0'), 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID');
    });
  });

  describe('routing failures', () => {
    it.each([
      ['an unknown route', 'GET', '/Nodes?api-version=6.0'],
      ['the root', 'GET', '/'],
      ['an unknown function', 'GET', '/ImageStore/a/$/GetUploadSessions?api-version=6.0'],
      ['a lower-case function', 'GET', '/ImageStore/a/$/getuploadsession?api-version=6.0'],
      ['a wrong verb', 'POST', '/ImageStore/a/$/GetUploadSession?api-version=6.0'],
      ['DELETE on GetUploadSession', 'DELETE', '/ImageStore/$/GetUploadSession?api-version=6.0'],
      ['UploadChunk without a path', 'PUT', '/ImageStore/$/UploadChunk?api-version=6.0'],
      ['a missing api-version', 'GET', '/ImageStore/a/$/GetUploadSession'],
      ['an api-version below 1.0', 'GET', '/ImageStore/a/$/GetUploadSession?api-version=0.9'],
      ['an api-version above the runtime', 'GET', '/ImageStore/a/$/GetUploadSession?api-version=9.2'],
      ['a non-numeric api-version', 'GET', '/ImageStore/a/$/GetUploadSession?api-version=latest'],
      ['an encoded sign', 'GET', '/ImageStore/a/$/GetUploadSession?api-version=%2B6.0'],
      ['two decimal points', 'GET', '/ImageStore/a/$/GetUploadSession?api-version=6.0.1'],
      ['a malformed escape in the path', 'GET', '/ImageStore/a%ZZ/$/GetUploadSession?api-version=6.0'],
    ])('answers 400 E_INVALIDARG "Invalid argument" for %s', async (_label, method, path) => {
      const res = await rawRequest(sim.url, method, path);
      expectFabricError(res, 400, 'E_INVALIDARG');
      expect(fabricError(res).Message).toBe('Invalid argument');
      expect(res.statusMessage).toBe('Bad Request');
    });

    it('accepts any api-version from 1.0 up to the runtime, read as a number, and the first of repeated ones', async () => {
      // TryParseDouble: a sign, any digits, and it stops at the first character it does not know.
      for (const v of ['1.0', '5.0', '6', '6.0', '+6.0', '06.00', '6.1', '9.1', '9.10', '8.0-preview', '6.0-beta', '6%2E0', '60e-1']) {
        expect((await rawRequest(sim.url, 'GET', `/ImageStore/a/$/GetUploadSession?api-version=${v}`)).status).toBe(204);
      }
      expect((await rawRequest(sim.url, 'GET', '/ImageStore/a/$/GetUploadSession?api-version=6.0&api-version=1.0')).status).toBe(204);
      const older = await startSimulator({ runtimeVersion: '6.4' });
      try {
        expectFabricError(await rawRequest(older.url, 'GET', '/ImageStore/a/$/GetUploadSession?api-version=7.0'), 400, 'E_INVALIDARG');
      } finally {
        await older.close();
      }
    });

    it('matches $ raw: an encoded $ makes the URL a content path (a listing that finds nothing)', async () => {
      const res = await rawRequest(sim.url, 'GET', '/ImageStore/a/%24/GetUploadSession?api-version=6.0');
      expect(res.status).toBe(404);
      expect(res.body).toBe('');
    });

    it('never answers 400 for the timeout parameter: an unreadable one means 60 s', async () => {
      for (const t of ['-5', 'abc', '99999999999', '4294967296', '0x10', '1', '+7', '4294967295']) {
        expect((await rawRequest(sim.url, 'GET', byPathUrl('a', `&timeout=${t}`))).status).toBe(204);
      }
    });

    it('takes timeout=0 as a budget of nothing: every call into the image store times out', async () => {
      await putFullChunk(sim.url, 'a', ID, 'bytes 0-9/10');
      const zero = '&timeout=0';
      for (const [method, path] of [
        ['GET', byPathUrl('a', zero)],
        ['GET', byIdUrl('GetUploadSession', ID) + zero],
        ['PUT', chunkUrl('b', ID2, zero)],
        ['POST', byIdUrl('CommitUploadSession', ID) + zero],
        ['DELETE', byIdUrl('DeleteUploadSession', ID) + zero],
        ['GET', '/ImageStore?api-version=6.0&timeout=00'],
      ] as const) {
        const res = await rawRequest(sim.url, method, path, { headers: { 'Content-Range': 'bytes 0-9/10' } });
        expectFabricError(res, 504, 'FABRIC_E_TIMEOUT');
        expect(fabricError(res).Message).toBe('Operation timed out.');
      }
      // Nothing happened: the session is neither committed nor deleted, no other was created.
      expect(sim.store.all().map((s) => [s.sessionId, s.committed])).toEqual([[ID, false]]);
      // What the gateway checks itself still comes first.
      expectFabricError(await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', 'nope') + zero), 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID');
      // A latency fault within a budget is only slow; past it the answer is 504 too.
      sim.faults.add({ kind: 'latency', latencyMs: 30 });
      expect((await rawRequest(sim.url, 'GET', byPathUrl('a', '&timeout=1'))).status).toBe(200);
      expectFabricError(await rawRequest(sim.url, 'GET', byPathUrl('a', zero)), 504, 'FABRIC_E_TIMEOUT');
    });

    it('answers a request Node cannot parse with a bare 400 and keeps serving', async () => {
      const base = new URL(sim.url);
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        const s = net.connect(Number(base.port), base.hostname);
        s.on('data', (d) => (text += d.toString()));
        s.on('end', () => resolve(text));
        s.on('error', reject);
        s.write('GET /ImageStore/a b/$/GetUploadSession?api-version=6.0 HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('a'))).status).toBe(204);
    });

    it('answers 500 E_FAIL without a stack trace when something unexpected throws', async () => {
      sim.store.byPath = () => {
        throw new Error('boom at /secret/file.ts:12');
      };
      const res = await rawRequest(sim.url, 'GET', byPathUrl('a'));
      expectFabricError(res, 500, 'E_FAIL');
      expect(res.body).not.toContain('boom');
      expect((await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', ID))).status).toBe(204);
    });
  });

  describe('linux platform', () => {
    let linux: Simulator;
    beforeAll(async () => {
      linux = await startSimulator({ platform: 'linux' });
    });
    afterAll(async () => {
      await linux.close();
    });

    it.each([
      ['PUT', chunkUrl('a\\b.dll', ID)],
      ['GET', byPathUrl('a\\b.dll')],
      ['GET', byIdUrl('GetUploadSession', ID)],
      ['POST', byIdUrl('CommitUploadSession', ID)],
      ['DELETE', byIdUrl('DeleteUploadSession', ID)],
    ])('has no upload-session route: %s %s is 400 E_INVALIDARG', async (method, path) => {
      const res = await rawRequest(linux.url, method, path, { headers: { 'Content-Range': 'bytes 0-9/100' } });
      expectFabricError(res, 400, 'E_INVALIDARG');
      expect(linux.store.size).toBe(0);
    });

    it('still serves the store listing', async () => {
      expect((await rawRequest(linux.url, 'GET', '/ImageStore?api-version=6.0')).status).toBe(204);
    });
  });

  describe('store content listing', () => {
    it('lists committed files and folders; 204 for an empty root or folder, 404 for a missing path', async () => {
      expect((await rawRequest(sim.url, 'GET', '/ImageStore?api-version=6.0')).status).toBe(204);
      await putFullChunk(sim.url, 'Store\\App\\Code\\app.exe', ID, 'bytes 0-99/100');
      await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID));
      await putFullChunk(sim.url, 'Store/App/manifest.xml', ID2, 'bytes 0-9/10');
      await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID2));

      const root = await rawRequest(sim.url, 'GET', '/ImageStore?api-version=6.0');
      expect(root.status).toBe(200);
      expect(root.headers['content-type']).toBe(JSON_CT);
      expect(JSON.parse(root.body)).toEqual({ StoreFiles: [], StoreFolders: [{ StoreRelativePath: 'Store', FileCount: '2' }], ContinuationToken: '' });

      const app = JSON.parse((await rawRequest(sim.url, 'GET', '/ImageStore/Store%5CApp?api-version=6.2')).body);
      expect(app.StoreFolders).toEqual([{ StoreRelativePath: 'Store\\App\\Code', FileCount: '1' }]);
      expect(app.StoreFiles).toEqual([
        {
          StoreRelativePath: 'Store\\App\\manifest.xml',
          FileVersion: { EpochDataLossNumber: expect.any(String), VersionNumber: '2', EpochConfigurationNumber: expect.any(String) },
          FileSize: '10',
          ModifiedDate: '2024-05-01T10:00:00.000Z',
        },
      ]);
      // The raw-slash URL names the same stored folder.
      expect((await rawRequest(sim.url, 'GET', '/ImageStore/Store/App?api-version=6.2')).status).toBe(200);

      const missing = await rawRequest(sim.url, 'GET', '/ImageStore/Nope?api-version=6.2');
      expect(missing.status).toBe(404);
      expect(missing.body).toBe('');
    });

    it('lists a file alone, under the path the store holds, when asked by its path in any spelling', async () => {
      await putFullChunk(sim.url, 'Store/App/Code/App.exe', ID, 'bytes 0-99/100');
      await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID));
      for (const asked of ['Store%5CApp%5CCode%5CApp.exe', 'store%2Fapp%2Fcode%2Fapp.EXE', '%20Store%5CApp%5CCode%5CApp.exe%5C']) {
        const res = await rawRequest(sim.url, 'GET', `/ImageStore/${asked}?api-version=6.2`);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({
          StoreFiles: [expect.objectContaining({ StoreRelativePath: 'Store\\App\\Code\\App.exe', FileSize: '100' })],
          StoreFolders: [],
          ContinuationToken: '',
        });
      }
    });

    it('counts the requests it serves by operation', async () => {
      await putChunk(sim.url, 'a', ID, 'bytes 0-9/100');
      await rawRequest(sim.url, 'GET', byPathUrl('a'));
      await rawRequest(sim.url, 'GET', byPathUrl('b'));
      await rawRequest(sim.url, 'GET', '/ImageStore/a?api-version=6.2');
      // A URL that matches no route is no operation.
      await rawRequest(sim.url, 'GET', '/ImageStore/a/$/Nothing?api-version=6.0');
      expect(sim.requestCounts()).toEqual({ UploadChunk: 1, GetUploadSessionByPath: 2, ListContent: 1 });
    });

    it('stores a whole-file PUT and deletes content', async () => {
      const put = await rawRequest(sim.url, 'PUT', '/ImageStore/apps%2Fa.txt?api-version=6.0', { body: 'hello' });
      expect(put.status).toBe(200);
      expect(sim.store.files().map((f) => [f.path, f.size])).toEqual([['apps\\a.txt', 5]]);
      expect((await rawRequest(sim.url, 'DELETE', '/ImageStore/apps?api-version=6.0')).status).toBe(200);
      expect(sim.store.files()).toEqual([]);
      expectFabricError(await rawRequest(sim.url, 'DELETE', '/ImageStore/apps?api-version=6.0'), 404, 'FABRIC_E_FILE_NOT_FOUND');
    });
  });
});

describe('session expiry', () => {
  it('removes idle sessions on a cleanup tick, using the injected clock', async () => {
    const clock = fakeClock('2024-05-01T10:00:00.000Z');
    const sim = await startSimulator({ now: clock.now, sessionTimeoutMs: 30 * 60_000 });
    try {
      await putChunk(sim.url, 'old', ID, 'bytes 0-9/100');
      clock.advance(20 * 60_000);
      await putChunk(sim.url, 'young', ID2, 'bytes 0-9/100');
      clock.advance(10 * 60_000);
      expect(sim.expireNow()).toBe(1);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('old'))).status).toBe(204);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('young'))).status).toBe(200);
      // A re-sent chunk does not keep a session alive; new bytes do.
      clock.advance(15 * 60_000);
      await putChunk(sim.url, 'young', ID2, 'bytes 0-9/100');
      clock.advance(15 * 60_000);
      expect(sim.expireNow()).toBe(1);
      expect(sim.store.size).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('runs the cleanup tick on its own timer', async () => {
    const clock = fakeClock('2024-05-01T10:00:00.000Z');
    const sim = await startSimulator({ now: clock.now, sessionTimeoutMs: 1000, cleanupIntervalMs: 20 });
    try {
      await putChunk(sim.url, 'p', ID, 'bytes 0-9/100');
      clock.advance(1000);
      await waitFor('the expired session to be cleaned up', () => sim.store.size === 0);
      expect((await rawRequest(sim.url, 'GET', byPathUrl('p'))).status).toBe(204);
    } finally {
      await sim.close();
    }
  });
});

describe('request logging', () => {
  it('logs one debug line per request with method, url and status', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    const sim = await startSimulator({ logger });
    try {
      await putChunk(sim.url, 'a\\b', ID, 'bytes 0-9/100');
      await rawRequest(sim.url, 'GET', byPathUrl('a\\b'));
      await rawRequest(sim.url, 'GET', '/nowhere');
      await waitFor('three request lines', () => lines.filter((l) => l.msg === 'request').length >= 3);
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.method, l.url, l.status])).toEqual([
        ['PUT', chunkUrl('a\\b', ID), 200],
        ['GET', byPathUrl('a\\b'), 200],
        ['GET', '/nowhere', 400],
      ]);
    } finally {
      await sim.close();
    }
  });
});
