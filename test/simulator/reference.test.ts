/**
 * Reproduces the example of the API page (get-image-store-upload-session-by-path.md): chunks that
 * leave exactly its two sessions, then the same request, compared field by field and byte by byte.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startScenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { fakeClock, putChunk, rawRequest } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/servicefabric/get-upload-session-by-path.json', import.meta.url), 'utf8'),
) as { UploadSessions: Record<string, unknown>[] };

// The request exactly as the API page shows it, raw backslash included.
const REQUEST = '/ImageStore/SwaggerTest\\Common.dll/$/GetUploadSession?api-version=6.0';

describe('the API page example', () => {
  let sim: Simulator;
  const clock = fakeClock('2017-09-28T17:28:11.627Z');

  beforeAll(async () => {
    sim = await startSimulator({ now: clock.now });
    // Received = the complement of each session's ExpectedRanges.
    expect((await putChunk(sim.url, 'SwaggerTest\\Common.dll', '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 'bytes 207616-626976/2097152')).status).toBe(200);
    clock.set('2017-09-28T17:28:11.643Z');
    expect((await putChunk(sim.url, 'SwaggerTest\\Common.dll', 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5', 'bytes 616948-1087528/2097152')).status).toBe(200);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers field by field as the example', async () => {
    const res = await rawRequest(sim.url, 'GET', REQUEST);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { UploadSessions: Record<string, unknown>[] };
    expect(body.UploadSessions).toHaveLength(fixture.UploadSessions.length);
    fixture.UploadSessions.forEach((expected, i) => {
      const actual = body.UploadSessions[i] as Record<string, unknown>;
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      for (const field of Object.keys(expected)) expect(actual[field]).toEqual(expected[field]);
    });
  });

  it('answers the example byte for byte once its whitespace is removed', async () => {
    const res = await rawRequest(sim.url, 'GET', REQUEST);
    expect(res.body).toBe(JSON.stringify(fixture));
  });

  it('is what the reference scenario builds through HTTP', async () => {
    const other = await startSimulator({ now: fakeClock('2017-09-28T17:28:11.627Z').now });
    const scenario = startScenario(other.url, 'reference');
    try {
      await waitFor('the reference scenario\'s two sessions', () => other.store.size >= 2);
      await scenario.stop();
      const body = JSON.parse((await rawRequest(other.url, 'GET', REQUEST)).body) as { UploadSessions: Record<string, unknown>[] };
      expect(body.UploadSessions.map((s) => [s.SessionId, s.FileSize, s.ExpectedRanges])).toEqual(
        fixture.UploadSessions.map((s) => [s.SessionId, s.FileSize, s.ExpectedRanges]),
      );
    } finally {
      await scenario.stop();
      await other.close();
    }
  });
});
