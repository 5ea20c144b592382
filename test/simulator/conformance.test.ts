/**
 * Conformance, kept: a scripted scenario (chunks out of order and overlapping, zero-byte files,
 * commit, delete, lookups by id, idle paths, each error case) runs against the simulator, and every
 * status and JSON body it answers is validated with ajv against the official specification
 * (`test/fixtures/servicefabric/spec/`, see its README). Where the runtime answers what the
 * specification does not list, the difference is named below with its source, and only it passes.
 * After every step the official Node SDK (azure-servicefabric) reads back each path and session,
 * and must find exactly what the simulator holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import sfPackage from 'azure-servicefabric';
import wtf8 from 'wtf-8';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { SessionRecord } from '../../src/simulator/store.js';
import { byIdUrl, byPathUrl, chunkUrl, rawRequest, type RawResponse } from './helpers.js';

// CommonJS packages: their default import is module.exports.
const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv;
const { ServiceFabricClient } = sfPackage;

interface SpecResponse {
  schema?: { $ref: string };
}
interface Spec {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, SpecResponse> }>>;
  definitions: Record<string, Record<string, unknown>>;
}
const spec = JSON.parse(readFileSync(new URL('../fixtures/servicefabric/spec/image-store-9.1.json', import.meta.url), 'utf8')) as Spec;

/** Responses of each operation, by operationId. */
const OPERATIONS = new Map(
  Object.values(spec.paths).flatMap((methods) => Object.values(methods).map((op) => [op.operationId, op.responses] as const)),
);

/**
 * Answers the runtime gives that the specification does not list (it documents only 200 and a
 * FabricError default). Each has an empty body.
 */
const RUNTIME_OVER_SPEC: ReadonlyArray<{ op: string; status: number; source: string }> = [
  { op: 'GetImageStoreUploadSessionByPath', status: 204, source: 'httpgateway/imagestorehandler.cpp OnListUploadSessionComplete: no session is 204' },
  { op: 'GetImageStoreUploadSessionById', status: 204, source: 'httpgateway/imagestorehandler.cpp OnListUploadSessionComplete: no session is 204' },
  { op: 'GetImageStoreContent', status: 404, source: 'httpgateway/imagestorehandler.h HandleListContentResult: a missing path is 404 without a body' },
  { op: 'GetImageStoreRootContent', status: 204, source: 'httpgateway/imagestorehandler.h HandleListContentResult: an empty store is 204' },
];
/** Properties the runtime writes that a definition does not declare. */
const EXTRA_PROPERTIES: Readonly<Record<string, string[]>> = {
  // management/ImageStore StorePagedContentInfo: the paged listing (api-version ≥ 4) adds its token.
  ImageStoreContent: ['ContinuationToken'],
};

/**
 * ajv validators for the definitions: as written, and closed, which reads them as the generated
 * clients do (a definition with properties is an object) and allows no property the spec does not name.
 */
function validators(): { loose: (name: string) => ValidateFunction; closed: (name: string) => ValidateFunction } {
  const make = (definitions: Spec['definitions']): ((name: string) => ValidateFunction) => {
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    ajv.addKeyword('x-ms-enum');
    addFormats(ajv, ['uuid', 'date-time']);
    ajv.addSchema({ $id: 'spec', definitions });
    return (name) => ajv.getSchema(`spec#/definitions/${name}`) as ValidateFunction;
  };
  const closed = structuredClone(spec.definitions);
  for (const [name, def] of Object.entries(closed)) {
    if (!def.properties) continue;
    for (const extra of EXTRA_PROPERTIES[name] ?? []) (def.properties as Record<string, unknown>)[extra] = { type: 'string' };
    def.type = 'object';
    def.additionalProperties = false;
  }
  return { loose: make(spec.definitions), closed: make(closed) };
}

/** A body as a client that knows the runtime's CESU-8 reads it. */
function parseBody(res: RawResponse): unknown {
  return JSON.parse(wtf8.decode(res.bytes.toString('latin1')));
}

const ID_A = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const ID_B = 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5';
const ID_C = '3e8c1b2a-9d4f-4a6b-8c7d-1e2f3a4b5c6d';
const ID_D = '4f9d2c3b-ae5f-4b7c-9d8e-2f3a4b5c6d7e';
const ID_Z = '5a0e3d4c-bf6a-4c8d-ae9f-3a4b5c6d7e8f';
const ID_E = '6b1f4e5d-c07b-4d9e-bfa0-4b5c6d7e8f90';
const UNKNOWN = '7c2a5f6e-d18c-4eaf-80b1-5c6d7e8f9a01';
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

