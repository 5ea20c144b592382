import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { byPathUrl, fakeClock, putFullChunk, rawRequest } from './helpers.js';

const ID = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';

// The admin API answers arbitrary JSON; the tests read it loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function admin(sim: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await rawRequest(sim.adminUrl as string, method, path, {
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
}

describe('admin API', () => {
  let sim: Simulator;
  const clock = fakeClock('2024-05-01T10:00:00.000Z');
  beforeAll(async () => {
    sim = await startSimulator({ adminPort: 0, now: clock.now });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('listens on its own loopback port', () => {
    expect(sim.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.adminUrl).not.toBe(sim.url);
  });

  it('is not served on the public listener', async () => {
    const res = await rawRequest(sim.url, 'GET', '/faults');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).Error.Code).toBe('E_INVALIDARG');
  });

  it('adds, lists and removes faults that act on the gateway', async () => {
    const added = await admin(sim, 'POST', '/faults', { kind: 'status', status: 503, path: 'x\\y' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: expect.any(String), kind: 'status', status: 503, path: 'x\\y', hits: 0 });
    expect((await rawRequest(sim.url, 'GET', byPathUrl('x\\y'))).status).toBe(503);
    expect((await admin(sim, 'GET', '/faults')).json.faults).toEqual([expect.objectContaining({ id: added.json.id, hits: 1 })]);
    expect(await admin(sim, 'DELETE', `/faults/${added.json.id}`)).toEqual({ status: 200, json: { removed: 1 } });
    expect((await admin(sim, 'DELETE', `/faults/${added.json.id}`)).status).toBe(404);
    expect((await rawRequest(sim.url, 'GET', byPathUrl('x\\y'))).status).toBe(204);
    await admin(sim, 'POST', '/faults', { kind: 'reset' });
    await admin(sim, 'POST', '/faults', { kind: 'latency', latencyMs: 5 });
    expect(await admin(sim, 'DELETE', '/faults')).toEqual({ status: 200, json: { removed: 2 } });
  });

  it('rejects invalid faults and bodies with 400 and a message', async () => {
    expect(await admin(sim, 'POST', '/faults', { kind: 'nope' })).toEqual({ status: 400, json: { error: expect.stringMatching(/kind must be one of/) } });
    expect(await admin(sim, 'POST', '/faults', '{not json')).toEqual({ status: 400, json: { error: 'body is not valid JSON' } });
    expect((await admin(sim, 'GET', '/nowhere')).status).toBe(404);
  });

  it('creates and lists sessions, expires them, drops them all, resets', async () => {
    const created = await admin(sim, 'POST', '/sessions', {
      path: 'Store\\Big.vhd',
      fileSize: 107374182400,
      sessionId: ID,
      received: [{ start: 0, end: 1073741823 }],
      modifiedDate: '2024-05-01T09:00:00.000Z',
    });
    expect(created.status).toBe(201);
    expect(created.json.ExpectedRanges).toEqual([{ StartPosition: '1073741824', EndPosition: '107374182399' }]);
    const viaGateway = JSON.parse((await rawRequest(sim.url, 'GET', byPathUrl('Store\\Big.vhd'))).body);
    expect(viaGateway.UploadSessions[0].ModifiedDate).toBe('2024-05-01T09:00:00.000Z');
    expect((await admin(sim, 'GET', '/sessions')).json.sessions).toEqual([expect.objectContaining({ SessionId: ID, Committed: false })]);
    expect((await admin(sim, 'POST', '/sessions', { path: 'x', fileSize: 10, received: [{ start: 5, end: 10 }] })).status).toBe(400);

    // Idle for an hour with the default 30-minute timeout.
    expect(await admin(sim, 'POST', '/expire')).toEqual({ status: 200, json: { removed: 1 } });

    await putFullChunk(sim.url, 'a', ID, 'bytes 0-9/10');
    await rawRequest(sim.url, 'POST', `/ImageStore/$/CommitUploadSession?api-version=6.0&session-id=${ID}`);
    expect((await admin(sim, 'GET', '/files')).json.files).toEqual([expect.objectContaining({ StoreRelativePath: 'a', FileSize: '10' })]);
    expect(await admin(sim, 'DELETE', '/sessions')).toEqual({ status: 200, json: { removed: 1 } });
    await admin(sim, 'POST', '/faults', { kind: 'reset' });
    expect(await admin(sim, 'POST', '/reset')).toEqual({ status: 200, json: { status: 'ok' } });
    expect((await admin(sim, 'GET', '/files')).json.files).toEqual([]);
    expect((await admin(sim, 'GET', '/faults')).json.faults).toEqual([]);
    expect(await admin(sim, 'GET', '/healthz')).toEqual({ status: 200, json: { status: 'ok' } });
  });

  it('refuses a non-loopback admin host', async () => {
    await expect(startSimulator({ adminPort: 0, adminHost: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
