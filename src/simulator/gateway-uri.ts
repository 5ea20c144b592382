/**
 * Splits a raw request target the way the Service Fabric HTTP gateway does (GatewayUri, UriArgumentParser):
 * the path is split on `/` (empty segments dropped, so a trailing `/` is trimmed), the segments between
 * `ImageStore` and the literal `$` form the content path and are percent-decoded one by one, so `%5C`
 * and a raw `\` both become `\` and `%2F` becomes `/`; `$` and the function name are compared raw and
 * case-sensitively. Query values are never percent-decoded and the first occurrence of a name wins.
 */

/** A request target taken apart; `undefined` fields were absent. */
export interface ParsedTarget {
  /** Raw path segments, not decoded. */
  readonly segments: readonly string[];
  /** Raw query parameters (first occurrence wins, values not decoded). */
  readonly query: ReadonlyMap<string, string>;
}

/** The shapes of image-store URL the gateway knows, before method and api-version checks. */
type ImageStoreRoute =
  | { kind: 'root' } // /ImageStore
  | { kind: 'content'; rawPath: string } // /ImageStore/{path}
  | { kind: 'function'; name: string; rawPath: string | undefined }; // /ImageStore[/{path}]/$/{name}

/** Splits a raw request target (`req.url`) into path segments and query parameters. */
export function parseTarget(target: string): ParsedTarget {
  const hash = target.indexOf('#');
  const noFragment = hash >= 0 ? target.slice(0, hash) : target;
  const q = noFragment.indexOf('?');
  const path = q >= 0 ? noFragment.slice(0, q) : noFragment;
  const queryString = q >= 0 ? noFragment.slice(q + 1) : '';
  return { segments: path.split('/').filter((s) => s !== ''), query: parseQuery(queryString) };
}

/**
 * Parses a query string as the gateway does: split on `&`, then on `=`; a pair that does not split
 * into exactly two non-empty parts is ignored, and a name already seen is ignored.
 */
export function parseQuery(queryString: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const element of queryString.split('&')) {
    const pair = element.split('=').filter((s) => s !== '');
    const [name, value] = pair;
    if (pair.length === 2 && name !== undefined && value !== undefined && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** Matches the segments of an image-store URL; `undefined` when the URL is not one. */
export function matchImageStoreRoute(segments: readonly string[]): ImageStoreRoute | undefined {
  if (segments[0] !== 'ImageStore') return undefined;
  const rest = segments.slice(1);
  if (rest.length === 0) return { kind: 'root' };
  const dollar = rest.indexOf('$');
  if (dollar < 0) return { kind: 'content', rawPath: rest.join('/') };
  // Exactly one function segment after `$`; anything else matches no template.
  if (rest.length !== dollar + 2) return undefined;
  const name = rest[dollar + 1] as string;
  return { kind: 'function', name, rawPath: dollar === 0 ? undefined : rest.slice(0, dollar).join('/') };
}

/**
 * Percent-decodes a raw content path segment by segment (after the split on `/`, so `%2F` survives
 * as a `/` inside the path). Returns `undefined` for a malformed escape, which the gateway rejects.
 */
export function decodeContentPath(rawPath: string): string | undefined {
  try {
    return rawPath
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    return undefined;
  }
}

/**
 * The path under which a committed file is stored: `/` becomes `\`, surrounding spaces (only
 * spaces: `StringUtility::TrimSpaces`) and then leading/trailing `\` are trimmed (the
 * FileStoreService normalisation on Windows, `NormalizeStoreRelativePath`). Sessions are not
 * normalised: they keep the path exactly as requested.
 */
export function normalizeStorePath(path: string): string {
  return path.replace(/\//g, '\\').replace(/^ +| +$/g, '').replace(/^\\+|\\+$/g, '');
}

/**
 * The key of a stored file: its normalised path in lower case, as the Windows FileStoreService keys
 * its metadata (`FileMetadata::ConstructKey`), so that a lookup, a listing, an overwrite or a delete
 * finds a file whatever the case it is asked for in.
 */
export function storeFileKey(path: string): string {
  const normalized = normalizeStorePath(path);
  // The runtime lowers each UTF-16 code unit on its own (towlower), so a key is as long as its
  // path; String#toLowerCase may lengthen one (U+0130 becomes two code units), which is kept as it was.
  if (/^\p{ASCII}*$/u.test(normalized)) return normalized.toLowerCase();
  let key = '';
  for (const char of normalized) {
    const lower = char.toLowerCase();
    key += lower.length === char.length ? lower : char;
  }
  return key;
}
