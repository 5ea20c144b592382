/**
 * gzip for `/metrics`, as Prometheus asks for it (`Accept-Encoding: gzip`). The exposition is
 * megabytes with thousands of sessions and compresses about 20-fold, but it changes with every
 * scrape (`age_seconds`), so it is compressed per request: at level 1 (zlib's fastest), which keeps
 * most of the size reduction for a fraction of the CPU time of the default level 6.
 */
import { promisify } from 'node:util';
import { createGzip, gzip } from 'node:zlib';
import Negotiator from 'negotiator';

/** The zlib level used for every compressed answer. */
export const GZIP_LEVEL = 1;

const gzipAsync = promisify(gzip);

/** Whether an `Accept-Encoding` header value admits gzip (and prefers it to no encoding): honours `q` values and `*`. */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(', ') : acceptEncoding;
  return new Negotiator({ headers: { 'accept-encoding': header } }).encoding(['gzip', 'identity']) === 'gzip';
}

/** Compresses `body` at `GZIP_LEVEL` on libuv's thread pool, so the event loop keeps serving meanwhile. */
export function gzipBody(body: Buffer | Uint8Array): Promise<Buffer> {
  return gzipAsync(body, { level: GZIP_LEVEL });
}

/** Compresses chunks as one body, without first copying them into one buffer. */
export function gzipChunks(chunks: readonly Buffer[]): Promise<Buffer> {
  if (chunks.length === 1) return gzipBody(chunks[0] as Buffer);
  return new Promise((resolve, reject) => {
    const stream = createGzip({ level: GZIP_LEVEL });
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}
