/**
 * Strict parsing of the GetUploadSession wire format into domain `UploadSession`s.
 *
 * Strict because a number we cannot trust is worse than no number: any bad field makes the whole
 * response invalid (an honest exporter does not show half a response), and the error names the
 * field and the offending value (shortened), never the whole body.
 */
import { InvalidResponseError } from './errors.js';
import type { ByteRange, UploadSession } from './session.js';

/** Longest excerpt of an offending value quoted in an error message. */
const MAX_QUOTED = 40;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^[0-9]+$/;
const NEGATIVE_DECIMAL = /^-[0-9]+$/;
// The runtime writes `YYYY-MM-DDTHH:MM:SS.mmmZ`; other ISO-8601 instants (no fraction, up to 9
// fraction digits as .NET writes, or a numeric offset) are just as unambiguous, so accept them.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fail(where: string, what: string): never {
  throw new InvalidResponseError(`${where}: ${what}`);
}

function quote(value: unknown): string {
  let text: string;
  try {
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
function decimal(value: unknown, where: string): number {
  if (typeof value !== 'string') fail(where, `expected a decimal string, got ${describe(value)}`);
  if (NEGATIVE_DECIMAL.test(value)) fail(where, `${quote(value)} is negative`);
  if (!DECIMAL.test(value)) fail(where, `${quote(value)} is not a decimal integer`);
  if (BigInt(value) > MAX_SAFE) fail(where, `${quote(value)} exceeds 2^53-1 and cannot be represented exactly`);
  return Number(value);
}

function instant(value: unknown, where: string): number {
  if (typeof value !== 'string') fail(where, `expected an ISO-8601 date string, got ${describe(value)}`);
  const m = ISO_INSTANT.exec(value);
  if (!m) fail(where, `${quote(value)} is not an ISO-8601 date-time`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8] ?? 'Z';
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999, and the runtime's zero
  // date is year 1.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  // Date silently rolls 02-30 over into March; a value that does not round-trip is not a date.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    fail(where, `${quote(value)} is not a valid calendar date-time`);
  }
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
    if (oh > 23 || om > 59) fail(where, `${quote(value)} has an invalid UTC offset`);
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  return date.getTime() - offsetMs;
}

function ranges(value: unknown, fileSize: number, where: string): ByteRange[] {
  if (!Array.isArray(value)) fail(where, `expected an array, got ${describe(value)}`);
  const parsed: ByteRange[] = [];
  value.forEach((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(item)) fail(at, `expected an object, got ${describe(item)}`);
    const start = decimal(field(item, 'StartPosition', at), `${at}.StartPosition`);
    const end = decimal(field(item, 'EndPosition', at), `${at}.EndPosition`);
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

function session(value: unknown, where: string): UploadSession {
  if (!isRecord(value)) fail(where, `expected an object, got ${describe(value)}`);
  const storeRelativePath = field(value, 'StoreRelativePath', where);
  if (typeof storeRelativePath !== 'string') {
    fail(`${where}.StoreRelativePath`, `expected a string, got ${describe(storeRelativePath)}`);
  }
  const rawId = field(value, 'SessionId', where);
  if (typeof rawId !== 'string') fail(`${where}.SessionId`, `expected a UUID string, got ${describe(rawId)}`);
  if (!UUID.test(rawId)) fail(`${where}.SessionId`, `${quote(rawId)} is not a UUID`);
  const fileSize = decimal(field(value, 'FileSize', where), `${where}.FileSize`);
  const modifiedMs = instant(field(value, 'ModifiedDate', where), `${where}.ModifiedDate`);
  const expectedRanges = ranges(field(value, 'ExpectedRanges', where), fileSize, `${where}.ExpectedRanges`);
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

/** Parses and validates a GetUploadSession JSON body (already JSON.parse'd: unknown) into domain sessions; throws InvalidResponseError. */
export function parseUploadSessions(body: unknown): UploadSession[] {
  if (!isRecord(body)) fail('body', `expected a JSON object, got ${describe(body)}`);
  // A 200 body without `UploadSessions` is rejected even though the research notes suggest
  // tolerating it: the gateway never sends one (no sessions is a 204), so an object of another
  // shape means we are not talking to the API we think we are. An *empty* 200 body is a different
  // case, handled by the client before JSON parsing, and means zero sessions.
  const list = field(body, 'UploadSessions', '');
  if (!Array.isArray(list)) fail('UploadSessions', `expected an array, got ${describe(list)}`);
  const seen = new Set<string>();
  return list.map((item: unknown, i) => {
    const parsed = session(item, `UploadSessions[${i}]`);
    // One id is one session; a repeated id would count its remaining bytes twice.
    if (seen.has(parsed.sessionId)) fail(`UploadSessions[${i}].SessionId`, `duplicate session id ${parsed.sessionId}`);
    seen.add(parsed.sessionId);
    return parsed;
  });
}
