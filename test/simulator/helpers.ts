import http from 'node:http';

/** An HTTP answer as the wire carried it. */
export interface RawResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  /** The body decoded as UTF-8 (CESU-8 surrogates come out as U+FFFD: use `bytes` for those). */
  body: string;
  /** The body as it came. */
  bytes: Buffer;
}

/**
 * Sends one request with the path exactly as given (raw backslashes and all: Node's `http.request`
 * does not normalise the path the way `fetch`/`new URL()` would).
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: bytes.toString('utf8'), bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** URL path of an UploadChunk for an (unencoded) content path, encoded as the official SDKs do. */
export function chunkUrl(contentPath: string, sessionId: string, extra = ''): string {
  return `/ImageStore/${encodeURIComponent(contentPath)}/$/UploadChunk?api-version=6.0&session-id=${sessionId}${extra}`;
}

/** URL path of a GetUploadSession by path, encoded as the official SDKs do. */
export function byPathUrl(contentPath: string, extra = ''): string {
  return `/ImageStore/${encodeURIComponent(contentPath)}/$/GetUploadSession?api-version=6.0${extra}`;
}

/** URL path of an operation that takes only a session id. */
export function byIdUrl(fn: 'GetUploadSession' | 'CommitUploadSession' | 'DeleteUploadSession', sessionId: string): string {
  return `/ImageStore/$/${fn}?api-version=6.0&session-id=${sessionId}`;
}

/** The byte count of a `bytes start-end/size` range, for a chunk body of exactly the right length. */
function rangeLength(range: string): number {
  const m = /(\d+)-(\d+)\//.exec(range);
  if (!m) throw new Error(`not a range: ${range}`);
  return Number(m[2]) - Number(m[1]) + 1;
}

/** PUTs one chunk; the body, when given, is `length` zero bytes (none, as the generated SDKs send). */
export function putChunk(
  baseUrl: string,
  contentPath: string,
  sessionId: string,
  range: string,
  body?: number,
): Promise<RawResponse> {
  return rawRequest(baseUrl, 'PUT', chunkUrl(contentPath, sessionId), {
    headers: { 'Content-Range': range },
    body: body === undefined ? undefined : Buffer.alloc(body),
  });
}

/** A FabricError body, parsed. */
export function fabricError(res: RawResponse): { Code: string; Message?: string } {
  return (JSON.parse(res.body) as { Error: { Code: string; Message?: string } }).Error;
}

/** A mutable clock for the simulator's `now` option. */
export function fakeClock(startIso = '2017-09-28T17:28:11.627Z'): { now: () => number; set(iso: string): void; advance(ms: number): void } {
  let t = Date.parse(startIso);
  return {
    now: () => t,
    set(iso: string) {
      t = Date.parse(iso);
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

/** PUTs one chunk whose body is exactly its range, as an uploader that means to commit sends it. */
export function putFullChunk(baseUrl: string, contentPath: string, sessionId: string, range: string): Promise<RawResponse> {
  return putChunk(baseUrl, contentPath, sessionId, range, rangeLength(range));
}
