/**
 * GetImageStoreInfo as the simulator serves it: the wire form (keys, decimal strings), staging as
 * the bytes and files of open upload sessions and copy as the committed files, free space falling
 * as bytes land, the disk set through the admin API, api-version gating, and faults.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { byIdUrl, putFullChunk, rawRequest } from './helpers.js';

const GIB = 1024 ** 3;
const ID_A = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const ID_B = 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}

async function info(s: Simulator, apiVersion = '6.5'): Promise<{ status: number; body: string }> {
  const res = await rawRequest(s.url, 'GET', `/ImageStore/$/Info?api-version=${apiVersion}`);
  return { status: res.status, body: res.body };
}

describe('simulated GetImageStoreInfo', () => {
  it('answers the disk and the four uses, every number a decimal string, in the specification\'s key order', async () => {
    const s = await sim({ disk: { capacity: 8 * GIB, available: 2 * GIB } });
    const res = await info(s);
    expect(res.status).toBe(200);
    expect(res.body).toBe(
      '{"DiskInfo":{"Capacity":"8589934592","AvailableSpace":"2147483648"},"UsedByMetadata":{"UsedSpace":"23093248","FileCount":"6"},' +
        '"UsedByStaging":{"UsedSpace":"0","FileCount":"0"},"UsedByCopy":{"UsedSpace":"0","FileCount":"0"},"UsedByRegister":{"UsedSpace":"0","FileCount":"0"}}',
    );
  });

  it('stages the bytes of open sessions, counts committed files as copy, and takes both off the free space', async () => {
    const s = await sim({ disk: { capacity: 10_000, available: 5_000 } });
    await putFullChunk(s.url, 'App\\a.dll', ID_A, 'bytes 0-999/1000');
    await putFullChunk(s.url, 'App\\b.dll', ID_B, 'bytes 0-299/2000');
    let body = JSON.parse((await info(s)).body) as Record<string, Record<string, string>>;
    expect(body.UsedByStaging).toEqual({ UsedSpace: '1300', FileCount: '2' });
    expect(body.UsedByCopy).toEqual({ UsedSpace: '0', FileCount: '0' });
    expect(body.DiskInfo?.AvailableSpace).toBe('3700');
    expect((await rawRequest(s.url, 'POST', byIdUrl('CommitUploadSession', ID_A))).status).toBe(200);
    body = JSON.parse((await info(s)).body) as Record<string, Record<string, string>>;
    expect(body.UsedByStaging).toEqual({ UsedSpace: '300', FileCount: '1' });
    expect(body.UsedByCopy).toEqual({ UsedSpace: '1000', FileCount: '1' });
    expect(body.DiskInfo?.AvailableSpace).toBe('3700');
    // Deleting the open session frees its staged bytes.
    expect((await rawRequest(s.url, 'DELETE', byIdUrl('DeleteUploadSession', ID_B))).status).toBe(200);
    body = JSON.parse((await info(s)).body) as Record<string, Record<string, string>>;
    expect(body.DiskInfo?.AvailableSpace).toBe('4000');
  });

  it('never reports free space below 0, however much lands', async () => {
    const s = await sim({ disk: { capacity: 10_000, available: 500 } });
    await putFullChunk(s.url, 'App\\big.bin', ID_A, 'bytes 0-999/1000');
    expect(JSON.parse((await info(s)).body)).toMatchObject({ DiskInfo: { Capacity: '10000', AvailableSpace: '0' } });
  });

  it('sets the disk through the admin API, and refuses free space above the size', async () => {
    const s = await sim({ adminPort: 0 });
    const admin = s.adminUrl as string;
    const put = await rawRequest(admin, 'PUT', '/disk', { body: JSON.stringify({ capacity: 1000, available: 100 }) });
    expect(put.status).toBe(200);
    expect(JSON.parse(put.body)).toMatchObject({ capacity: 1000, available: 100 });
    expect(JSON.parse((await info(s)).body)).toMatchObject({ DiskInfo: { Capacity: '1000', AvailableSpace: '100' } });
    const bad = await rawRequest(admin, 'PUT', '/disk', { body: JSON.stringify({ capacity: 10, available: 11 }) });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('available must not exceed capacity');
    const notBytes = await rawRequest(admin, 'PUT', '/disk', { body: JSON.stringify({ capacity: -1, available: 0 }) });
    expect(notBytes.status).toBe(400);
    expect(notBytes.body).toContain('capacity must be a whole number of bytes');
  });

  it.each([
    ['api-version 6.4 on a 9.1 runtime', '9.1', '6.4'],
    ['a 6.4 runtime', '6.4', '6.5'],
  ])('answers 400 E_INVALIDARG at %s, as a gateway without the route', async (_name, runtimeVersion, apiVersion) => {
    const s = await sim({ runtimeVersion });
    const res = await info(s, apiVersion);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ Error: { Code: 'E_INVALIDARG', Message: 'Invalid argument' } });
  });

  it('serves it on a Linux cluster too, and at any api-version from 6.5 up to the runtime\'s', async () => {
    const s = await sim({ platform: 'linux' });
    expect((await info(s, '9.1')).status).toBe(200);
    expect((await info(s, '6.5')).status).toBe(200);
  });

  it('takes a fault rule aimed at it, and only such a rule', async () => {
    const s = await sim();
    s.faults.add({ kind: 'status', status: 503 });
    expect((await info(s)).status).toBe(200);
    s.faults.add({ kind: 'status', status: 503, operations: ['GetImageStoreInfo'] });
    expect((await info(s)).status).toBe(503);
  });
});

describe('simulated disk filling on its own', () => {
  it('takes fillBytesPerSecond off the free space as the simulator\'s clock moves, and counts bodiless chunks by their range', async () => {
    let t = Date.UTC(2026, 0, 1);
    const s = await sim({ now: () => t, disk: { capacity: 100_000, available: 50_000, fillBytesPerSecond: 1000 } });
    expect(JSON.parse((await info(s)).body)).toMatchObject({ DiskInfo: { AvailableSpace: '50000' } });
    t += 10_000;
    expect(JSON.parse((await info(s)).body)).toMatchObject({ DiskInfo: { AvailableSpace: '40000' } });
    // A chunk without a body, as the scenarios and the generated SDKs send: its range still lands.
    await rawRequest(s.url, 'PUT', `/ImageStore/App%5Cc.dll/$/UploadChunk?api-version=6.0&session-id=${ID_A}`, { headers: { 'Content-Range': 'bytes 0-4999/9000' } });
    expect(JSON.parse((await info(s)).body)).toMatchObject({ DiskInfo: { AvailableSpace: '35000' }, UsedByStaging: { UsedSpace: '5000', FileCount: '1' } });
  });
});