const COMMON = 'SwaggerTest\\Common.dll';
const SITE = 'apps/web/site package.zip';
const ROCKET = 'Store\\Release \u{1F680}\\app.zip';
const EMPTY = 'Empty\\zero.bin';
const TAIL = 'Tail\\past-the-end.bin';
const IDLE = 'Idle\\nothing.bin';
const PATHS = [COMMON, SITE, ROCKET, EMPTY, TAIL, IDLE];
const IDS = [ID_A, ID_B, ID_C, ID_D, ID_Z, ID_E, UNKNOWN];

interface Step {
  label: string;
  op: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Chunk body length in bytes; absent: no body. */
  body?: number;
  status: number;
  code?: string;
}

const chunk = (label: string, path: string, id: string, range: string | undefined, body: number | undefined, status: number, code?: string): Step => ({
  label,
  op: 'UploadFileChunk',
  method: 'PUT',
  url: chunkUrl(path, id),
  headers: range === undefined ? {} : { 'Content-Range': range },
  body,
  status,
  code,
});
const byPath = (label: string, path: string, status: number, extra = '', code?: string): Step => ({ label, op: 'GetImageStoreUploadSessionByPath', method: 'GET', url: byPathUrl(path, extra), status, code });
const byId = (label: string, id: string, status: number, code?: string): Step => ({ label, op: 'GetImageStoreUploadSessionById', method: 'GET', url: byIdUrl('GetUploadSession', id), status, code });
const commit = (label: string, id: string, status: number, code?: string): Step => ({ label, op: 'CommitImageStoreUploadSession', method: 'POST', url: byIdUrl('CommitUploadSession', id), status, code });
const remove = (label: string, id: string, status: number, code?: string): Step => ({ label, op: 'DeleteImageStoreUploadSession', method: 'DELETE', url: byIdUrl('DeleteUploadSession', id), status, code });

const info = (label: string, apiVersion: string, status: number, code?: string): Step => ({ label, op: 'GetImageStoreInfo', method: 'GET', url: `/ImageStore/$/Info?api-version=${apiVersion}`, status, code });

