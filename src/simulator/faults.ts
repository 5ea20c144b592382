/**
 * Fault injection: rules that make the simulated gateway slow, failing or malformed, per content path
 * or globally, so clients and alerts can be tested against every way a real cluster misbehaves.
 */

/** What a rule does to a matching request. */
const FAULT_KINDS = ['latency', 'status', 'reset', 'invalid_json', 'wrong_shape', 'stall', 'large_body'] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

/** The gateway operations a rule can target. */
const FAULT_OPERATIONS = [
  'GetUploadSession',
  'UploadChunk',
  'CommitUploadSession',
  'DeleteUploadSession',
  'ListContent',
  'GetImageStoreInfo',
] as const;
export type FaultOperation = (typeof FAULT_OPERATIONS)[number];

/** Operations a rule targets when it names none: the read paths a monitoring client uses. */
const DEFAULT_FAULT_OPERATIONS: readonly FaultOperation[] = ['GetUploadSession', 'ListContent'];

/**
 * Ways a 200 GetUploadSession body can have the wrong shape:
 * - `numbers`: FileSize and positions as JSON numbers instead of strings;
 * - `missing_expected_ranges`: no ExpectedRanges key;
 * - `missing_upload_sessions`: `{}`;
 * - `date_without_millis`: ModifiedDate `YYYY-MM-DDTHH:MM:SSZ`;
 * - `range_past_file_size`: the last EndPosition equals FileSize;
 * - `not_an_object`: a JSON array at the top level;
 * - `negative_numbers`: FileSize "-1";
 * - `nulls`: every field of every session null;
 * - `fractional_numbers`: FileSize with a fraction ("2097152.5");
 * - `beyond_2_53`: FileSize 2^53 + 1, which a JavaScript number cannot hold exactly;
 * - `end_before_start`: a range whose EndPosition is below its StartPosition;
 * - `overlapping_ranges`: a second range that overlaps the first;
 * - `duplicate_session_ids`: every session listed twice.
 */
const WRONG_SHAPES = [
  'numbers',
  'missing_expected_ranges',
  'missing_upload_sessions',
  'date_without_millis',
  'range_past_file_size',
  'not_an_object',
  'negative_numbers',
  'nulls',
  'fractional_numbers',
  'beyond_2_53',
  'end_before_start',
  'overlapping_ranges',
  'duplicate_session_ids',
] as const;
type WrongShape = (typeof WRONG_SHAPES)[number];

/** Body of a `status` fault: a FabricError, nothing (as auth failures), or HTTP.sys's HTML page. */
const STATUS_BODIES = ['fabric', 'empty', 'html'] as const;
type StatusBody = (typeof STATUS_BODIES)[number];

/** A fault rule as given by a test or the admin API. */
export interface FaultRuleInput {
  kind: FaultKind;
  /** Exact content path as decoded (e.g. `SwaggerTest\Common.dll`); absent = every path. */
  path?: string;
  /** Operations affected; default GetUploadSession and ListContent. */
  operations?: FaultOperation[];
  /** `latency`: added delay. Above the request's `timeout` the answer is 504 FABRIC_E_TIMEOUT. */
  latencyMs?: number;
  /** `status`: HTTP status (default 503). */
  status?: number;
  /** `status`: FabricError code (default by status, e.g. 503 → FABRIC_E_SERVICE_TOO_BUSY). */
  code?: string;
  /** `status`: FabricError message (default the runtime's text for the code). */
  message?: string;
  /** `status`: body kind; default `empty` for 401/403, otherwise `fabric`. */
  body?: StatusBody;
  /** `status`: adds a `Retry-After` header. */
  retryAfterSeconds?: number;
  /** `wrong_shape`: which shape (default `numbers`). */
  shape?: WrongShape;
  /** `invalid_json`: the exact body to send (default: the real answer cut in half). */
  text?: string;
  /** `stall`: bytes of the body sent before stalling (default half of it). */
  stallAfterBytes?: number;
  /** `reset`: send the status, headers and this many bytes of the body first, then reset (mid-response). */
  resetAfterBytes?: number;
  /** `large_body`: size of the 200 body, streamed (default 100 MiB). */
  bodyBytes?: number;
  /** `large_body`: announce the size in `Content-Length` (default: chunked, so only reading tells). */
  declareLength?: boolean;
  /** Apply to this many requests, then remove the rule. */
  times?: number;
  /** Chance (0–1) that a matching request is affected; default 1. */
  probability?: number;
}

