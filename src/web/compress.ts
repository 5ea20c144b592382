/**
 * gzip for `/metrics`, as Prometheus asks for it (`Accept-Encoding: gzip`). The exposition is
 * megabytes with thousands of sessions and compresses about 12-fold, but most of it is fixed for a
 * whole poll cycle: only `age_seconds` and the small exporter-wide families change per scrape. So
 * the body is assembled as one gzip stream from raw deflate parts, each ended with a sync flush so
 * that they join on a byte boundary (the way pigz joins blocks compressed apart): a part whose bytes
 * are fixed is compressed once and kept with its buffer, the rest per scrape; the gzip trailer's
 * CRC-32 is combined from the parts' CRC-32s. Every part is compressed at level 1 (zlib's fastest),
 * which keeps most of the size reduction for a fraction of the CPU time of the default level 6.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';
import { crc32Combine } from './crc32-combine.js';

/** The zlib level used for every compressed answer. */
export const GZIP_LEVEL = 1;

const gzipAsync = promisify(zlib.gzip);
const deflateRawAsync = promisify(zlib.deflateRaw);

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
function gzipChunks(chunks: readonly Buffer[]): Promise<Buffer> {
  if (chunks.length === 1) return gzipBody(chunks[0] as Buffer);
  return new Promise((resolve, reject) => {
    const stream = zlib.createGzip({ level: GZIP_LEVEL });
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

/** A part of the body as raw deflate ending on a byte boundary, with the CRC-32 and length of its input. */
interface DeflatedPart {
  readonly bytes: Buffer;
  readonly crc: number;
  readonly length: number;
}

/**
 * The gzip header zlib writes at level 1 (RFC 1952): no name, no time, XFL 4 (fastest), OS 3
 * (Unix), so a body reads the same as one from `zlib.gzip`.
 */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03]);
/** An empty final block (BFINAL set, fixed Huffman codes, end of block): what ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** The crc32 of Node's zlib (Node 20.15, 22.2 and later); undefined before. */
const crc32: ((data: Uint8Array, value?: number) => number) | undefined = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** Parts up to this size are compressed on the event loop (well under a millisecond at level 1). */
const SYNC_LIMIT = 64 * 1024;

/**
 * zlib's output buffer for an input of `length` bytes: about what level 1 makes of an exposition.
 * With the default 16 KiB, every 16 KiB of output is a round trip between the thread pool and the
 * event loop, and those callbacks would be most of a gzip scrape's time on the event loop.
 */
function outputChunkSize(length: number): number {
  return Math.min(Math.max(zlib.constants.Z_DEFAULT_CHUNK, Math.ceil(length / 4)), 8 * 1024 * 1024);
}

/** Compresses `chunks` as one deflate part; the sync flush ends it on a byte boundary, without a final block. */
async function deflatePart(chunks: readonly Buffer[], crcOf: (data: Uint8Array, value?: number) => number): Promise<DeflatedPart> {
  let crc = 0;
  let length = 0;
  // CRC-32 first: per-scrape chunks are lent by the renderer only until their compression ends.
  for (const chunk of chunks) {
    crc = crcOf(chunk, crc);
    length += chunk.length;
  }
  const input = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  const options = { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: outputChunkSize(length) };
  // A small part costs less compressed at once than a round trip to the thread pool.
  const bytes = length <= SYNC_LIMIT ? zlib.deflateRawSync(input, options) : await deflateRawAsync(input, options);
  return { bytes, crc, length };
}

/** The 8-byte gzip trailer: CRC-32 and length modulo 2^32 of the uncompressed body, little-endian. */
function trailer(crc: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(crc >>> 0, 0);
  out.writeUInt32LE(length % 2 ** 32, 4);
  return out;
}

/**
 * Compresses chunks into one gzip body, given as buffers to send in order. `isFixed(chunk)` says
 * that a chunk's bytes never change while the chunk lives (what the renderer renders once per
 * snapshot): its compressed form is kept with it (weakly: it goes when the chunk goes, with its
 * snapshot) and reused by every later call. Consecutive other chunks are compressed together, per
 * call.
 */
type ChunkGzip = (chunks: readonly Buffer[], isFixed: (chunk: Buffer) => boolean) => Promise<Buffer[]>;

/** A ChunkGzip with its own cache of compressed fixed chunks. */
export function createChunkGzip(): ChunkGzip {
  const crcOf = crc32;
  // Without zlib's crc32 (Node before 20.15) the parts' CRC-32s cannot be had natively: compress it whole, as before.
  if (!crcOf) return async (chunks) => [await gzipChunks(chunks)];
  const fixedParts = new WeakMap<Buffer, Promise<DeflatedPart>>();
  const fixedPart = (chunk: Buffer): Promise<DeflatedPart> => {
    let part = fixedParts.get(chunk);
    if (part === undefined) {
      // Concurrent scrapes of a new snapshot share one compression; a failed one is not kept.
      part = deflatePart([chunk], crcOf).catch((error: unknown) => {
        fixedParts.delete(chunk);
        throw error;
      });
      fixedParts.set(chunk, part);
    }
    return part;
  };
  return async (chunks, isFixed) => {
    const pending: Array<Promise<DeflatedPart>> = [];
    let run: Buffer[] = [];
    const endRun = (): void => {
      if (run.length > 0) pending.push(deflatePart(run, crcOf));
      run = [];
    };
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      if (isFixed(chunk)) {
        endRun();
        pending.push(fixedPart(chunk));
      } else run.push(chunk);
    }
    endRun();
    // Every compression has ended before this answers, even when one failed: until then zlib reads the chunks.
    const settled = await Promise.allSettled(pending);
    const parts = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
    const out: Buffer[] = [GZIP_HEADER];
    let crc = 0;
    let length = 0;
    for (const part of parts) {
      out.push(part.bytes);
      crc = crc32Combine(crc, part.crc, part.length);
      length += part.length;
    }
    out.push(FINAL_BLOCK, trailer(crc, length));
    return out;
  };
}