const RNS = 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE';
const SCENARIO: Step[] = [
  { label: 'an empty store', op: 'GetImageStoreRootContent', method: 'GET', url: '/ImageStore?api-version=6.0', status: 204 },
  byPath('an idle path', IDLE, 204),
  byId('an unknown id', UNKNOWN, 204),
  info('the disk of an empty store', '6.5', 200),
  chunk('the last chunk first', COMMON, ID_A, 'bytes 600-999/1000', 400, 200),
  chunk('then the first', COMMON, ID_A, 'bytes 0-199/1000', 200, 200),
  chunk('a second uploader on the same path', COMMON, ID_B, 'bytes 100-299/1000', 200, 200),
  byPath('two sessions on one path', COMMON, 200),
  chunk('an overlap', COMMON, ID_A, 'bytes 150-249/1000', 100, 400, RNS),
  chunk('a re-send', COMMON, ID_A, 'bytes 0-199/1000', 200, 400, RNS),
  chunk('the middle, completing it', COMMON, ID_A, 'bytes 200-599/1000', 400, 200),
  chunk('a chunk after completion', COMMON, ID_A, 'bytes 0-0/1000', 1, 400, RNS),
  commit('an incomplete session', ID_B, 400, 'E_INVALIDARG'),
  commit('a complete session', ID_A, 200),
  commit('again', ID_A, 200),
  info('the disk with a file staged and one committed', '6.5', 200),
  info('GetImageStoreInfo before it existed (api-version 6.4)', '6.4', 400, 'E_INVALIDARG'),
  byId('a committed session', ID_A, 200),
  chunk('an id reused on another path', SITE, ID_A, 'bytes 0-9/1000', 10, 409, 'FABRIC_E_UPLOAD_SESSION_ID_CONFLICT'),
  chunk('another file size', COMMON, ID_B, 'bytes 0-9/999', 10, 400, 'E_INVALIDARG'),
  chunk('a start after the end', COMMON, ID_B, 'bytes 9-0/1000', undefined, 400, RNS),
  chunk('an end past the file', COMMON, ID_B, 'bytes 0-1000/1000', undefined, 400, RNS),
  chunk('a malformed session id', COMMON, 'not-a-guid', 'bytes 0-9/1000', 10, 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID'),
  byId('a malformed session id', 'not-a-guid', 400, 'FABRIC_E_INVALID_UPLOAD_SESSION_ID'),
  chunk('no Content-Range: a zero-byte session', EMPTY, ID_Z, undefined, undefined, 200),
  byPath('a zero-byte session', EMPTY, 200),
  commit('a zero-byte session, which never completes', ID_Z, 400, 'E_INVALIDARG'),
  chunk('a short body', SITE, ID_C, 'bytes 0-499/1000', 10, 200),
  chunk('the rest', SITE, ID_C, 'bytes 500-999/1000', 500, 200),
  byPath('a path with / and spaces', SITE, 200),
  commit('bodies that do not add up to the file', ID_C, 400, 'E_INVALIDARG'),
  chunk('a path outside the BMP', ROCKET, ID_D, 'bytes 0-9/100', 10, 200),
  byPath('a path outside the BMP', ROCKET, 200),
  chunk('a first chunk ending at the file size', TAIL, ID_E, 'bytes 0-10/10', 11, 200),
  byId('nothing expected', ID_E, 200),
  commit('ranges that are not the file', ID_E, 400, 'E_INVALIDARG'),
  remove('a committed session', ID_A, 200),
  remove('an unknown id', UNKNOWN, 404, 'NotFound'),
  remove('the all-zero GUID', ZERO_GUID, 400, 'E_INVALIDARG'),
  remove('a malformed id', 'nope', 400, 'E_INVALIDARG'),
  commit('an unknown id', UNKNOWN, 400, 'E_INVALIDARG'),
  { label: 'the store root', op: 'GetImageStoreRootContent', method: 'GET', url: '/ImageStore?api-version=6.0', status: 200 },
  { label: 'a folder', op: 'GetImageStoreContent', method: 'GET', url: '/ImageStore/SwaggerTest?api-version=6.2', status: 200 },
  { label: 'a committed file', op: 'GetImageStoreContent', method: 'GET', url: `/ImageStore/${encodeURIComponent(COMMON)}?api-version=6.2`, status: 200 },
  { label: 'a missing path', op: 'GetImageStoreContent', method: 'GET', url: '/ImageStore/Missing?api-version=6.2', status: 404 },
  { label: 'an api-version above the runtime', op: 'GetImageStoreUploadSessionByPath', method: 'GET', url: byPathUrl(COMMON).replace('api-version=6.0', 'api-version=99.0'), status: 400, code: 'E_INVALIDARG' },
  { label: 'a wrong verb', op: 'GetImageStoreUploadSessionByPath', method: 'POST', url: byPathUrl(COMMON), status: 400, code: 'E_INVALIDARG' },
  byPath('a budget of nothing', COMMON, 504, '&timeout=0', 'FABRIC_E_TIMEOUT'),
  byPath('the idle path at the end', IDLE, 204),
];

/** What the SDK makes of a path outside the BMP: it decodes bodies as UTF-8, so each 3-byte surrogate becomes U+FFFD ×3. */
function sdkView(path: string): string {
  return path.replace(/[\u{10000}-\u{10FFFF}]/gu, '\uFFFD'.repeat(6));
}

interface SdkError extends Error {
  statusCode?: number;
}

async function sdkStatus(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as SdkError).statusCode;
  }
}

