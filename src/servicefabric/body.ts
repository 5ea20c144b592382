/**
 * Reading a response body without trusting its size: a misbehaving gateway or proxy must not make
 * the exporter buffer an arbitrary amount of memory before it notices. Bytes, not text: what they
 * mean is decided by whoever reads them (decode.ts for upload-session answers).
 */

/** The outcome of a bounded read: the bytes, or the fact that there were too many. */
export type BoundedBody = { readonly tooLarge: false; readonly bytes: Uint8Array } | { readonly tooLarge: true };

const EMPTY: BoundedBody = { tooLarge: false, bytes: new Uint8Array(0) };

/** Cancels a body we will not read; cancelling tears the connection down, and nothing waits on it. */
export function discardBody(response: Response): void {
  void response.body?.cancel().catch(() => undefined);
}

/**
 * Reads `response.body` as it arrives and cancels it as soon as it exceeds `limit` bytes, or at once
 * when its `Content-Length` says it will. Rejects with the stream's error (an abort's reason, a
 * broken connection).
 */
export async function readBoundedBody(response: Response, limit: number): Promise<BoundedBody> {
  const body = response.body;
  if (body === null) return EMPTY;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    discardBody(response);
    return { tooLarge: true };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      void reader.cancel().catch(() => undefined);
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { tooLarge: false, bytes: chunks[0] as Uint8Array };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { tooLarge: false, bytes };
}
