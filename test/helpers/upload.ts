/** Sends one UploadChunk to a simulator (or gateway) over plain HTTP; resolves with the status. */
export async function uploadChunk(
  baseUrl: string,
  contentPath: string,
  sessionId: string,
  range: { start: number; end: number; fileSize: number },
): Promise<number> {
  const res = await fetch(
    `${baseUrl}/ImageStore/${encodeURIComponent(contentPath)}/$/UploadChunk?api-version=6.0&session-id=${sessionId}`,
    {
      method: 'PUT',
      headers: { 'Content-Range': `bytes ${range.start}-${range.end}/${range.fileSize}` },
      body: new Uint8Array(range.end - range.start + 1),
    },
  );
  await res.arrayBuffer();
  return res.status;
}

/** Calls a session-id operation (CommitUploadSession with POST, DeleteUploadSession with DELETE). */
export async function sessionOperation(baseUrl: string, operation: 'CommitUploadSession' | 'DeleteUploadSession', sessionId: string): Promise<number> {
  const res = await fetch(`${baseUrl}/ImageStore/$/${operation}?api-version=6.0&session-id=${sessionId}`, {
    method: operation === 'CommitUploadSession' ? 'POST' : 'DELETE',
  });
  await res.arrayBuffer();
  return res.status;
}

/** The two sessions of the API page's example response, as the chunks that leave exactly them. */
export const REFERENCE_EXAMPLE = {
  path: 'SwaggerTest\\Common.dll',
  fileSize: 2097152,
  sessions: [
    { sessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1', received: { start: 207616, end: 626976 }, remaining: 1677791 },
    { sessionId: 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5', received: { start: 616948, end: 1087528 }, remaining: 1626571 },
  ],
} as const;

/**
 * Uploads a whole file of `fileSize` zero bytes in chunks that carry their bytes (the generated SDK
 * sends none, and a real cluster refuses to commit such an upload); resolves with the session id.
 */
export async function uploadWholeFile(baseUrl: string, contentPath: string, fileSize: number, chunk = 100_000): Promise<string> {
  const sessionId = globalThis.crypto.randomUUID();
  for (let start = 0; start < fileSize; start += chunk) {
    const status = await uploadChunk(baseUrl, contentPath, sessionId, { start, end: Math.min(start + chunk, fileSize) - 1, fileSize });
    if (status !== 200) throw new Error(`UploadChunk of ${contentPath} answered ${status}`);
  }
  return sessionId;
}
