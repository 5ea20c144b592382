import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import {
  AbortedError,
  AuthError,
  ConnectionError,
  FabricError,
  HttpStatusError,
  InvalidResponseError,
  ServiceFabricError,
  TimeoutError,
  TlsError,
} from '../../src/servicefabric/request-errors.js';
import { exposedGc } from '../helpers/gc.js';
import { closedPort } from '../helpers/http-server.js';
import { clientHarness, failure, json } from '../helpers/sf-client.js';
import { waitFor } from '../helpers/wait.js';

const PATH = 'SwaggerTest\\Common.dll';
const WIRE_PATH = '/ImageStore/SwaggerTest%5CCommon.dll/$/GetUploadSession';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/servicefabric/${name}`, import.meta.url), 'utf8');
}

const { serve, client, later } = clientHarness();

/** Resolves with the first request the server sees (the handler never answers). */
function hangingHandler(): { handler: RequestListener; received: Promise<IncomingMessage> } {
  let resolve!: (req: IncomingMessage) => void;
  const received = new Promise<IncomingMessage>((r) => (resolve = r));
  return { handler: (req) => resolve(req), received };
}

/** A resolver stub: no DNS packet leaves the machine during tests. */
function lookupFailing(code: string, calls: string[]): LookupFunction {
  return (hostname, _options, callback) => {
    calls.push(hostname);
    const error = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, errno: -3008, syscall: 'getaddrinfo', hostname });
    process.nextTick(() => callback(error, '', 4));
  };
}

/** A resolver stub answering 127.0.0.1 for every name. */
const lookupLoopback: LookupFunction = (_hostname, options, callback) => {
  process.nextTick(() => {
    if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  });
};

describe('ServiceFabricClient: answers', () => {
  it('parses the reference example into two sessions', async () => {
    const server = await serve((_req, res) => json(res, 200, fixture('get-upload-session-by-path.json')));
    const sessions = await client(server.url).getUploadSessions(PATH);
    expect(sessions.map((s) => s.remainingBytes)).toEqual([1677791, 1626571]);
    expect(sessions.map((s) => s.expectedRanges.length)).toEqual([2, 2]);
    expect(sessions.map((s) => s.sessionId)).toEqual(['2032ac6c-a348-4594-86da-dab0f2bb1ae1', 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5']);
  });

  it('treats 204 No Content (a path without sessions) as zero sessions', async () => {
    // The real gateway keeps its JSON content type on the 204.
    const server = await serve((_req, res) => res.writeHead(204, { 'content-type': 'application/json; charset=utf-8' }).end());
    await expect(client(server.url).getUploadSessions(PATH)).resolves.toEqual([]);
  });

  it('treats 200 with an empty list as zero sessions', async () => {
    const server = await serve((_req, res) => json(res, 200, '{"UploadSessions":[]}'));
    await expect(client(server.url).getUploadSessions(PATH)).resolves.toEqual([]);
  });

  it('treats 200 with an empty body as zero sessions', async () => {
    const server = await serve((_req, res) => json(res, 200, ''));
    await expect(client(server.url).getUploadSessions(PATH)).resolves.toEqual([]);
  });

  it('sends GET with api-version, the timeout in whole seconds rounded up, User-Agent and Accept', async () => {
    const requests: IncomingMessage[] = [];
    const server = await serve((req, res) => {
      requests.push(req);
      res.writeHead(204).end();
    });
    await client(server.url, { requestTimeoutMs: 2_500 }).getUploadSessions(PATH);
    await client(server.url, { requestTimeoutMs: 200 }).getUploadSessions(PATH);
    // Just over a second is 2: rounding to the nearest (1) would let the cluster give up first.
    await client(server.url, { requestTimeoutMs: 1_001 }).getUploadSessions(PATH);
    expect(requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', `${WIRE_PATH}?api-version=6.0&timeout=3`],
      ['GET', `${WIRE_PATH}?api-version=6.0&timeout=1`],
      ['GET', `${WIRE_PATH}?api-version=6.0&timeout=2`],
    ]);
    expect(requests[0]?.headers['user-agent']).toBe('sf-upload-exporter/0.1.0-test');
    expect(requests[0]?.headers.accept).toBe('application/json');
  });

  it('accepts an endpoint with a trailing slash or a path prefix', async () => {
    const urls: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      urls.push(req.url);
      res.writeHead(204).end();
    });
    await client(`${server.url}/`).getUploadSessions(PATH);
    await client(`${server.url}/proxy/sf/`).getUploadSessions(PATH);
    await client(`${server.url}/proxy/sf//`).getUploadSessions(PATH);
    const query = '?api-version=6.0&timeout=5';
    expect(urls).toEqual([`${WIRE_PATH}${query}`, `/proxy/sf${WIRE_PATH}${query}`, `/proxy/sf${WIRE_PATH}${query}`]);
  });

  it('names in its errors the URL it sent, however many slashes end the endpoint', async () => {
    const urls: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      urls.push(req.url);
      res.writeHead(503).end();
    });
    const error = await failure(client(`${server.url}/proxy/sf//`).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(urls).toEqual([`/proxy/sf${WIRE_PATH}?api-version=6.0&timeout=5`]);
    expect((error as HttpStatusError).url).toBe(`${server.url}${urls[0]}`);
    expect(error.message).toBe(`GET ${server.url}${urls[0]}: status 503 Service Unavailable without a Service Fabric error body`);
  });

  it('treats 200 with a body of whitespace only as zero sessions', async () => {
    const server = await serve((_req, res) => json(res, 200, ' \r\n\t '));
    await expect(client(server.url).getUploadSessions(PATH)).resolves.toEqual([]);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const server = await serve((_req, res) => json(res, 200, fixture('get-upload-session-by-path.json')));
    // One socket allowed: without keep-alive every request would need a new connection.
    const c = client(server.url, { connections: 1 });
    await c.getUploadSessions(PATH);
    await c.getUploadSessions('other\\path');
    await c.getUploadSessions(PATH);
    expect(server.connections()).toBe(1);
  });

  it('keeps connections alive with the default pool too', async () => {
    const server = await serve((_req, res) => json(res, 200, fixture('get-upload-session-by-path.json')));
    const c = client(server.url);
    for (let i = 0; i < 6; i += 1) await c.getUploadSessions(PATH);
    // undici releases a socket one event-loop turn after the body ends, so a request sent at once
    // may open a second socket; from then on both are reused.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it('opens no more sockets than `connections`', async () => {
    let open = 0;
    let most = 0;
    const server = await serve((_req, res) => {
      setTimeout(() => res.writeHead(204).end(), 20);
    });
    server.server.on('connection', (socket) => {
      open += 1;
      most = Math.max(most, open);
      socket.once('close', () => (open -= 1));
    });
    const c = client(server.url, { connections: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.getUploadSessions(`p${i}`)));
    expect(most).toBeLessThanOrEqual(2);
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it('sends the bearer token on every request, set by the client\'s ky hook', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(204).end();
    });
    let issued = 0;
    const c = client(server.url, { bearerToken: async () => `token-${(issued += 1)}` });
    await c.getUploadSessions(PATH);
    await c.getUploadSessions(PATH);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('fails with the token\'s own error, sending nothing, when the token cannot be had', async () => {
    const server = await serve((_req, res) => res.writeHead(204).end());
    const refused = new AuthError('Entra ID token request to https://login.example/tenant failed: invalid_client');
    const error = await failure(client(server.url, { bearerToken: () => Promise.reject(refused) }).getUploadSessions(PATH));
    expect(error).toBe(refused);
    expect(server.connections()).toBe(0);
  });

  it('refuses an endpoint with credentials, without echoing them', () => {
    expect(() => new ServiceFabricClient({ endpoint: 'http://user:s3cret@127.0.0.1:19080', requestTimeoutMs: 1000, userAgent: 'x' })).toThrow(
      /^endpoint must not contain credentials$/,
    );
  });

  it.each([
    ['no scheme', '127.0.0.1:19080', 'endpoint "127.0.0.1:19080" is not a URL'],
    ['another scheme', 'ftp://127.0.0.1:19080', 'endpoint must be http: or https:, not ftp:'],
    ['a user name alone', 'http://admin@127.0.0.1:19080', 'endpoint must not contain credentials'],
    ['a password alone', 'http://:s3cret@127.0.0.1:19080', 'endpoint must not contain credentials'],
    ['a query', 'http://127.0.0.1:19080/?api-version=6.0', 'endpoint must not have a query or fragment'],
    ['a fragment', 'http://127.0.0.1:19080/#top', 'endpoint must not have a query or fragment'],
  ])('refuses an endpoint with %s, saying why', (_name, endpoint, message) => {
    expect(() => new ServiceFabricClient({ endpoint, requestTimeoutMs: 1000, userAgent: 'x' })).toThrow(new TypeError(message));
  });

  it.each([NaN, Infinity, 0, -1, 2_147_483_648])('refuses requestTimeoutMs %p, saying what it must be', (requestTimeoutMs) => {
    expect(() => new ServiceFabricClient({ endpoint: 'http://127.0.0.1:19080', requestTimeoutMs, userAgent: 'x' })).toThrow(
      new RangeError(`requestTimeoutMs must be a positive number up to 2147483647, got ${requestTimeoutMs}`),
    );
  });

  it('accepts the longest requestTimeoutMs a timer can wait, and sends it in whole seconds', async () => {
    const urls: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      urls.push(req.url);
      res.writeHead(204).end();
    });
    await client(server.url, { requestTimeoutMs: 2_147_483_647 }).getUploadSessions(PATH);
    expect(urls).toEqual([`${WIRE_PATH}?api-version=6.0&timeout=2147484`]);
  });

  it('leaves no timer behind a finished request, so a one-shot command exits at once', async () => {
    const server = await serve((_req, res) => res.writeHead(204, { connection: 'close' }).end());
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    // Timers the earlier tests left (a closing server's) may fire meanwhile, so the count can fall;
    // a request that left its 60 s deadline behind would add one each time.
    for (let i = 0; i < 3; i++) await client(server.url, { requestTimeoutMs: 60_000 }).getUploadSessions(PATH);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('closes its keep-alive connections on close()', async () => {
    let open = 0;
    const server = await serve((_req, res) => res.writeHead(204).end());
    // The server would keep the socket for a minute, and tells the client so (Keep-Alive: timeout=60).
    server.server.keepAliveTimeout = 60_000;
    server.server.on('connection', (socket) => {
      open += 1;
      socket.once('close', () => (open -= 1));
    });
    const c = new ServiceFabricClient({ endpoint: server.url, requestTimeoutMs: 5_000, userAgent: 'x' });
    await c.getUploadSessions(PATH);
    expect(open).toBe(1);
    await c.close();
    await waitFor('the server to see the connection closed', () => open === 0);
  });
});