describe('conformance of every answer to the specification, and the SDK reading it back', () => {
  let sim: Simulator;
  let client: InstanceType<typeof ServiceFabricClient>;
  const { loose, closed } = validators();
  const seen = new Set<string>();

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ServiceFabricClient(sim.url, { noRetryPolicy: true });
  });
  afterAll(async () => {
    await sim.close();
  });

  function checkAgainstSpec(step: Step, res: RawResponse): void {
    const responses = OPERATIONS.get(step.op);
    expect(responses).toBeDefined();
    seen.add(`${step.op} ${res.status}`);
    const deviation = RUNTIME_OVER_SPEC.find((d) => d.op === step.op && d.status === res.status);
    if (deviation) {
      expect(res.bytes.length).toBe(0);
      return;
    }
    const declared = responses?.[String(res.status)];
    const response = declared ?? responses?.default;
    if (declared && !declared.schema) {
      expect(res.bytes.length).toBe(0);
      return;
    }
    // Success status the spec does not list must not occur; everything else is the FabricError default.
    expect(declared !== undefined || res.status >= 400).toBe(true);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const name = (response?.schema?.$ref ?? '').replace('#/definitions/', '');
    const body = parseBody(res);
    for (const validate of [loose(name), closed(name)]) {
      const ok = validate(body);
      expect({ step: step.label, definition: name, errors: ok ? null : validate.errors }).toEqual({ step: step.label, definition: name, errors: null });
    }
  }

  /** The SDK's view of each path and id must be what the store holds. */
  async function expectSdkReadsStore(): Promise<void> {
    const expected = (s: SessionRecord, echoedPath: string): unknown => ({
      storeRelativePath: sdkView(echoedPath),
      sessionId: s.sessionId,
      fileSize: String(s.fileSize),
      modifiedDate: s.modifiedMs,
      expectedRanges: sim.store.expectedRanges(s).map((r) => ({ startPosition: String(r.start), endPosition: String(r.end) })),
    });
    const actual = (infos: Array<{ modifiedDate?: Date }> | undefined): unknown[] => (infos ?? []).map((i) => ({ ...i, modifiedDate: i.modifiedDate?.getTime() }));
    for (const path of PATHS) {
      const held = sim.store.byPath(path);
      if (held.length === 0) {
        expect(await sdkStatus(client.getImageStoreUploadSessionByPath(path))).toBe(204);
      } else {
        const got = await client.getImageStoreUploadSessionByPath(path);
        expect(actual(got.uploadSessions)).toEqual(held.map((s) => expected(s, path)));
      }
    }
    for (const id of IDS) {
      const held = sim.store.byId(id);
      if (!held) {
        expect(await sdkStatus(client.getImageStoreUploadSessionById(id))).toBe(204);
      } else {
        const got = await client.getImageStoreUploadSessionById(id);
        expect(actual(got.uploadSessions)).toEqual([expected(held, held.path)]);
      }
    }
  }

  it('answers every step of the scenario as the specification (or the runtime, where it differs) says', async () => {
    for (const step of SCENARIO) {
      const res = await rawRequest(sim.url, step.method, step.url, { headers: step.headers, body: step.body === undefined ? undefined : Buffer.alloc(step.body) });
      expect({ step: step.label, status: res.status }).toEqual({ step: step.label, status: step.status });
      if (step.code) expect({ step: step.label, code: (parseBody(res) as { Error: { Code: string } }).Error.Code }).toEqual({ step: step.label, code: step.code });
      checkAgainstSpec(step, res);
      await expectSdkReadsStore();
    }
    // Every difference from the specification was met, so none is listed without cause.
    for (const d of RUNTIME_OVER_SPEC) expect(seen).toContain(`${d.op} ${d.status}`);
  });

  it('would catch a simulator that drifts from the specification', async () => {
    // The simulator's own wrong-shape faults, through the same validators.
    for (const shape of ['numbers', 'nulls', 'not_an_object'] as const) {
      const drift = await startSimulator();
      try {
        drift.faults.add({ kind: 'wrong_shape', shape });
        const res = await rawRequest(drift.url, 'GET', byPathUrl(COMMON));
        expect({ shape, valid: closed('UploadSession')(parseBody(res)) }).toEqual({ shape, valid: false });
      } finally {
        await drift.close();
      }
    }
    // A property the specification does not name passes as written but not closed.
    const extra = { UploadSessions: [{ StoreRelativePath: 'a', SessionId: ID_A, Committed: true }] };
    expect([loose('UploadSession')(extra), closed('UploadSession')(extra)]).toEqual([true, false]);
    expect(loose('FabricError')({ Error: { Message: 'no code' } })).toBe(false);
    expect(closed('ImageStoreInfo')({ DiskInfo: { Capacity: 500, AvailableSpace: '1' } })).toBe(false);
    expect(closed('ImageStoreInfo')({ DiskInfo: { Capacity: '500', AvailableSpace: '1' }, UsedByUploads: {} })).toBe(false);
    expect(loose('UploadSessionInfo')({ SessionId: 'not-a-uuid' })).toBe(false);
    expect(loose('UploadSessionInfo')({ ModifiedDate: '2024-05-01 10:00' })).toBe(false);
  });
});
