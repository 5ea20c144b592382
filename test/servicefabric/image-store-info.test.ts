/**
 * The client's capacity call (`getImageStoreInfo`): `GET /ImageStore/$/Info?api-version=6.5`, its
 * answer parsed strictly as every other (string-encoded u64s, at most 2^53-1), and its failures
 * classified by the same taxonomy. The fixture is the example of the API page
 * `sfclient-v82-api-getimagestoreinfo` (its body there is wrapped in a list, which the
 * specification's `ImageStoreInfo` schema is not; the object alone is kept).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { FabricError, HttpStatusError, InvalidResponseError } from '../../src/servicefabric/request-errors.js';
import { parseImageStoreInfo } from '../../src/servicefabric/parse.js';
import { clientHarness, failure, json } from '../helpers/sf-client.js';

const EXAMPLE = readFileSync(new URL('../fixtures/servicefabric/get-image-store-info.json', import.meta.url), 'utf8').trim();
const example = (): Record<string, Record<string, unknown>> => JSON.parse(EXAMPLE) as Record<string, Record<string, unknown>>;

const EXPECTED = {
  capacityBytes: 500_090_007_552,
  availableBytes: 228_851_900_416,
  used: {
    metadata: { bytes: 23_093_248, files: 6 },
    staging: { bytes: 6_291_456, files: 9 },
    copy: { bytes: 4_194_304, files: 2 },
    register: { bytes: 4_194_304, files: 3 },
  },
};

/** The request's path and query, as the error messages name it (the client's default 5 s deadline). */
const INFO = '/ImageStore/$/Info?api-version=6.5&timeout=5';

const { serve, client } = clientHarness();

