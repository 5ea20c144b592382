/**
 * Reading a response body without trusting its size: a misbehaving gateway or proxy must not make
 * the exporter buffer an arbitrary amount of memory before it notices.
 */

/** The outcome of a bounded read: the bytes, or the fact that there were too many. */
export type BoundedBody = { readonly tooLarge: false; readonly bytes: Uint8Array } | { readonly tooLarge: true };

/** Reads a response body as a stream, cancelling it as soon as it exceeds `limit` bytes. */
export async function readBoundedBody(response: Response, limit: number): Promise<BoundedBody> {
  const body = response.body;
  if (body === null) return { tooLarge: false, bytes: new Uint8Array(0) };
  // A declared length over the limit is refused before a single byte is read.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    void body.cancel().catch(() => undefined);
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
      // Not awaited: cancelling tears the connection down, and nothing we need depends on it.
      void reader.cancel().catch(() => undefined);
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { tooLarge: false, bytes };
}
