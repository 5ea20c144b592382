/**
 * The client's store lookup (`getStoreFile`): `GET /ImageStore/{contentPath}?api-version=6.2`, each
 * answer a real gateway gives (HandleListContentResult in the runtime's imagestorehandler.h: 200 with
 * what the path holds, 404 with an empty body when it does not exist, 204 when it exists and holds
 * nothing) and the failures, through the same ky instance and failure taxonomy as GetUploadSession.
 * The folder listing is the example of the API page `sfclient-v61-api-getimagestorecontent`.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { AbortedError, FabricError, HttpStatusError, InvalidResponseError, TimeoutError } from '../../src/servicefabric/request-errors.js';
import { OWN_TURN_BYTES } from '../../src/servicefabric/turns.js';
import { clientHarness, failure, json } from '../helpers/sf-client.js';

const FOLDER = 'Store\\CalcServiceApp';
const FILE = 'Store\\CalcServiceApp\\ApplicationManifest.2.0.xml';
const WIRE_FILE = '/ImageStore/Store%5CCalcServiceApp%5CApplicationManifest.2.0.xml';
/** The folder's listing request, as the error messages name it (the client's default 5 s deadline). */
const WIRE_FOLDER = '/ImageStore/Store%5CCalcServiceApp?api-version=6.2&timeout=5';

const folderListing = readFileSync(new URL('../fixtures/servicefabric/get-image-store-content-folder.json', import.meta.url), 'utf8');
const folderFiles = (JSON.parse(folderListing) as { StoreFiles: Array<Record<string, unknown>> }).StoreFiles;

/** The runtime's answer for one file: the file alone, compact, in the paged form (ContinuationToken). */
function fileListing(file: Record<string, unknown> = folderFiles[0] as Record<string, unknown>): string {
  return JSON.stringify({ StoreFiles: [file], StoreFolders: [], ContinuationToken: '' });
}

const { serve, client } = clientHarness();