describe('getImageStoreInfo', () => {
  it('sends GET /ImageStore/$/Info at api-version 6.5 with the timeout, $ not encoded', async () => {
    const requests: IncomingMessage[] = [];
    const server = await serve((req, res) => {
      requests.push(req);
      json(res, 200, EXAMPLE);
    });
    await client(server.url, { requestTimeoutMs: 2_500 }).getImageStoreInfo();
    expect(requests.map((r) => [r.method, r.url])).toEqual([['GET', '/ImageStore/$/Info?api-version=6.5&timeout=3']]);
  });

  it('returns the disk and each use as numbers', async () => {
    const server = await serve((_req, res) => json(res, 200, EXAMPLE));
    await expect(client(server.url).getImageStoreInfo()).resolves.toEqual(EXPECTED);
  });

  it('takes a 400 E_INVALIDARG (a runtime before 6.5) as the FabricError it is, status 400, with a hint', async () => {
    const server = await serve((_req, res) => json(res, 400, '{"Error":{"Code":"E_INVALIDARG","Message":"Invalid argument"}}'));
    const error = await failure(client(server.url).getImageStoreInfo());
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).status).toBe(400);
    expect(error.message).toBe(
      `GET ${server.url}/ImageStore/$/Info?api-version=6.5&timeout=5: status 400 E_INVALIDARG: Invalid argument; GetImageStoreInfo needs api-version 6.5, which clusters older than Service Fabric 6.5 refuse`,
    );
  });

  it('classifies a 503 without a FabricError as http_status', async () => {
    const server = await serve((_req, res) => res.writeHead(503).end('busy'));
    const error = await failure(client(server.url).getImageStoreInfo());
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).reason).toBe('http_status');
  });

  // Only 200 carries the figures: any other success is no answer (the call names it), and 300 or
  // above is the error status it is.
  it.each([
    [201, 'Created', '201 Created'],
    [202, 'Accepted', '202 Accepted'],
    [204, 'No Content', '204 No Content'],
    [299, '', '299'],
  ])('refuses a %i as invalid_response naming the status, with the method, URL and status', async (status, phrase, shown) => {
    const server = await serve((_req, res) => res.writeHead(status, phrase, { 'content-type': 'application/json; charset=utf-8' }).end(status === 204 ? undefined : EXAMPLE));
    const error = (await failure(client(server.url).getImageStoreInfo())) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect([error.reason, error.status, error.method, error.url]).toEqual(['invalid_response', status, 'GET', `${server.url}${INFO}`]);
    expect(error.message).toBe(`GET ${server.url}${INFO}: invalid response: unexpected success status ${shown}`);
  });

  it('takes a 300 as the error status it is (http_status), not as a success', async () => {
    const server = await serve((_req, res) => res.writeHead(300, 'Multiple Choices', { location: '/elsewhere' }).end());
    const error = (await failure(client(server.url).getImageStoreInfo())) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.reason, error.status]).toEqual(['http_status', 300]);
    expect(error.message).toBe(`GET ${server.url}${INFO}: status 300 Multiple Choices without a Service Fabric error body`);
  });

  it('gives an error status without a FabricError its status, method, URL and Retry-After', async () => {
    const server = await serve((_req, res) => res.writeHead(503, 'Service Unavailable', { 'retry-after': '7' }).end('busy'));
    const error = (await failure(client(server.url).getImageStoreInfo())) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.status, error.method, error.url, error.retryAfterMs]).toEqual([503, 'GET', `${server.url}${INFO}`, 7000]);
    expect(error.message).toBe(`GET ${server.url}${INFO}: status 503 Service Unavailable without a Service Fabric error body`);
  });

  it('refuses an empty 200 in those words, with its status', async () => {
    const server = await serve((_req, res) => json(res, 200, ''));
    const error = (await failure(client(server.url).getImageStoreInfo())) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect([error.status, error.message]).toEqual([200, `GET ${server.url}${INFO}: invalid response: empty body`]);
  });

  it('refuses a 200 that is not JSON as invalid_response', async () => {
    const server = await serve((_req, res) => json(res, 200, '<html>'));
    const error = await failure(client(server.url).getImageStoreInfo());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(`GET ${server.url}${INFO}: invalid response: body is not JSON`);
  });

  it('refuses a body larger than the response limit', async () => {
    const server = await serve((_req, res) => json(res, 200, `${EXAMPLE}${' '.repeat(2048)}`));
    const error = await failure(client(server.url, { maxResponseBytes: 1024 }).getImageStoreInfo());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('body exceeds the 1024-byte limit');
  });

  it('names the bad field of an answer it refuses', async () => {
    const body = example();
    (body.UsedByCopy as Record<string, unknown>).UsedSpace = 4194304;
    const server = await serve((_req, res) => json(res, 200, JSON.stringify(body)));
    const error = await failure(client(server.url).getImageStoreInfo());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('invalid response: UsedByCopy.UsedSpace: expected a decimal string, got number 4194304');
  });
});