/** A registered rule. */
export interface FaultRule extends FaultRuleInput {
  readonly id: string;
  /** Requests this rule has affected so far. */
  hits: number;
}

/** What the gateway must do to one request. */
interface FaultDecision {
  /** Sum of the matching latency rules. */
  readonly latencyMs: number;
  /** The first matching non-latency rule, if any. */
  readonly action: FaultRule | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalNumber(o: Record<string, unknown>, key: string, min: number, max: number, integer = true): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new Error(`${key} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
  }
  return v;
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

function optionalEnum<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[]): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`${key} must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function optionalBoolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new Error(`${key} must be true or false`);
  return v;
}

const KNOWN_KEYS = new Set([
  'kind', 'path', 'operations', 'latencyMs', 'status', 'code', 'message', 'body', 'retryAfterSeconds',
  'shape', 'text', 'stallAfterBytes', 'resetAfterBytes', 'bodyBytes', 'declareLength', 'times', 'probability',
]);

/** Validates untrusted input (admin API JSON) into a rule; throws an Error with a readable message. */
export function validateFaultRule(input: unknown): FaultRuleInput {
  if (!isObject(input)) throw new Error('a fault rule must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`unknown field "${key}"`);
  }
  const kind = optionalEnum(input, 'kind', FAULT_KINDS);
  if (kind === undefined) throw new Error(`kind is required (one of ${FAULT_KINDS.join(', ')})`);
  let operations: FaultOperation[] | undefined;
  if (input.operations !== undefined) {
    if (!Array.isArray(input.operations) || input.operations.length === 0) throw new Error('operations must be a non-empty array');
    operations = input.operations.map((op) => {
      if (typeof op !== 'string' || !(FAULT_OPERATIONS as readonly string[]).includes(op)) {
        throw new Error(`operations must contain only ${FAULT_OPERATIONS.join(', ')}`);
      }
      return op as FaultOperation;
    });
  }
  const rule: FaultRuleInput = {
    kind,
    path: optionalString(input, 'path'),
    operations,
    latencyMs: optionalNumber(input, 'latencyMs', 0, 24 * 3_600_000),
    status: optionalNumber(input, 'status', 100, 599),
    code: optionalString(input, 'code'),
    message: optionalString(input, 'message'),
    body: optionalEnum(input, 'body', STATUS_BODIES),
    retryAfterSeconds: optionalNumber(input, 'retryAfterSeconds', 0, 86_400),
    shape: optionalEnum(input, 'shape', WRONG_SHAPES),
    text: optionalString(input, 'text'),
    stallAfterBytes: optionalNumber(input, 'stallAfterBytes', 0, Number.MAX_SAFE_INTEGER),
    resetAfterBytes: optionalNumber(input, 'resetAfterBytes', 0, Number.MAX_SAFE_INTEGER),
    bodyBytes: optionalNumber(input, 'bodyBytes', 1, 16 * 1024 ** 3),
    declareLength: optionalBoolean(input, 'declareLength'),
    times: optionalNumber(input, 'times', 1, Number.MAX_SAFE_INTEGER),
    probability: optionalNumber(input, 'probability', 0, 1, false),
  };
  if (kind === 'latency' && rule.latencyMs === undefined) throw new Error('a latency fault needs latencyMs');
  // Drop absent keys so listings stay readable.
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as unknown as FaultRuleInput;
}

/** The set of active fault rules of one simulator; rules apply in the order they were added. */
export class FaultController {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a rule (validated) and returns it with its id. */
  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...validateFaultRule(input), id: String(this.nextId++), hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  /** Removes one rule; false if no rule has this id. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The active rules, oldest first. */
  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * Decides what happens to one request: every matching latency rule adds its delay, and the first
   * matching other rule acts. `path` is the decoded content path, or the session's path for the
   * by-id operations (undefined when unknown, which only global rules match).
   */
  decide(operation: FaultOperation, path: string | undefined): FaultDecision {
    let latencyMs = 0;
    let action: FaultRule | undefined;
    for (const rule of [...this.rules]) {
      if (!(rule.operations ?? DEFAULT_FAULT_OPERATIONS).includes(operation)) continue;
      if (rule.path !== undefined && rule.path !== path) continue;
      if (rule.kind !== 'latency' && action) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.hits++;
      if (rule.times !== undefined && rule.hits >= rule.times) this.remove(rule.id);
      if (rule.kind === 'latency') latencyMs += rule.latencyMs ?? 0;
      else action = rule;
    }
    return { latencyMs, action };
  }
}

/** The body HTTP.sys sends with a 503 when its request queue is full (not JSON). */
export const HTTPSYS_503_BODY =
  '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n' +
  '<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n' +
  '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n' +
  '<BODY><h2>Service Unavailable</h2>\r\n' +
  '<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n' +
  '</BODY></HTML>\r\n';

/**
 * Rewrites a valid UploadSession body into a wrong shape. The input is the parsed 200 body with at
 * least one session.
 */
export function applyWrongShape(body: { UploadSessions?: Record<string, unknown>[] }, shape: WrongShape): unknown {
  const sessions = body.UploadSessions ?? [];
  const mapRanges = (s: Record<string, unknown>, f: (r: Record<string, unknown>) => Record<string, unknown>): unknown =>
    Array.isArray(s.ExpectedRanges) ? (s.ExpectedRanges as Record<string, unknown>[]).map(f) : s.ExpectedRanges;
  switch (shape) {
    case 'numbers':
      return {
        UploadSessions: sessions.map((s) => ({
          ...s,
          FileSize: Number(s.FileSize),
          ExpectedRanges: mapRanges(s, (r) => ({ StartPosition: Number(r.StartPosition), EndPosition: Number(r.EndPosition) })),
        })),
      };
    case 'missing_expected_ranges':
      return { UploadSessions: sessions.map(({ ExpectedRanges: _omit, ...rest }) => rest) };
    case 'missing_upload_sessions':
      return {};
    case 'date_without_millis':
      return {
        UploadSessions: sessions.map((s) => ({ ...s, ModifiedDate: String(s.ModifiedDate).replace(/\.\d{3}Z$/, 'Z') })),
      };
    case 'range_past_file_size':
      return {
        UploadSessions: sessions.map((s) => {
          const ranges = Array.isArray(s.ExpectedRanges) ? [...(s.ExpectedRanges as Record<string, unknown>[])] : [];
          const last = ranges.pop();
          ranges.push({ StartPosition: last?.StartPosition ?? '0', EndPosition: String(s.FileSize) });
          return { ...s, ExpectedRanges: ranges };
        }),
      };
    case 'not_an_object':
      return sessions;
    case 'negative_numbers':
      return { UploadSessions: sessions.map((s) => ({ ...s, FileSize: '-1' })) };
    case 'nulls':
      return { UploadSessions: sessions.map((s) => Object.fromEntries(Object.keys(s).map((k) => [k, null]))) };
    case 'fractional_numbers':
      return { UploadSessions: sessions.map((s) => ({ ...s, FileSize: `${String(s.FileSize)}.5` })) };
    case 'beyond_2_53':
      return { UploadSessions: sessions.map((s) => ({ ...s, FileSize: '9007199254740993' })) };
    case 'end_before_start':
      return {
        UploadSessions: sessions.map((s) => ({ ...s, ExpectedRanges: [{ StartPosition: '10', EndPosition: '5' }] })),
      };
    case 'overlapping_ranges':
      return {
        UploadSessions: sessions.map((s) => ({
          ...s,
          ExpectedRanges: [
            { StartPosition: '0', EndPosition: '9' },
            { StartPosition: '5', EndPosition: '19' },
          ],
        })),
      };
    case 'duplicate_session_ids':
      return { UploadSessions: [...sessions, ...sessions] };
  }
}