describe('getStoreFile: answers', () => {
  it('sends GET /ImageStore/{path} at api-version 6.2 with the timeout, the path encoded as the SDK does', async () => {
    const requests: IncomingMessage[] = [];
    const server = await serve((req, res) => {
      requests.push(req);
      json(res, 200, fileListing());
    });
    await client(server.url, { requestTimeoutMs: 2_500 }).getStoreFile(FILE);
    expect(requests.map((r) => [r.method, r.url])).toEqual([['GET', `${WIRE_FILE}?api-version=6.2&timeout=3`]]);
    expect(requests[0]?.headers['user-agent']).toBe('sf-upload-exporter/0.1.0-test');
  });

  it('returns the file a 200 lists at the path, its FileSize as a number', async () => {
    const server = await serve((_req, res) => json(res, 200, fileListing()));
    await expect(client(server.url).getStoreFile(FILE)).resolves.toEqual({
      storeRelativePath: FILE,
      fileSize: 897,
      modifiedMs: Date.UTC(2017, 8, 28, 17, 44, 22, 609),
    });
  });

  it('matches the path as the store keys it: / for \\, trimmed, any case', async () => {
    const server = await serve((_req, res) => json(res, 200, fileListing()));
    const found = await client(server.url).getStoreFile(' store/calcserviceapp/APPLICATIONMANIFEST.2.0.xml/');
    // The path as the store holds it, not as it was asked for.
    expect(found?.storeRelativePath).toBe(FILE);
  });

  it('reads the runtime\'s bytes: / written as \\/ and a character outside the BMP as CESU-8', async () => {
    const path = 'Store/App 😀/a.dll';
    // 😀 is U+1F600: surrogates D83D DE00, each as its own 3-byte sequence.
    const body = Buffer.concat([
      Buffer.from('{"StoreFiles":[{"StoreRelativePath":"Store\\\\App '),
      Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]),
      Buffer.from('\\\\a.dll","FileVersion":{"EpochDataLossNumber":"1","VersionNumber":"2","EpochConfigurationNumber":"3"},"FileSize":"12","ModifiedDate":"2026-01-02T03:04:05.006Z"}],"StoreFolders":[],"ContinuationToken":"\\/"}'),
    ]);
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body));
    await expect(client(server.url).getStoreFile(path)).resolves.toMatchObject({ storeRelativePath: 'Store\\App 😀\\a.dll', fileSize: 12 });
  });

  it('returns undefined for a 200 that lists the folder at the path, not a file', async () => {
    const server = await serve((_req, res) => json(res, 200, folderListing));
    await expect(client(server.url).getStoreFile(FOLDER)).resolves.toBeUndefined();
  });

  it('returns undefined for a 200 that lists other files only', async () => {
    const server = await serve((_req, res) => json(res, 200, fileListing()));
    await expect(client(server.url).getStoreFile(`${FILE}.bak`)).resolves.toBeUndefined();
  });

  it('returns undefined for 404 with an empty body: the path does not exist', async () => {
    const server = await serve((_req, res) => res.writeHead(404, 'Not Found', { 'content-type': 'application/json; charset=utf-8' }).end());
    await expect(client(server.url).getStoreFile(FILE)).resolves.toBeUndefined();
  });

  it('returns undefined for 204: the path exists and holds nothing (an empty folder)', async () => {
    const server = await serve((_req, res) => res.writeHead(204, { 'content-type': 'application/json; charset=utf-8' }).end());
    await expect(client(server.url).getStoreFile(FILE)).resolves.toBeUndefined();
  });

  it('shares the keep-alive connection with GetUploadSession', async () => {
    const server = await serve((req, res) => (req.url?.includes('/$/GetUploadSession') ? res.writeHead(204).end() : json(res, 200, fileListing())));
    // One socket allowed: the lookup must reuse the connection of the GetUploadSession before it.
    const c = client(server.url, { connections: 1 });
    await c.getUploadSessions(FILE);
    await c.getStoreFile(FILE);
    await c.getUploadSessions(FILE);
    expect(server.connections()).toBe(1);
  });
});