describe('parseImageStoreInfo', () => {
  const withField = (section: string, key: string, value: unknown): unknown => {
    const body = example();
    (body[section] as Record<string, unknown>)[key] = value;
    return body;
  };

  /** The whole message of the InvalidResponseError `body` is refused with. */
  const refusal = (body: unknown): string => {
    try {
      parseImageStoreInfo(body);
    } catch (error) {
      if (error instanceof InvalidResponseError) return error.message;
      throw error;
    }
    throw new Error('expected parseImageStoreInfo to refuse the body');
  };

  it.each([
    ['DiskInfo', 'Capacity', undefined, 'DiskInfo.Capacity: missing'],
    ['DiskInfo', 'Capacity', '-1', 'DiskInfo.Capacity: "-1" is negative'],
    ['DiskInfo', 'AvailableSpace', null, 'DiskInfo.AvailableSpace: missing'],
    ['DiskInfo', 'AvailableSpace', '12 GB', 'DiskInfo.AvailableSpace: "12 GB" is not a decimal integer'],
    ['DiskInfo', 'AvailableSpace', 228_851_900_416, 'DiskInfo.AvailableSpace: expected a decimal string, got number 228851900416'],
    ['UsedByMetadata', 'UsedSpace', undefined, 'UsedByMetadata.UsedSpace: missing'],
    ['UsedByMetadata', 'FileCount', null, 'UsedByMetadata.FileCount: missing'],
    ['UsedByStaging', 'UsedSpace', '1e3', 'UsedByStaging.UsedSpace: "1e3" is not a decimal integer'],
    ['UsedByCopy', 'FileCount', 2, 'UsedByCopy.FileCount: expected a decimal string, got number 2'],
    ['UsedByRegister', 'FileCount', '-3', 'UsedByRegister.FileCount: "-3" is negative'],
  ])('refuses %s.%s holding %p with a message that names exactly that field', (section, key, value, message) => {
    expect(refusal(withField(section, key, value))).toBe(message);
  });

  it('names a section that is missing or no object by its own name, and a body that is no object as the body', () => {
    const without = (key: string): unknown => {
      const body = example();
      delete body[key];
      return body;
    };
    expect(refusal(without('DiskInfo'))).toBe('DiskInfo: missing');
    expect(refusal({ ...example(), DiskInfo: null })).toBe('DiskInfo: missing');
    expect(refusal({ ...example(), DiskInfo: [] })).toBe('DiskInfo: expected an object, got an array');
    expect(refusal(without('UsedByMetadata'))).toBe('UsedByMetadata: missing');
    expect(refusal({ ...example(), UsedByCopy: 1 })).toBe('UsedByCopy: expected an object, got number 1');
    expect(refusal({ ...example(), UsedByRegister: 'x' })).toBe('UsedByRegister: expected an object, got string "x"');
    expect(refusal([example()])).toBe('body: expected an object, got an array');
    expect(refusal(null)).toBe('body: expected an object, got null');
  });

  it('takes free space equal to the disk size (nothing on it) or none at all, and refuses one byte more than the disk', () => {
    expect(parseImageStoreInfo(withField('DiskInfo', 'AvailableSpace', '500090007552'))).toMatchObject({ capacityBytes: 500_090_007_552, availableBytes: 500_090_007_552 });
    expect(parseImageStoreInfo(withField('DiskInfo', 'AvailableSpace', '0'))).toMatchObject({ capacityBytes: 500_090_007_552, availableBytes: 0 });
    expect(refusal(withField('DiskInfo', 'AvailableSpace', '500090007553'))).toBe('DiskInfo.AvailableSpace: 500090007553 exceeds Capacity 500090007552');
  });

  it('reads 2^53-1 exactly and refuses 2^53, as every size the exporter reads', () => {
    expect(parseImageStoreInfo(withField('DiskInfo', 'Capacity', '9007199254740991')).capacityBytes).toBe(9_007_199_254_740_991);
    expect(() => parseImageStoreInfo(withField('DiskInfo', 'Capacity', '9007199254740992'))).toThrow(
      'DiskInfo.Capacity: "9007199254740992" exceeds 2^53-1 and cannot be represented exactly',
    );
  });

  it.each([
    ['a negative count', 'UsedByStaging', 'FileCount', '-1', 'UsedByStaging.FileCount: "-1" is negative'],
    ['a missing size', 'UsedByRegister', 'UsedSpace', undefined, 'UsedByRegister.UsedSpace: missing'],
    ['a fraction', 'UsedByMetadata', 'UsedSpace', '1.5', 'UsedByMetadata.UsedSpace: "1.5" is not a decimal integer'],
    ['free space above the disk size', 'DiskInfo', 'AvailableSpace', '500090007553', 'DiskInfo.AvailableSpace: 500090007553 exceeds Capacity 500090007552'],
  ])('refuses %s, naming the field', (_name, section, key, value, message) => {
    expect(() => parseImageStoreInfo(withField(section, key, value))).toThrow(message);
  });

  it('refuses an answer without a category, or with one that is no object', () => {
    const body = example();
    delete body.UsedByStaging;
    expect(() => parseImageStoreInfo(body)).toThrow('UsedByStaging: missing');
    expect(() => parseImageStoreInfo({ ...example(), DiskInfo: [] })).toThrow('DiskInfo: expected an object, got an array');
    expect(() => parseImageStoreInfo([example()])).toThrow('body: expected an object, got an array');
  });
});
