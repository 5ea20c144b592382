/**
 * Fidelity against a client nobody here wrote: the official Service Fabric Node SDK
 * (npm azure-servicefabric), which encodes paths with encodeURIComponent and sends chunks without a body.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sfPackage from 'azure-servicefabric';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { rawRequest, byPathUrl, byIdUrl, chunkUrl } from './helpers.js';

// A CommonJS package: its default import is module.exports, which carries the named class.
const { ServiceFabricClient } = sfPackage;

interface SdkError extends Error {
  statusCode?: number;
  body?: { error?: { code?: string; message?: string } };
}

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

const FILE_SIZE = 10 * 1024 * 1024 + 123;
const CHUNK = 4 * 1024 * 1024;

describe.each([
  ['backslashes and spaces', 'SwaggerTest\\My App\\Common Library.dll'],
  ['forward slashes', 'apps/web/site package.zip'],
  ['a single name', 'Common.dll'],
])('official SDK round trip, path with %s', (_label, contentPath) => {
  let sim: Simulator;
  let client: InstanceType<typeof ServiceFabricClient>;
  const sessionId = globalThis.crypto.randomUUID();

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ServiceFabricClient(sim.url, { noRetryPolicy: true });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('uploads in chunks, reads mid-upload; a commit fails, since the SDK sends no chunk bodies; deletes, reads 204', async () => {
    // Chunks out of order: the last one first, then the first; the middle is still missing.
    const ranges: [number, number][] = [];
    for (let start = 0; start < FILE_SIZE; start += CHUNK) ranges.push([start, Math.min(start + CHUNK, FILE_SIZE) - 1]);
    const [first, middle, last] = ranges as [[number, number], [number, number], [number, number]];
    await client.uploadFileChunk(contentPath, sessionId, `bytes ${last[0]}-${last[1]}/${FILE_SIZE}`);
    await client.uploadFileChunk(contentPath, sessionId, `bytes ${first[0]}-${first[1]}/${FILE_SIZE}`);

    const byPath = await client.getImageStoreUploadSessionByPath(contentPath);
    expect(byPath.uploadSessions).toHaveLength(1);
    const info = byPath.uploadSessions?.[0];
    expect(info?.storeRelativePath).toBe(contentPath);
    expect(info?.sessionId).toBe(sessionId);
    expect(info?.fileSize).toBe(String(FILE_SIZE));
    expect(info?.modifiedDate).toBeInstanceOf(Date);
    expect(info?.expectedRanges).toEqual([{ startPosition: String(middle[0]), endPosition: String(middle[1]) }]);

    const byId = await client.getImageStoreUploadSessionById(sessionId);
    expect(byId.uploadSessions?.[0]?.expectedRanges).toEqual(info?.expectedRanges);
    expect(byId.uploadSessions?.[0]?.storeRelativePath).toBe(contentPath);

    // Committing too early is an invalid argument, which the SDK surfaces as a FabricError body.
    const early = await sdkError(client.commitImageStoreUploadSession(sessionId));
    expect(early.statusCode).toBe(400);
    expect(early.body?.error?.code).toBe('E_INVALIDARG');

    // Every range is in, but the generated SDK sent no bytes (the specification declares no body):
    // the joined chunks are 0 bytes, not the file, so a real cluster refuses the commit.
    await client.uploadFileChunk(contentPath, sessionId, `bytes ${middle[0]}-${middle[1]}/${FILE_SIZE}`);
    expect((await client.getImageStoreUploadSessionById(sessionId)).uploadSessions?.[0]?.expectedRanges).toEqual([]);
    const refused = await sdkError(client.commitImageStoreUploadSession(sessionId));
    expect(refused.statusCode).toBe(400);
    expect(refused.body?.error?.code).toBe('E_INVALIDARG');
    expect(refused.body?.error?.message).toMatch(new RegExp(`has ${FILE_SIZE} bytes, which doesn't match expected value of 0 bytes`));

    await client.deleteImageStoreUploadSession(sessionId);
    const gone = await sdkError(client.getImageStoreUploadSessionByPath(contentPath));
    expect(gone.statusCode).toBe(204);
    expect(gone.body).toBeUndefined();
    const goneById = await sdkError(client.getImageStoreUploadSessionById(sessionId));
    expect(goneById.statusCode).toBe(204);
  });

  it('commits through the SDK once the chunks carried their bytes, reads the finished session, deletes it', async () => {
    const id = globalThis.crypto.randomUUID();
    for (let start = 0; start < FILE_SIZE; start += CHUNK) {
      const end = Math.min(start + CHUNK, FILE_SIZE) - 1;
      const put = await rawRequest(sim.url, 'PUT', chunkUrl(contentPath, id), { headers: { 'Content-Range': `bytes ${start}-${end}/${FILE_SIZE}` }, body: Buffer.alloc(end - start + 1) });
      expect(put.status).toBe(200);
    }
    await client.commitImageStoreUploadSession(id);
    const afterCommit = await client.getImageStoreUploadSessionByPath(contentPath);
    expect(afterCommit.uploadSessions?.[0]?.sessionId).toBe(id);
    expect(afterCommit.uploadSessions?.[0]?.expectedRanges).toEqual([]);
    await client.deleteImageStoreUploadSession(id);
    expect((await sdkError(client.getImageStoreUploadSessionByPath(contentPath))).statusCode).toBe(204);
  });

  it('lists the committed file with the SDK listing calls (api 6.0 root, api 6.2 by path)', async () => {
    const normalized = contentPath.replace(/\//g, '\\');
    const top = normalized.includes('\\') ? normalized.slice(0, normalized.indexOf('\\')) : undefined;
    const root = await client.getImageStoreRootContent();
    if (top) expect(root.storeFolders?.map((f) => f.storeRelativePath)).toEqual([top]);
    else expect(root.storeFiles?.map((f) => f.storeRelativePath)).toEqual([normalized]);

    const content = await client.getImageStoreContent(contentPath);
    expect(content.storeFiles).toHaveLength(1);
    expect(content.storeFiles?.[0]?.storeRelativePath).toBe(normalized);
    expect(content.storeFiles?.[0]?.fileSize).toBe(String(FILE_SIZE));

    const missing = await sdkError(client.getImageStoreContent(`${contentPath}.missing`));
    expect(missing.statusCode).toBe(404);
  });

  it('reports simulator errors through the SDK as FabricErrors', async () => {
    const err = await sdkError(client.uploadFileChunk(contentPath, sessionId, 'bytes 10-5/100'));
    expect(err.statusCode).toBe(400);
    expect(err.body?.error?.code).toBe('FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
  });
});

describe('the same sequence with plain HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('uploads with real chunk bodies, reads, commits, reads, deletes, reads 204', async () => {
    const path = 'SwaggerTest\\Plain HTTP\\lib.dll';
    const id = globalThis.crypto.randomUUID();
    const put = (start: number, end: number): ReturnType<typeof rawRequest> =>
      rawRequest(sim.url, 'PUT', chunkUrl(path, id), { headers: { 'Content-Range': `bytes ${start}-${end}/3000` }, body: Buffer.alloc(end - start + 1, 7) });
    expect((await put(2000, 2999)).status).toBe(200);
    expect((await put(0, 999)).status).toBe(200);
    const mid = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl(path))).body);
    expect(mid.UploadSessions[0].ExpectedRanges).toEqual([{ StartPosition: '1000', EndPosition: '1999' }]);
    expect(JSON.parse((await rawRequest(sim.url, 'GET', byIdUrl('GetUploadSession', id))).body)).toEqual(mid);
    expect((await put(1000, 1999)).status).toBe(200);
    expect((await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', id))).status).toBe(200);
    const done = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl(path))).body);
    expect(done.UploadSessions[0].ExpectedRanges).toEqual([]);
    expect((await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', id))).status).toBe(200);
    const gone = await rawRequest(sim.url, 'GET', byPathUrl(path));
    expect(gone.status).toBe(204);
    expect(gone.body).toBe('');
  });
});