describe('getStoreFile: failures', () => {
  it('keeps a FabricError (503 with Retry-After) as fabric_error, with the wait', async () => {
    const server = await serve((_req, res) =>
      res
        .writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' })
        .end('{"Error":{"Code":"FABRIC_E_SERVICE_TOO_BUSY","Message":"The service is too busy."}}'),
    );
    const error = (await failure(client(server.url).getStoreFile(FILE))) as FabricError;
    expect(error).toBeInstanceOf(FabricError);
    expect([error.reason, error.status, error.code, error.retryAfterMs]).toEqual(['fabric_error', 503, 'FABRIC_E_SERVICE_TOO_BUSY', 5000]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FILE}?api-version=6.2&timeout=5: status 503 FABRIC_E_SERVICE_TOO_BUSY: The service is too busy.`);
  });

  it('explains a 400 E_INVALIDARG as a runtime older than the listing\'s api-version, not as a Linux cluster', async () => {
    const server = await serve((_req, res) => json(res, 400, '{"Error":{"Code":"E_INVALIDARG","Message":"Invalid argument"}}'));
    const error = (await failure(client(server.url).getStoreFile(FILE))) as FabricError;
    expect(error.hint).toBe('the store listing by path needs api-version 6.2, which clusters older than Service Fabric 6.2 refuse');
    expect(error.message).not.toContain('Linux');
  });

  it('counts a 404 with a body (not the gateway\'s answer for a missing path) as a failure', async () => {
    const html = await serve((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html>no such site</html>'));
    const error = await failure(client(html.url).getStoreFile(FILE));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(404);
    const fabric = await serve((_req, res) => json(res, 404, '{"Error":{"Code":"FABRIC_E_FILE_NOT_FOUND","Message":"x"}}'));
    expect(await failure(client(fabric.url).getStoreFile(FILE))).toBeInstanceOf(FabricError);
  });

  it('classifies 403 with an empty body as http_status', async () => {
    const server = await serve((_req, res) => res.writeHead(403, 'Client certificate required').end());
    const error = await failure(client(server.url).getStoreFile(FILE));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).reason).toBe('http_status');
  });

  // A gateway lists a path with 200, 204 or 404 only; another 2xx (a proxy's, say) is no listing,
  // even with a listing of the file as its body.
  it.each([
    [201, 'Created', '201 Created'],
    [206, 'Partial Content', '206 Partial Content'],
    [299, '', '299'],
  ])('classifies a %i, a success no gateway sends for a listing, as invalid_response naming the status', async (status, phrase, shown) => {
    const server = await serve((_req, res) => res.writeHead(status, phrase, { 'content-type': 'application/json; charset=utf-8' }).end(fileListing()));
    const error = (await failure(client(server.url).getStoreFile(FILE))) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect([error.reason, error.status]).toEqual(['invalid_response', status]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FILE}?api-version=6.2&timeout=5: invalid response: unexpected success status ${shown}`);
  });

  it('classifies a 300 as the error status it is (http_status), not as a success', async () => {
    const server = await serve((_req, res) => res.writeHead(300, 'Multiple Choices', { location: '/elsewhere' }).end());
    const error = (await failure(client(server.url).getStoreFile(FILE))) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.reason, error.status]).toEqual(['http_status', 300]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FILE}?api-version=6.2&timeout=5: status 300 Multiple Choices without a Service Fabric error body`);
  });

  it('classifies bad JSON in a 200 as invalid_response, quoting little of it', async () => {
    const server = await serve((_req, res) => json(res, 200, `{"StoreFiles":[${'x'.repeat(10_000)}`));
    const error = await failure(client(server.url).getStoreFile(FILE));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('invalid response: body is not JSON');
    expect(error.message.length).toBeLessThan(400);
  });

  it.each([
    ['an object without StoreFiles or StoreFolders', '{"UploadSessions":[]}', 'body: has neither StoreFiles nor StoreFolders'],
    ['StoreFiles that is no list', '{"StoreFiles":{}}', 'StoreFiles: expected an array, got an object'],
    ['a FileSize as a JSON number', fileListing({ ...folderFiles[0], FileSize: 897 }), 'StoreFiles[0].FileSize: expected a decimal string, got number 897'],
    ['a FileSize beyond 2^53', fileListing({ ...folderFiles[0], FileSize: '9007199254740993' }), 'StoreFiles[0].FileSize: "9007199254740993" exceeds 2^53-1'],
    ['a file without ModifiedDate', fileListing({ ...folderFiles[0], ModifiedDate: undefined }), 'StoreFiles[0].ModifiedDate: missing'],
    ['a file without a path', fileListing({ ...folderFiles[0], StoreRelativePath: 7 }), 'StoreFiles[0].StoreRelativePath: expected a string, got number 7'],
    ['a ContinuationToken that is no string', '{"StoreFiles":[],"ContinuationToken":1}', 'ContinuationToken: expected a string, got number 1'],
    ['the file listed twice', JSON.stringify({ StoreFiles: [folderFiles[0], { ...folderFiles[0], FileSize: '1' }] }), 'StoreFiles[1]: lists "Store\\\\CalcServiceApp\\\\ApplicationManifest.2.0.xml" a second time'],
  ])('classifies %s as invalid_response, naming the field', async (_label, body, message) => {
    const server = await serve((_req, res) => json(res, 200, body));
    const error = await failure(client(server.url).getStoreFile(FILE));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(`invalid response: ${message}`);
  });

  it('stops reading a listing over maxResponseBytes, as invalid_response', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ ...folderFiles[1], StoreRelativePath: `Store\\Big\\f${i}` }));
    const body = JSON.stringify({ StoreFiles: many, StoreFolders: [] });
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const server = await serve((_req, res) => json(res, 200, body));
    const error = await failure(client(server.url, { maxResponseBytes: 1024 * 1024 }).getStoreFile('Store\\Big'));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('exceeds the 1048576-byte limit');
  });

  it('times a lookup that never answers out, and lets the caller abort one', async () => {
    const server = await serve(() => undefined);
    const timedOut = await failure(client(server.url, { requestTimeoutMs: 300 }).getStoreFile(FILE));
    expect(timedOut).toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const pending = client(server.url).getStoreFile(FILE, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await failure(pending)).toBeInstanceOf(AbortedError);
  });
});

describe('listStoreFolder: one paged listing for a folder', () => {
  /** A listing of `count` files of FOLDER, `pageSize` a page, the token being the next index. */
  function pagedFolder(count: number, pageSize: number, requests: string[]) {
    return serve((req, res) => {
      requests.push(req.url ?? '');
      const token = new URL(req.url ?? '', 'http://x').searchParams.get('ContinuationToken');
      const from = token === null ? 0 : Number(token.replace('page:', ''));
      const files = Array.from({ length: Math.min(pageSize, count - from) }, (_, i) => ({
        ...folderFiles[0],
        StoreRelativePath: `${FOLDER}\\file-${from + i}.bin`,
      }));
      const next = from + pageSize < count ? `page:${from + pageSize}` : '';
      json(res, 200, JSON.stringify({ StoreFiles: files, StoreFolders: [], ContinuationToken: next }));
    });
  }

  it('follows ContinuationToken, sent escaped as the gateway unescapes it, until the last page', async () => {
    const requests: string[] = [];
    const server = await pagedFolder(25, 10, requests);
    const listing = await client(server.url).listStoreFolder(FOLDER);
    expect(listing.complete).toBe(true);
    expect(listing.files.map((f) => f.storeRelativePath)).toEqual(Array.from({ length: 25 }, (_, i) => `${FOLDER}\\file-${i}.bin`));
    expect(requests).toEqual([
      '/ImageStore/Store%5CCalcServiceApp?api-version=6.2&timeout=5',
      '/ImageStore/Store%5CCalcServiceApp?api-version=6.2&timeout=5&ContinuationToken=page%3A10',
      '/ImageStore/Store%5CCalcServiceApp?api-version=6.2&timeout=5&ContinuationToken=page%3A20',
    ]);
  });

  it('stops at the bound on pages or entries and says the listing is incomplete', async () => {
    const requests: string[] = [];
    const server = await pagedFolder(1000, 10, requests);
    const byPages = await client(server.url).listStoreFolder(FOLDER, { maxPages: 3 });
    expect(byPages).toMatchObject({ complete: false });
    expect(byPages.files).toHaveLength(30);
    expect(requests).toHaveLength(3);
    const byEntries = await client(server.url).listStoreFolder(FOLDER, { maxEntries: 15 });
    expect(byEntries).toMatchObject({ complete: false });
    expect(byEntries.files).toHaveLength(15);
  });

  it('lists no file for a folder that does not exist (404, empty body) or holds nothing (204)', async () => {
    for (const status of [404, 204]) {
      const server = await serve((_req, res) => {
        res.writeHead(status);
        res.end();
      });
      await expect(client(server.url).listStoreFolder(FOLDER)).resolves.toEqual({ files: [], complete: true });
    }
  });

  it('lists no file for a 200 with an empty body', async () => {
    const server = await serve((_req, res) => json(res, 200, ''));
    await expect(client(server.url).listStoreFolder(FOLDER)).resolves.toEqual({ files: [], complete: true });
  });

  it('refuses a 200 whose listing is invalid, naming the field, with the status', async () => {
    const server = await serve((_req, res) => json(res, 200, '{"StoreFiles":{},"StoreFolders":[]}'));
    const error = (await failure(client(server.url).listStoreFolder(FOLDER))) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect([error.status, error.url]).toEqual([200, `${server.url}${WIRE_FOLDER}`]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FOLDER}: invalid response: StoreFiles: expected an array, got an object`);
  });

  it.each([
    [201, 'Created', '201 Created'],
    [206, 'Partial Content', '206 Partial Content'],
  ])('refuses a %i, a success no gateway sends for a listing, as invalid_response naming the status', async (status, phrase, shown) => {
    const server = await serve((_req, res) => res.writeHead(status, phrase, { 'content-type': 'application/json; charset=utf-8' }).end(fileListing()));
    const error = (await failure(client(server.url).listStoreFolder(FOLDER))) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect([error.reason, error.status, error.method, error.url]).toEqual(['invalid_response', status, 'GET', `${server.url}${WIRE_FOLDER}`]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FOLDER}: invalid response: unexpected success status ${shown}`);
  });

  it('takes a 300 as the error status it is (http_status), not as a success', async () => {
    const server = await serve((_req, res) => res.writeHead(300, 'Multiple Choices', { location: '/elsewhere' }).end());
    const error = (await failure(client(server.url).listStoreFolder(FOLDER))) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.reason, error.status]).toEqual(['http_status', 300]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FOLDER}: status 300 Multiple Choices without a Service Fabric error body`);
  });

  // Only a 404 with an empty body is the gateway's answer for a folder that does not exist.
  it.each([
    ['a 404 with a page', 404, 'Not Found', '<html>no such site</html>'],
    ['a 404 with a body over the error-body bound (64 KiB)', 404, 'Not Found', 'x'.repeat(64 * 1024 + 1)],
    ['a 403 with an empty body', 403, 'Forbidden', ''],
  ])('counts %s as a failure, not as a folder without files', async (_label, status, phrase, body) => {
    const server = await serve((_req, res) => res.writeHead(status, phrase, { 'content-type': 'text/html' }).end(body));
    const error = (await failure(client(server.url).listStoreFolder(FOLDER))) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.reason, error.status, error.method, error.url]).toEqual(['http_status', status, 'GET', `${server.url}${WIRE_FOLDER}`]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FOLDER}: status ${status} ${phrase} without a Service Fabric error body`);
  });

  // A listing of at least OWN_TURN_BYTES is handed back after an event-loop turn of its own (turns.ts);
  // whichever side of that threshold it is, and up to the response limit, it reads the same.
  it.each([
    ['one byte under the own-turn threshold', OWN_TURN_BYTES - 1],
    ['at the own-turn threshold', OWN_TURN_BYTES],
    ['one byte over it', OWN_TURN_BYTES + 1],
  ])('reads a listing %s, and refuses it one byte over the response limit', async (_label, size) => {
    const listing = fileListing();
    const body = `${listing}${' '.repeat(size - Buffer.byteLength(listing))}`;
    expect(Buffer.byteLength(body)).toBe(size);
    const server = await serve((_req, res) => json(res, 200, body));
    const read = await client(server.url, { maxResponseBytes: size }).listStoreFolder(FOLDER);
    expect(read).toEqual({ files: [{ storeRelativePath: FILE, fileSize: 897, modifiedMs: Date.UTC(2017, 8, 28, 17, 44, 22, 609) }], complete: true });
    const error = await failure(client(server.url, { maxResponseBytes: size - 1 }).listStoreFolder(FOLDER));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(`GET ${server.url}${WIRE_FOLDER}: invalid response: body exceeds the ${size - 1}-byte limit`);
  });

  it('throws the classified failure of a refused listing', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"Error":{"Code":"FABRIC_E_INVALID_ARGUMENT","Message":"not granted"}}'),
    );
    const error = (await failure(client(server.url).listStoreFolder(FOLDER))) as FabricError;
    expect(error).toBeInstanceOf(FabricError);
    expect(error).toMatchObject({ reason: 'fabric_error', status: 400, code: 'FABRIC_E_INVALID_ARGUMENT' });
  });
});