describe('ServiceFabricClient: failures', () => {
  it('classifies a server that never answers as a timeout', async () => {
    const server = await serve(() => undefined);
    const error = await failure(client(server.url, { requestTimeoutMs: 200 }).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).reason).toBe('timeout');
    expect(error.message).toContain(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=1`);
  });

  it('classifies a body that stalls after the headers as a timeout (the deadline covers the body)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"UploadSessions":[');
    });
    const error = await failure(client(server.url, { requestTimeoutMs: 200 }).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('still times out a stalled body when a garbage collection runs after the headers', async () => {
    // A collection used to take the Request whose signal aborts the body, and the poll then hung.
    const gc = exposedGc();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"UploadSessions":[');
      for (const ms of [50, 150, 300]) setTimeout(gc, ms);
    });
    const error = await failure(client(server.url, { requestTimeoutMs: 600 }).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('still aborts a stalled body on shutdown when a garbage collection ran after the headers', async () => {
    const gc = exposedGc();
    const shutdown = new AbortController();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"UploadSessions":[');
      setTimeout(() => {
        gc();
        gc();
        shutdown.abort(new Error('shutting down'));
      }, 100);
    });
    const error = await failure(client(server.url, { requestTimeoutMs: 30_000 }).getUploadSessions(PATH, { signal: shutdown.signal }));
    expect(error).toBeInstanceOf(AbortedError);
  });

  it('classifies a refused connection as connection', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const error = await failure(client(url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).reason).toBe('connection');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`GET ${url}${WIRE_PATH}`);
  });

  it('classifies a connection reset before the answer as connection', async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it('classifies a connection reset in the middle of the body as connection', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"UploadSessions":[', () => req.socket.destroy());
    });
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(ConnectionError);
  });

  // The local resolver here is not on this machine, so name resolution is stubbed through the
  // client's connect hook, raising exactly what getaddrinfo raises: no packet leaves 127.0.0.1.
  it.each(['ENOTFOUND', 'EAI_AGAIN'])('classifies a DNS failure (%s) for a .invalid name as connection', async (code) => {
    const calls: string[] = [];
    const url = 'http://sf-upload-exporter-test.invalid:19080';
    const error = await failure(client(url, { connect: { lookup: lookupFailing(code, calls) } }).getUploadSessions(PATH));
    expect(calls).toEqual(['sf-upload-exporter-test.invalid']);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain(code);
  });

  it('classifies HTTPS to a plain-HTTP port as tls', async () => {
    const server = await serve((_req, res) => res.writeHead(204).end());
    const error = await failure(client(server.url.replace('http:', 'https:')).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(TlsError);
  });

  it('classifies a garbage (non-HTTP) answer as invalid_response', async () => {
    const server = await serve(() => undefined);
    server.server.prependListener('connection', (socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect((error as ServiceFabricError).reason).toBe('invalid_response');
  });

  describe('TLS', () => {
    let dir: string;
    let tls: { key: string; cert: string };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sf-client-tls-'));
      execFileSync(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
          '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
          '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('classifies a self-signed server certificate as tls', async () => {
      const server = await serve((_req, res) => res.writeHead(204).end(), { tls });
      const error = await failure(client(server.url).getUploadSessions(PATH));
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).reason).toBe('tls');
      expect(error.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    });

    it('works over HTTPS once the certificate is trusted through the connect hook', async () => {
      const server = await serve((_req, res) => json(res, 200, fixture('get-upload-session-by-path.json')), { tls });
      const sessions = await client(server.url, { connect: { ca: tls.cert } }).getUploadSessions(PATH);
      expect(sessions).toHaveLength(2);
    });

    it('classifies a certificate for another name as tls', async () => {
      const server = await serve((_req, res) => res.writeHead(204).end(), { tls });
      const url = `https://sf-upload-exporter-test.invalid:${server.port}`;
      const error = await failure(client(url, { connect: { ca: tls.cert, lookup: lookupLoopback } }).getUploadSessions(PATH));
      expect(error).toBeInstanceOf(TlsError);
      expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it('keeps status, code and message of a FabricError', async () => {
    const body = '{"Error":{"Code":"FABRIC_E_PATH_TOO_LONG","Message":"The path is too long."}}';
    const server = await serve((_req, res) => json(res, 400, body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    const fabric = error as FabricError;
    expect([fabric.reason, fabric.status, fabric.code, fabric.fabricMessage, fabric.hint]).toEqual([
      'fabric_error',
      400,
      'FABRIC_E_PATH_TOO_LONG',
      'The path is too long.',
      undefined,
    ]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: status 400 FABRIC_E_PATH_TOO_LONG: The path is too long.`);
    expect([fabric.method, fabric.url]).toEqual(['GET', `${server.url}${WIRE_PATH}?api-version=6.0&timeout=5`]);
  });

  it('keeps a FabricError that has a Code and no Message', async () => {
    const server = await serve((_req, res) => json(res, 404, '{"Error":{"Code":"FABRIC_E_DIRECTORY_NOT_FOUND"}}'));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    expect([(error as FabricError).code, (error as FabricError).fabricMessage]).toEqual(['FABRIC_E_DIRECTORY_NOT_FOUND', undefined]);
    expect(error.message).toBe(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: status 404 FABRIC_E_DIRECTORY_NOT_FOUND`);
  });

  it('reads the CESU-8 a gateway writes in a FabricError, as in a success body', async () => {
    // U+1F600 as the runtime's JSON writer sends it: each UTF-16 half in three bytes.
    const body = Buffer.concat([
      Buffer.from('{"Error":{"Code":"FABRIC_E_FILE_NOT_FOUND","Message":"no file '),
      Buffer.from('eda0bdedb880', 'hex'),
      Buffer.from('.txt"}}'),
    ]);
    const server = await serve((_req, res) => res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).fabricMessage).toBe('no file \u{1F600}.txt');
  });

  it.each([
    ['an empty Code', '{"Error":{"Code":"","Message":"The path is too long."}}'],
    ['bytes that are no text', Buffer.concat([Buffer.from('{"Error":{"Code":"FABRIC_E_X","Message":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')])],
    ['nesting deeper than an answer has', `{"Error":{"Code":"FABRIC_E_X","Message":"m"},"Extra":${'['.repeat(20)}${']'.repeat(20)}}`],
  ])('classifies an error body with %s as http_status, not fabric_error', async (_name, body) => {
    const server = await serve((_req, res) => res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.message).toBe(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: status 500 Internal Server Error without a Service Fabric error body`);
  });

  it.each([
    ['64 KiB, read whole: fabric_error', 64 * 1024, undefined, FabricError],
    ['a byte over 64 KiB: http_status', 64 * 1024 + 1, undefined, HttpStatusError],
    ['within 64 KiB but over maxResponseBytes: http_status', 2048, 1024, HttpStatusError],
  ])('reads at most 64 KiB of an error body, and no more than maxResponseBytes (%s)', async (_name, size, maxResponseBytes, expected) => {
    // A FabricError padded with whitespace, which JSON allows after the value.
    const head = fixture('error-service-too-busy.json');
    const body = head + ' '.repeat(size - Buffer.byteLength(head));
    const server = await serve((_req, res) => json(res, 503, body));
    const error = await failure(client(server.url, maxResponseBytes ? { maxResponseBytes } : {}).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(expected);
  });

  it('bounds the Code and Message of a FabricError, however long the cluster made them', async () => {
    const body = JSON.stringify({ Error: { Code: `FABRIC_E_${'X'.repeat(50_000)}`, Message: `M${'y'.repeat(10_000)}` } });
    const server = await serve((_req, res) => json(res, 503, body));
    const error = (await failure(client(server.url).getUploadSessions(PATH))) as FabricError;
    expect(error).toBeInstanceOf(FabricError);
    expect(error.code).toBe(`FABRIC_E_${'X'.repeat(54)}…`);
    expect(error.fabricMessage).toHaveLength(300);
    expect(error.message.length).toBeLessThan(600);
  });

  it('says plainly that a 400 E_INVALIDARG may mean a cluster without upload sessions (Linux)', async () => {
    const server = await serve((_req, res) => json(res, 400, fixture('error-e-invalidarg.json')));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).code).toBe('E_INVALIDARG');
    expect((error as FabricError).hint).toMatch(/upload sessions may not be supported on this cluster/);
    expect(error.message).toBe(
      `GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: status 400 E_INVALIDARG: Invalid argument; upload sessions may not be supported on this cluster (Linux clusters have no upload-session API)`,
    );
  });

  it('gives no Linux hint for E_INVALIDARG with a status other than 400', async () => {
    const server = await serve((_req, res) => json(res, 500, fixture('error-e-invalidarg.json')));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).hint).toBeUndefined();
    expect(error.message).toBe(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: status 500 E_INVALIDARG: Invalid argument`);
  });

  it('classifies 403 with an empty body (authentication) as http_status', async () => {
    const server = await serve((_req, res) => res.writeHead(403, 'Client certificate required').end());
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([(error as HttpStatusError).reason, (error as HttpStatusError).status]).toEqual(['http_status', 403]);
    expect(error.message).toContain('403 Client certificate required');
  });

  it('classifies a 503 HTML page as http_status', async () => {
    const server = await serve((_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>'));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).retryAfterMs).toBeUndefined();
  });

  it('captures Retry-After seconds on 503', async () => {
    const server = await serve((_req, res) => json(res, 503, fixture('error-service-too-busy.json'), { 'retry-after': '7' }));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).code).toBe('FABRIC_E_SERVICE_TOO_BUSY');
    expect((error as FabricError).retryAfterMs).toBe(7000);
  });

  it.each([500, 502, 504])('ignores Retry-After on %i, which only 429 and 503 carry', async (status) => {
    const server = await serve((_req, res) => res.writeHead(status, { 'retry-after': '7' }).end());
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([(error as HttpStatusError).status, (error as HttpStatusError).retryAfterMs]).toEqual([status, undefined]);
  });

  it('captures a Retry-After HTTP date on 429', async () => {
    const at = new Date(Date.now() + 3_600_000).toUTCString();
    const server = await serve((_req, res) => res.writeHead(429, { 'retry-after': at }).end());
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    const ms = (error as HttpStatusError).retryAfterMs;
    expect(ms).toBeGreaterThan(3_000_000);
    expect(ms).toBeLessThanOrEqual(3_600_000);
  });

  it.each([300, 302])('does not follow a redirect (%i), reporting it as http_status', async (status) => {
    const paths: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      paths.push(req.url);
      res.writeHead(status, { location: '/elsewhere' }).end();
    });
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(status);
    expect(paths).toHaveLength(1);
  });

  it('classifies a status outside 200-599, which is not HTTP, as invalid_response', async () => {
    const server = await serve((_req, res) => json(res, 999, '{"Error":{"Code":"E_FAIL"}}'));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('999');
  });

  it('classifies a success status other than 200 and 204 as invalid_response', async () => {
    const server = await serve((_req, res) => json(res, 202, fixture('get-upload-session-by-path.json')));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('202');
  });

  it('classifies a non-JSON 200 as invalid_response', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>' + 'x'.repeat(10_000)));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('not JSON');
    expect(error.message.length).toBeLessThan(400);
  });

  it('gives an invalid answer\'s status, method, URL and the parser\'s own words', async () => {
    const body = '<html><body>Service Fabric Explorer</body></html>';
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(body));
    const error = (await failure(client(server.url).getUploadSessions(PATH))) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    const url = `${server.url}${WIRE_PATH}?api-version=6.0&timeout=5`;
    expect([error.status, error.method, error.url]).toEqual([200, 'GET', url]);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    // The runtime's message for the same text, whole: it is short.
    const said = (() => {
      try {
        JSON.parse(body);
      } catch (parseError) {
        return (parseError as Error).message;
      }
      throw new Error('the body must not be JSON');
    })();
    expect(error.message).toBe(`GET ${url}: invalid response: body is not JSON (${said})`);
  });

  it.each([
    [120, false],
    [121, true],
  ])('cuts a parser message of %i characters to 120 (cut: %p), whatever part of the body a runtime quotes', async (length, cut) => {
    // V8 quotes at most ten characters either side of the error; a runtime that quoted more must
    // still not put the body in a log line.
    const body = '<not JSON>';
    const said = `Unexpected token '<', "${'<not JSON>'.repeat(20)}`.slice(0, length);
    const parse = JSON.parse;
    const spy = jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      if (text === body) throw new SyntaxError(said);
      return parse(text, reviver) as unknown;
    });
    later(() => spy.mockRestore());
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    const shown = cut ? `${said.slice(0, 120)}…` : said;
    expect(error.message).toBe(`GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: invalid response: body is not JSON (${shown})`);
  });

  it('classifies a 200 JSON object without UploadSessions as invalid_response', async () => {
    const server = await serve((_req, res) => json(res, 200, '{"StoreFiles":[],"StoreFolders":[]}'));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('UploadSessions: missing');
  });

  it('names the bad field of an invalid body, with method and URL', async () => {
    const body = fixture('get-upload-session-by-path.json').replace('"1087529"', '"abc"');
    const server = await serve((_req, res) => json(res, 200, body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      `GET ${server.url}${WIRE_PATH}?api-version=6.0&timeout=5: invalid response: UploadSessions[1].ExpectedRanges[1].StartPosition: "abc" is not a decimal integer`,
    );
  });

  it.each([
    ['with Content-Length', true],
    ['chunked', false],
  ])('stops reading a body over maxResponseBytes (%s) as invalid_response', async (_name, withLength) => {
    const session = JSON.parse(fixture('get-upload-session-by-path.json')).UploadSessions[0];
    const many = Array.from({ length: 20_000 }, (_, i) => ({ ...session, SessionId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` }));
    const body = Buffer.from(JSON.stringify({ UploadSessions: many }));
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    let sent = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, withLength ? { 'content-length': String(body.length) } : {});
      // In 64 KiB writes, so the client can stop us long before the end.
      const writeMore = (): void => {
        while (sent < body.length) {
          const chunk = body.subarray(sent, sent + 65_536);
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', writeMore);
            return;
          }
        }
        res.end();
      };
      writeMore();
    });
    const error = await failure(client(server.url, { maxResponseBytes: 1024 * 1024 }).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('exceeds the 1048576-byte limit');
  });

  it('refuses a 4 MB [[[…]]] body under the size limit before parsing it, as invalid_response', async () => {
    const body = `${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}`;
    const server = await serve((_req, res) => json(res, 200, body));
    const error = await failure(client(server.url).getUploadSessions(PATH));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).reason).toBe('invalid_response');
    expect(error.message).toContain('invalid response: body nests arrays and objects deeper than 8 levels; not parsed');
  });

  it.each([
    [4 * 1024 * 1024, 'reads'],
    [4 * 1024 * 1024 + 1, 'refuses'],
  ])('reads a body of up to 4 MiB by default (%i bytes: %s)', async (size, verdict) => {
    // The fixture padded with whitespace, which JSON allows after the value.
    const head = fixture('get-upload-session-by-path.json');
    const body = head + ' '.repeat(size - Buffer.byteLength(head));
    const server = await serve((_req, res) => json(res, 200, body));
    const call = client(server.url).getUploadSessions(PATH);
    if (verdict === 'reads') await expect(call).resolves.toHaveLength(2);
    else expect((await failure(call)).message).toContain('invalid response: body exceeds the 4194304-byte limit');
  });

  it('reads a body just under maxResponseBytes', async () => {
    const body = fixture('get-upload-session-by-path.json');
    const server = await serve((_req, res) => json(res, 200, body));
    await expect(client(server.url, { maxResponseBytes: Buffer.byteLength(body) }).getUploadSessions(PATH)).resolves.toHaveLength(2);
  });
});

describe('ServiceFabricClient: caller abort', () => {
  it('rejects promptly with AbortedError, not a poll failure, when the caller aborts', async () => {
    const { handler, received } = hangingHandler();
    const server = await serve(handler);
    const controller = new AbortController();
    const call = client(server.url, { requestTimeoutMs: 60_000 }).getUploadSessions(PATH, { signal: controller.signal });
    await received;
    controller.abort();
    const error = await failure(call);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).not.toBeInstanceOf(ServiceFabricError);
    const url = `${server.url}${WIRE_PATH}?api-version=6.0&timeout=60`;
    expect(error.message).toBe(`GET ${url}: aborted by the caller`);
    expect([(error as AbortedError).method, (error as AbortedError).url]).toEqual(['GET', url]);
  });

  it('rejects with AbortedError when aborted while the body streams', async () => {
    const controller = new AbortController();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"UploadSessions":[', () => controller.abort());
    });
    const error = await failure(client(server.url, { requestTimeoutMs: 60_000 }).getUploadSessions(PATH, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortedError);
  });

  it('aborts every request in flight on one signal, and leaves no listener behind for finished ones', async () => {
    let held = 0;
    const server = await serve((req, res) => {
      // Paths ending in "slow" hang until the abort; the others answer at once.
      if (req.url?.includes('slow')) held += 1;
      else res.writeHead(204).end();
    });
    const sf = client(server.url, { requestTimeoutMs: 60_000, connections: 8 });
    const controller = new AbortController();
    // One request hangs from the start while fifty come and go, then four more hang: the later
    // ones take the places the finished ones left, and the abort must still reach all five.
    const slow = [failure(sf.getUploadSessions('slow0', { signal: controller.signal }))];
    await waitFor('the first slow request at the server', () => held >= 1);
    const done = await Promise.all(Array.from({ length: 50 }, (_, i) => sf.getUploadSessions(`fast${i}`, { signal: controller.signal })));
    expect(done.every((sessions) => sessions.length === 0)).toBe(true);
    for (let i = 1; i < 5; i++) slow.push(failure(sf.getUploadSessions(`slow${i}`, { signal: controller.signal })));
    await waitFor('five slow requests at the server', () => held >= 5);
    // 55 requests on one signal: one listener, however many came and went.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    for (const error of await Promise.all(slow)) expect(error).toBeInstanceOf(AbortedError);
  });

  it('does not send a request when the signal is already aborted', async () => {
    const server = await serve((_req, res) => res.writeHead(204).end());
    const why = new Error('shutting down');
    const error = await failure(client(server.url).getUploadSessions(PATH, { signal: AbortSignal.abort(why) }));
    expect(error).toBeInstanceOf(AbortedError);
    expect(server.connections()).toBe(0);
    const url = `${server.url}${WIRE_PATH}?api-version=6.0&timeout=5`;
    expect(error.message).toBe(`GET ${url}: aborted by the caller`);
    expect([(error as AbortedError).method, (error as AbortedError).url, error.cause]).toEqual(['GET', url, why]);
  });
});
