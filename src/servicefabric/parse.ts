/**
 * Strict parsing of the wire format (wire.ts) into domain objects: GetUploadSession answers into
 * `UploadSession`s, store content listings into `StoreFile`s, GetImageStoreInfo into `ImageStoreInfo`.
 *
 * Strict because a number we cannot trust is worse than no number: any bad field makes the whole
 * response invalid (an honest exporter does not show half a response), and the error names the
 * field and the offending value (shortened), never the whole body.
 */
import { InvalidResponseError } from './request-errors.js';
import type { ImageStoreInfo, ImageStoreUsage, ImageStoreUse } from './image-store-info.js';
import type { ByteRange, UploadSession } from './session.js';
import type { StoreFile } from './store-file.js';
import type {
  DiskInfoWire,
  FileInfoWire,
  ImageStoreContentWire,
  ImageStoreInfoWire,
  UploadChunkRangeWire,
  UploadSessionInfoWire,
  UploadSessionWire,
  UsageInfoWire,
} from './wire.js';

/** Longest excerpt of an offending value quoted in an error message. */
const MAX_QUOTED = 40;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^[0-9]+$/;
const NEGATIVE_DECIMAL = /^-[0-9]+$/;
// The runtime writes `YYYY-MM-DDTHH:MM:SS.mmmZ`; other ISO-8601 instants (no fraction, up to 9
// fraction digits as .NET writes, or a numeric offset) are just as unambiguous, so accept them.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * How far a `ModifiedDate` may be ahead of this host's clock: cluster nodes and the exporter's host
 * keep time apart (Windows domain members are kept within 5 minutes, Kerberos's own tolerance).
 */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function fail(where: string, what: string): never {
  throw new InvalidResponseError(`${where}: ${what}`);
}

function quote(value: unknown): string {
  let text: string;
  try {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: every JSON value quoted here (string, number, boolean) has a JSON.stringify text, the same either way; String() is for values JSON cannot hold
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${quote(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(record: Record<string, unknown>, key: string, where: string): unknown {
  // A key that is absent and one that is `null` mean the same to us: the value is missing.
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  if (value === undefined || value === null) fail(`${where}.${key}`.replace(/^\./, ''), 'missing');
  return value;
}

/**
 * 64-bit integers travel as decimal strings. A JSON number is rejected, not tolerated: the wire
 * never sends one, and above 2^53 `JSON.parse` has already rounded it, so we could not tell a
 * correct value from a corrupted one. Values above 2^53−1 are rejected rather than rounded.
 */
function decimal(value: unknown, where: string, key: string): number {
  // Up to 15 digits is always below 2^53 (the common case: no BigInt per field and cycle).
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the fast path is speed only; the checks below give the same number for what it skips
  if (typeof value === 'string' && value.length <= 15 && DECIMAL.test(value)) return Number(value);
  const at = `${where}.${key}`;
  if (typeof value !== 'string') fail(at, `expected a decimal string, got ${describe(value)}`);
  if (NEGATIVE_DECIMAL.test(value)) fail(at, `${quote(value)} is negative`);
  if (!DECIMAL.test(value)) fail(at, `${quote(value)} is not a decimal integer`);
  if (BigInt(value) > MAX_SAFE) fail(at, `${quote(value)} exceeds 2^53-1 and cannot be represented exactly`);
  return Number(value);
}

/**
 * A string-encoded unsigned 64-bit integer as a number, under the same rules as every size the
 * parser reads (a JSON number, a negative value or one above 2^53-1 is refused); `where.key` names it.
 */
function parseU64(value: unknown, where: string, key: string): number {
  return decimal(value, where, key);
}

/** Whether `value` is a JSON object (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return isRecord(value);
}

/** `record[key]`, or an InvalidResponseError naming `where.key` when it is absent or null. */
function requiredField(record: Record<string, unknown>, key: string, where: string): unknown {
  return field(record, key, where);
}

/** An InvalidResponseError naming `where`, saying what the value is when it is not the expected kind. */
function notA(where: string, expected: string, value: unknown): never {
  fail(where, `expected ${expected}, got ${describe(value)}`);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] as number);
}

/** Days from 1970-01-01 to a proleptic Gregorian date, as Date counts them (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

// Arithmetic rather than a Date per value (set, then read back six fields to catch 02-30): the
// same result, several times cheaper at tens of thousands of sessions per cycle.
function instant(value: unknown, where: string, key: string, latestMs: number): number {
  const at = (): string => `${where}.${key}`;
  if (typeof value !== 'string') fail(at(), `expected an ISO-8601 date string, got ${describe(value)}`);
  const m = ISO_INSTANT.exec(value);
  if (!m) fail(at(), `${quote(value)} is not an ISO-8601 date-time`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const fraction = m[7];
  const millis = fraction === undefined ? 0 : Number(`${fraction}00`.slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    fail(at(), `${quote(value)} is not a valid calendar date-time`);
  }
  const zone = m[8] as string;
  let offsetMs = 0;
  // Stryker disable next-line ConditionalExpression,StringLiteral: "Z" read as an offset is +00:00 (empty hours and minutes are 0), the same instant
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) fail(at(), `${quote(value)} has an invalid UTC offset`);
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  const ms = ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis - offsetMs;
  // A date beyond the clock skew is no clock's: trusted, it would hold an age at 0 for good.
  if (ms > latestMs) fail(at(), `${quote(value)} is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of this host's clock`);
  return ms;
}

/** With the `u` flag a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A path sent as a JSON escape (`\uD800`) reaches here as a lone surrogate the byte decoder never
 * saw: it is no character, and U+FFFD in its place would give two store paths one label value.
 */
function wellFormed(path: string, at: string): void {
  if (path.length > MAX_STORE_PATH_CHARS) fail(at, `is ${path.length} characters long, more than the ${MAX_STORE_PATH_CHARS} Service Fabric allows a file path`);
  if (LONE_SURROGATE.test(path)) fail(at, 'holds an unpaired UTF-16 surrogate, which is no character');
}

/**
 * Longest store path accepted, in UTF-16 code units: Service Fabric's own limit on a file path in
 * its API (`ParameterValidator::MaxFilePathSize`, 32 * 1024, src/prod/src/Common/ParameterValidator.cpp
 * of microsoft/service-fabric). A longer one is no path a runtime could hold, and each one becomes a
 * label value in every scrape, so it is refused before it costs memory there.
 */
const MAX_STORE_PATH_CHARS = 32 * 1024;

function ranges(value: unknown, fileSize: number, where: string): ByteRange[] {
  if (!Array.isArray(value)) fail(where, `expected an array, got ${describe(value)}`);
  const parsed: ByteRange[] = [];
  value.forEach((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(item)) fail(at, `expected an object, got ${describe(item)}`);
    const start = decimal(field(item, 'StartPosition' satisfies keyof UploadChunkRangeWire, at), at, 'StartPosition');
    const end = decimal(field(item, 'EndPosition' satisfies keyof UploadChunkRangeWire, at), at, 'EndPosition');
    if (end < start) fail(at, `EndPosition ${end} is before StartPosition ${start}`);
    parsed.push({ start, end });
  });

  // The runtime reports a zero-byte file's missing range as [{"0","0"}] (a quirk of its range
  // bookkeeping; such a session can never be committed). Nothing can be missing from an empty
  // file, so that range means 0 bytes remaining and maps to no range at all, keeping the domain
  // invariant `end < fileSize`. A runtime that fixed the quirk and sends [] is accepted too.
  if (fileSize === 0 && parsed.length === 1 && parsed[0]?.start === 0 && parsed[0].end === 0) return [];

  parsed.forEach((range, i) => {
    if (range.end >= fileSize) {
      fail(`${where}[${i}]`, `range ${range.start}-${range.end} extends beyond FileSize ${fileSize}`);
    }
    const previous = parsed[i - 1];
    if (previous && range.start <= previous.end) {
      fail(
        `${where}[${i}]`,
        `range ${range.start}-${range.end} is not after the previous range ${previous.start}-${previous.end} (ranges must be ascending and disjoint)`,
      );
    }
  });
  return parsed;
}

function session(value: unknown, where: string, latestMs: number): UploadSession {
  if (!isRecord(value)) fail(where, `expected an object, got ${describe(value)}`);
  const storeRelativePath = field(value, 'StoreRelativePath' satisfies keyof UploadSessionInfoWire, where);
  if (typeof storeRelativePath !== 'string') {
    fail(`${where}.StoreRelativePath`, `expected a string, got ${describe(storeRelativePath)}`);
  }
  wellFormed(storeRelativePath, `${where}.StoreRelativePath`);
  const rawId = field(value, 'SessionId' satisfies keyof UploadSessionInfoWire, where);
  if (typeof rawId !== 'string') fail(`${where}.SessionId`, `expected a UUID string, got ${describe(rawId)}`);
  if (!UUID.test(rawId)) fail(`${where}.SessionId`, `${quote(rawId)} is not a UUID`);
  const fileSize = decimal(field(value, 'FileSize' satisfies keyof UploadSessionInfoWire, where), where, 'FileSize');
  const modifiedMs = instant(field(value, 'ModifiedDate' satisfies keyof UploadSessionInfoWire, where), where, 'ModifiedDate', latestMs);
  const expectedRanges = ranges(field(value, 'ExpectedRanges' satisfies keyof UploadSessionInfoWire, where), fileSize, `${where}.ExpectedRanges`);
  // Disjoint ranges inside [0, fileSize) sum to at most fileSize, so this stays a safe integer.
  const remainingBytes = expectedRanges.reduce((sum, r) => sum + (r.end - r.start + 1), 0);
  return {
    storeRelativePath,
    // The runtime writes lower case; normalising keeps ids comparable if a proxy or a future
    // runtime does not.
    sessionId: rawId.toLowerCase(),
    fileSize,
    modifiedMs,
    expectedRanges,
    remainingBytes,
  };
}

/**
 * Most arrays and objects open at once in an answer. A real GetUploadSession answer opens five
 * (`{"UploadSessions":[{"ExpectedRanges":[{`), a FabricError or GetAadMetadata answer two; the
 * rest is margin for fields a future runtime may add.
 */
export const MAX_JSON_DEPTH = 8;

/**
 * Characters per array or object below which a body is no answer: a real one has one per 39 or
 * more (a range `{"StartPosition":"0","EndPosition":"0"}`, a session is longer).
 */
const MIN_CHARS_PER_CONTAINER = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function escapedQuote(text: string, at: number): boolean {
  let backslashes = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the run of backslashes stops at the opening quote before it reaches index 0, and charCodeAt(-1) is no backslash
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * Why JSON text is shaped unlike any answer, or undefined: nested deeper than `maxDepth`, or more
 * arrays and objects than one per 16 characters. One linear pass that skips strings (escapes
 * included), run before `JSON.parse`, because parsing is what costs: a 4 MB `[[[…]]]` took about
 * 566 MiB and blocked the event loop; within these bounds a 4 MiB answer parses into at most about
 * 35 MiB. Not a validator: `JSON.parse` still judges the syntax.
 */
export function jsonShapeProblem(text: string, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const budget = maxDepth + Math.ceil(text.length / MIN_CHARS_PER_CONTAINER);
  let depth = 0;
  let containers = 0;
  // Stryker disable next-line EqualityOperator: charCodeAt(text.length) is NaN, which no branch below matches
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Strings are most of a real answer: jump from quote to quote rather than read each character.
      let end = text.indexOf('"', i + 1);
      // Stryker disable next-line UnaryOperator,ConditionalExpression: escapedQuote(text, -1) is false, and a closing quote at index 1 follows the opening quote, no backslash
      while (end !== -1 && escapedQuote(text, end)) end = text.indexOf('"', end + 1);
      // An unterminated string is a syntax error, JSON.parse's to report.
      if (end === -1) return undefined;
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return `nests arrays and objects deeper than ${maxDepth} levels`;
      if (++containers > budget) return `holds more arrays and objects than one per ${MIN_CHARS_PER_CONTAINER} characters`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Parses and validates a GetUploadSession JSON body (already JSON.parse'd: unknown) into domain
 * sessions; throws InvalidResponseError, also for a `ModifiedDate` more than MAX_CLOCK_SKEW_MS after `nowMs`.
 */
export function parseUploadSessions(body: unknown, nowMs = Date.now()): UploadSession[] {
  if (!isRecord(body)) fail('body', `expected a JSON object, got ${describe(body)}`);
  // A 200 body without `UploadSessions` is rejected even though the research notes suggest
  // tolerating it: the gateway never sends one (no sessions is a 204), so an object of another
  // shape means we are not talking to the API we think we are. An *empty* 200 body is a different
  // case, handled by the client before JSON parsing, and means zero sessions.
  const list = field(body, 'UploadSessions' satisfies keyof UploadSessionWire, '');
  if (!Array.isArray(list)) fail('UploadSessions', `expected an array, got ${describe(list)}`);
  const seen = new Set<string>();
  return list.map((item: unknown, i) => {
    const parsed = session(item, `UploadSessions[${i}]`, nowMs + MAX_CLOCK_SKEW_MS);
    // One id is one session; a repeated id would count its remaining bytes twice.
    if (seen.has(parsed.sessionId)) fail(`UploadSessions[${i}].SessionId`, `duplicate session id ${parsed.sessionId}`);
    seen.add(parsed.sessionId);
    return parsed;
  });
}

/** One `FileInfo` of a store listing; `FileVersion` is not read (nothing here uses it). */
function storeFile(value: unknown, where: string, latestMs: number): StoreFile {
  if (!isRecord(value)) fail(where, `expected an object, got ${describe(value)}`);
  const storeRelativePath = field(value, 'StoreRelativePath' satisfies keyof FileInfoWire, where);
  if (typeof storeRelativePath !== 'string') {
    fail(`${where}.StoreRelativePath`, `expected a string, got ${describe(storeRelativePath)}`);
  }
  wellFormed(storeRelativePath, `${where}.StoreRelativePath`);
  return {
    storeRelativePath,
    fileSize: decimal(field(value, 'FileSize' satisfies keyof FileInfoWire, where), where, 'FileSize'),
    modifiedMs: instant(field(value, 'ModifiedDate' satisfies keyof FileInfoWire, where), where, 'ModifiedDate', latestMs),
  };
}

/** A list the listing may leave out (an empty folder has no files); when present, an array. */
function optionalList(body: Record<string, unknown>, key: keyof ImageStoreContentWire): unknown[] | undefined {
  const value = Object.hasOwn(body, key) ? body[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail(key, `expected an array, got ${describe(value)}`);
  return value;
}

/**
 * Parses and validates a 200 store content listing (`GET /ImageStore/{path}`, already
 * JSON.parse'd) into the files it lists; the folders it lists are checked to be a list and not
 * read. Throws InvalidResponseError.
 */
export function parseStoreContent(body: unknown, nowMs = Date.now()): StoreFile[] {
  return parseStoreContentPage(body, nowMs).files;
}

/** One page of a store listing: its files, and the token of the next page (empty or absent: the last). */
export interface StoreContentPage {
  readonly files: StoreFile[];
  readonly continuationToken: string | undefined;
}

/** As `parseStoreContent`, with the listing's `ContinuationToken`. Throws InvalidResponseError. */
export function parseStoreContentPage(body: unknown, nowMs = Date.now()): StoreContentPage {
  if (!isRecord(body)) fail('body', `expected a JSON object, got ${describe(body)}`);
  const files = optionalList(body, 'StoreFiles');
  const folders = optionalList(body, 'StoreFolders');
  // The gateway answers 200 only when it lists something (an empty listing is 204 or 404): an
  // object with neither list is not the answer of the API we think we are talking to.
  if (files === undefined && folders === undefined) fail('body', 'has neither StoreFiles nor StoreFolders');
  const token = Object.hasOwn(body, 'ContinuationToken') ? body.ContinuationToken : undefined;
  if (token !== undefined && token !== null && typeof token !== 'string') {
    fail('ContinuationToken', `expected a string, got ${describe(token)}`);
  }
  return {
    files: (files ?? []).map((item, i) => storeFile(item, `StoreFiles[${i}]`, nowMs + MAX_CLOCK_SKEW_MS)),
    continuationToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

/** The wire key of each category. */
const USE_KEYS: Readonly<Record<ImageStoreUse, keyof ImageStoreInfoWire>> = {
  metadata: 'UsedByMetadata',
  staging: 'UsedByStaging',
  copy: 'UsedByCopy',
  register: 'UsedByRegister',
};

/** The object under a top-level key of the answer; an error names the key. */
function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = requiredField(record, key, '');
  if (!isJsonObject(value)) notA(key, 'an object', value);
  return value;
}

/**
 * Parses a GetImageStoreInfo body. Strict, as the rest of the parser: every number must be there as
 * a decimal string of at most 2^53-1, and free space above the disk's size is refused; any bad field
 * makes the whole answer invalid, its message naming the field. Throws InvalidResponseError.
 */
export function parseImageStoreInfo(body: unknown): ImageStoreInfo {
  if (!isJsonObject(body)) notA('body', 'an object', body);
  const disk = objectAt(body, 'DiskInfo' satisfies keyof ImageStoreInfoWire);
  const capacityBytes = parseU64(requiredField(disk, 'Capacity' satisfies keyof DiskInfoWire, 'DiskInfo'), 'DiskInfo', 'Capacity');
  const availableBytes = parseU64(requiredField(disk, 'AvailableSpace' satisfies keyof DiskInfoWire, 'DiskInfo'), 'DiskInfo', 'AvailableSpace');
  if (availableBytes > capacityBytes) {
    throw new InvalidResponseError(`DiskInfo.AvailableSpace: ${availableBytes} exceeds Capacity ${capacityBytes}`);
  }
  const usage = (use: ImageStoreUse): ImageStoreUsage => {
    const key = USE_KEYS[use];
    const info = objectAt(body, key);
    return {
      bytes: parseU64(requiredField(info, 'UsedSpace' satisfies keyof UsageInfoWire, key), key, 'UsedSpace'),
      files: parseU64(requiredField(info, 'FileCount' satisfies keyof UsageInfoWire, key), key, 'FileCount'),
    };
  };
  return {
    capacityBytes,
    availableBytes,
    used: { metadata: usage('metadata'), staging: usage('staging'), copy: usage('copy'), register: usage('register') },
  };
}
