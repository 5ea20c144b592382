/**
 * How the gateway reads `Content-Range`, `api-version` and `timeout`: with the runtime's own number
 * parsers (microsoft/service-fabric `src/prod/src/Common/Parse.cpp`), which are more lenient than
 * the specification suggests, and the string helpers of `Common/StringUtility.h`. A client the
 * simulator accepts is one a real cluster accepts, and the reverse.
 */

/** A parsed `Content-Range`; positions inclusive. All zero when the header was missing or empty. */
interface ContentRange {
  start: number;
  end: number;
  fileSize: number;
}

/** Server-side budget when `timeout` is absent or invalid (the runtime never answers 400 for it). */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** The lowest api-version of a gateway route (`Constants::V1ApiVersion`, the template default). */
const MIN_API_VERSION = 1.0;

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;
const UINT32_MAX = 4_294_967_295n;

/** `TrimLeading`: drops leading characters found in `chars`, unless every character is one of them. */
function trimLeading(text: string, chars: string): string {
  let i = 0;
  while (i < text.length && chars.includes(text[i] as string)) i++;
  return i < text.length ? text.slice(i) : text;
}

/** `TrimTrailing`: drops trailing characters found in `chars` (all of them, if that is all there is). */
function trimTrailing(text: string, chars: string): string {
  let i = text.length;
  while (i > 0 && chars.includes(text[i - 1] as string)) i--;
  return text.slice(0, i);
}

/** `Split` with its default `skipEmptyTokens`. */
function split(text: string, delimiter: string): string[] {
  return text.split(delimiter).filter((t) => t !== '');
}

/**
 * `TryParseUInt64`: spaces around the digits are ignored, a `+` is allowed, a `-` is not; base 0
 * also reads a `0x` prefix as hexadecimal. `undefined` when it fails or overflows 64 bits.
 */
export function parseRuntimeUnsigned(text: string, base: 0 | 10): bigint | undefined {
  let s = text.replace(/^ +| +$/g, '');
  if (s === '') return undefined;
  let radix = 10n;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') return undefined;
  else if (s[0] === '0') {
    s = s.slice(1);
    if (s === '') return 0n;
    if (s[0] === 'x' || s[0] === 'X') {
      if (base !== 0) return undefined;
      radix = 16n;
      s = s.slice(1);
    }
  }
  if (s === '') return undefined;
  let value = 0n;
  for (const ch of s) {
    const digit = radix === 16n ? parseInt(ch, 16) : ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : NaN;
    if (Number.isNaN(digit)) return undefined;
    value = value * radix + BigInt(digit);
    if (value > UINT64_MAX) return undefined;
  }
  return value;
}

/** `TryParseInt64` at base 10, for the exponent of a double. */
function parseRuntimeSigned(text: string): bigint | undefined {
  const s = text.replace(/^ +| +$/g, '');
  const negative = s.startsWith('-');
  const magnitude = parseRuntimeUnsigned(negative || s.startsWith('+') ? s.slice(1) : s, 10);
  if (magnitude === undefined || magnitude > INT64_MAX + (negative ? 1n : 0n)) return undefined;
  return negative ? -magnitude : magnitude;
}

/** `PowOf10`: by squaring, with the runtime's constants, so the rounding is the runtime's. */
function powOf10(e: number): number {
  const constants = [1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256];
  let result = 1;
  for (let i = 0; e > 0; i++, e = Math.floor(e / 2)) {
    if (e & 1) result *= constants[i] as number;
  }
  return result;
}

/**
 * `TryParseDouble`: leading spaces, a sign, digits with at most one `.`, an optional exponent; it
 * stops at the first other character and keeps what it read, so `6.0-beta` reads as 6 and `six`
 * as 0. Only the first 18 digits count.
 */
