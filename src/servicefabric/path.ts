/**
 * Request paths for the image-store API (upload sessions, store content), and the key under which
 * the store holds a path.
 *
 * The content path is encoded as one opaque component, exactly as the official SDKs do (Node:
 * `encodeURIComponent`, .NET: `Uri.EscapeDataString`, Python: `quote(safe='')`): `\` travels as
 * `%5C` and `/` as `%2F`. A raw `\` would be rewritten to `/` by WHATWG URL parsing (fetch, ky),
 * which silently queries a different image-store key. `$` and the function name stay literal
 * because the gateway compares them raw and case-sensitively.
 */

/**
 * Content paths that URL parsing would swallow as dot segments even when percent-encoded
 * (WHATWG URL treats `%2e` like `.`), turning the request into a different route.
 */
const DOT_SEGMENTS = new Set(['.', '..']);

/**
 * `encodeURIComponent`, plus `'` as `%27`: the SDK builds its URL with encodeURIComponent, and its
 * transport (`request`, through the legacy `url.parse`) then escapes the `'` that
 * encodeURIComponent leaves alone. Fetch keeps `'` raw, so without this our bytes on the wire
 * would differ from the SDK's (the gateway decodes both to the same key, but identical is simpler
 * to reason about). No other character encodeURIComponent leaves is escaped by `url.parse`.
 */
function encodeSdkStyle(contentPath: string): string {
  return encodeURIComponent(contentPath).replaceAll("'", '%27');
}

/** `ImageStore/{contentPath}`, the content path encoded as one component. */
function contentPathOf(contentPath: string): string {
  // No leading slash: the result is relative to the gateway base URL, like the SDK's URL template
  // (`baseUri + '/' + 'ImageStore/{contentPath}/$/GetUploadSession'`), so a base URL with a path
  // prefix (a reverse proxy) keeps working. The client joins it with exactly one `/`.
  if (DOT_SEGMENTS.has(contentPath)) {
    throw new RangeError(`content path ${JSON.stringify(contentPath)} is a URL dot segment and cannot be requested`);
  }
  // encodeURIComponent throws URIError on a lone surrogate, as the SDK would: such a path has no
  // UTF-8 form and so cannot exist in the store.
  return `ImageStore/${encodeSdkStyle(contentPath)}`;
}

/** Builds the request path for GetUploadSession, encoding the content path exactly as the official SDK does. */
export function uploadSessionPath(contentPath: string): string {
  return `${contentPathOf(contentPath)}/$/GetUploadSession`;
}

/** Builds the request path for GetImageStoreContent (the store listing of one path), encoded as the SDK does. */
export function storeContentPath(contentPath: string): string {
  return contentPathOf(contentPath);
}

/**
 * The key under which a Windows cluster's image store holds `path`: the FileStoreService turns `/`
 * into `\`, trims spaces and then `\` at both ends (`ProcessRequestAsyncOperation.cpp`,
 * `NormalizeStoreRelativePath`) and looks files up by that path in lower case
 * (`FileMetadata::ConstructKey`). Two paths with the same key name the same stored file, whichever
 * way an uploader or a listing spells them; upload sessions, by contrast, match their path exactly.
 */
export function storeKey(path: string): string {
  return path.replaceAll('/', '\\').replace(/^ +| +$/g, '').replace(/^\\+|\\+$/g, '').toLowerCase();
}