export function parseRuntimeDouble(text: string): number | undefined {
  let i = 0;
  while (text[i] === ' ') i++;
  if (i === text.length) return undefined;
  let sign = 1;
  if (text[i] === '+') i++;
  else if (text[i] === '-') {
    i++;
    sign = -1;
  }
  if (i === text.length) return undefined;
  let fraction = 0n;
  let digits = 0;
  let dot = -1;
  let foundE = false;
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch >= '0' && ch <= '9') {
      digits++;
      fraction = (fraction * 10n + BigInt(digits <= 18 ? ch.charCodeAt(0) - 48 : 0)) & UINT64_MAX;
    } else if (ch === '.') {
      if (dot >= 0) return undefined;
      dot = i;
    } else {
      foundE = ch === 'e' || ch === 'E';
      break;
    }
  }
  const expDelta = dot >= 0 ? i - dot - 1 : 0;
  let exponent = 0;
  if (foundE) {
    const parsed = parseRuntimeSigned(text.slice(i + 1));
    if (parsed === undefined) return undefined;
    exponent = Number(parsed);
  }
  const f = Number(fraction);
  let value: number;
  if (exponent > 0) {
    exponent -= expDelta;
    // The runtime asserts (and crashes the gateway) on a negative power here; refusing is kinder.
    if (exponent > 308 || exponent < 0) return undefined;
    const power = powOf10(exponent);
    if (f > Number.MAX_VALUE / power) return undefined;
    value = f * power;
  } else {
    const emin = -308;
    if (exponent < emin) return undefined;
    exponent -= expDelta;
    value = exponent < emin ? f / powOf10(emin - exponent) / powOf10(-emin) : f / powOf10(-exponent);
  }
  return sign * value;
}

/**
 * The api-version as the gateway reads it: a trailing `-preview` is stripped (as a set of
 * characters, `TrimTrailing`), then `TryParseDouble`. `undefined` when absent or not a number.
 */
function parseApiVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = text.endsWith('-preview') ? trimTrailing(text, '-preview') : text;
  return parseRuntimeDouble(value);
}

/**
 * The api-version if a route accepts it: from 1.0 (the default minimum of every gateway route) up to
 * the runtime's own version (`HandlerUriTemplate.h`, `GatewayUri.cpp`); `undefined` otherwise.
 */
export function acceptedApiVersion(text: string | undefined, runtimeVersion: string): number | undefined {
  const version = parseApiVersion(text);
  const max = parseRuntimeDouble(runtimeVersion);
  return version !== undefined && max !== undefined && version >= MIN_API_VERSION && version <= max ? version : undefined;
}

/**
 * The `timeout` query parameter in seconds (`UpdateRequestTimeout`): a base-10 uint32, `0`
 * included (a budget of nothing); anything unparsable means the 60-second default, never a 400.
 */
export function parseTimeoutSeconds(text: string | undefined): number {
  const value = text === undefined ? undefined : parseRuntimeUnsigned(text, 10);
  return value !== undefined && value <= UINT32_MAX ? Number(value) : DEFAULT_TIMEOUT_SECONDS;
}

/**
 * Parses `Content-Range` as the gateway does (`ImageStoreHandlerAsyncOperation::GetRequestBody`):
 * a missing or empty header is not parsed at all (all zero); after a leading `bytes` (stripped as a
 * set of characters) and whitespace, `/` must split it in two and the size must parse; a start–end
 * pair that does not split in two is left at zero; then `start ≤ end ≤ size`. `undefined` means
 * `FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE`. Note `end == size` passes.
 */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined || header === '') return { start: 0, end: 0, fileSize: 0 };
  let text = header;
  if (text.startsWith('bytes')) text = trimTrailing(trimLeading(trimLeading(text, 'bytes'), ' \t\r\n'), ' \t\r\n');
  const parts = split(text, '/');
  if (parts.length !== 2) return undefined;
  const fileSize = parseRuntimeUnsigned(parts[1] as string, 0);
  if (fileSize === undefined) return undefined;
  let start = 0n;
  let end = 0n;
  const pair = split(parts[0] as string, '-');
  if (pair.length === 2) {
    const s = parseRuntimeUnsigned(pair[0] as string, 0);
    const e = parseRuntimeUnsigned(pair[1] as string, 0);
    if (s === undefined || e === undefined) return undefined;
    start = s;
    end = e;
  }
  if (start > end || end > fileSize) return undefined;
  // Beyond 2^53 a JavaScript number cannot hold a byte position exactly; the simulator refuses such
  // a range (a real cluster would take it) rather than track it wrongly.
  if (fileSize > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { start: Number(start), end: Number(end), fileSize: Number(fileSize) };
}
