/**
 * The YAML document's schema: snake_case keys as written in the file, unknown keys rejected at every
 * level, defaults applied, then cross-field checks. Messages are written for the person editing the
 * file; load.ts prefixes each with the field path.
 */
import * as z from 'zod';
import { validate as isValidCron, validateDetailed as explainCron } from 'node-cron';
import { DURATION_JSON_PATTERN, formatDuration, parseDuration } from './duration.js';
import { SIZE_JSON_PATTERN, formatSize, parseSize } from './size.js';
import { formatPath, redactUrl } from './config-error.js';
import { CRON, urlPattern } from './json-schema.js';
import { describeInput, expecting, trimmedString } from './schema-common.js';
import { authSchema, tlsSchema } from './cluster-security.js';
import type { PathFilesConfig, StatusConfig } from './types.js';

/** Defaults, as they would be written in the file. */
export const DEFAULTS = {
  schedule: '*/30 * * * * *',
  concurrency: 8,
  request_timeout: '10s',
  max_staleness: '90s',
  max_response_size: '4MiB',
  store_recheck_interval: '10m',
  idle_interval: '5m',
  stalled_after: '10m',
  path_file_max_size: '1MiB',
  path_file_max_entries: 10_000,
  path_file_max_path_length: 32_768,
  path_file_max_paths: 100_000,
  path_file_max_package_files: 200_000,
  path_file_follow_outside_links: false,
} as const;

/** `status:` when the file has none. */
export const DEFAULT_STATUS: StatusConfig = Object.freeze({ stalledAfterMs: parseDuration(DEFAULTS.stalled_after) });

/** `path_files:` when the file has none. */
export const DEFAULT_PATH_FILES: PathFilesConfig = Object.freeze({
  maxBytes: parseSize(DEFAULTS.path_file_max_size),
  maxEntries: DEFAULTS.path_file_max_entries,
  maxPathLength: DEFAULTS.path_file_max_path_length,
  maxPaths: DEFAULTS.path_file_max_paths,
  maxPackageFiles: DEFAULTS.path_file_max_package_files,
  followOutsideLinks: DEFAULTS.path_file_follow_outside_links,
});

/** The sections of a file that has only `poll:` and `clusters:`, as the loader fills them in. */
export const UNWRITTEN_SECTIONS = Object.freeze({
  status: DEFAULT_STATUS,
  pathFiles: DEFAULT_PATH_FILES,
  defaulted: Object.freeze(['status', 'path_files'] as const),
});

/** Bounds of `path_files.max_size`: a path file is parsed whole, and YAML costs many times its size to parse. */
const PATH_FILE_MAX_SIZE_RANGE = { min: 1024, max: 16 * 1024 ** 2 } as const;
/** Bounds of `path_files.max_entries`. */
const PATH_FILE_MAX_ENTRIES_RANGE = { min: 1, max: 1_000_000 } as const;
/**
 * Bounds of `path_files.max_path_length`, in UTF-16 code units. The default and the upper bound are
 * Service Fabric's own limit on a file path in its API, `ParameterValidator::MaxFilePathSize`
 * (32 * 1024, src/prod/src/Common/ParameterValidator.cpp of microsoft/service-fabric at
 * ddfed33de371857f8fdb92287a8e0497297c8ccf; an image-store build path is parsed with it in
 * ImageStoreProvisionApplicationTypeDescription.cpp): no longer path can be provisioned.
 */
const PATH_FILE_MAX_PATH_LENGTH_RANGE = { min: 1, max: 32_768 } as const;
/** Bounds of `path_files.max_paths` and `path_files.max_package_files`, per cluster. */
const PATH_FILE_MAX_PATHS_RANGE = { min: 1, max: 10_000_000 } as const;

/** Bounds of `poll.max_response_size`: below 1 KiB no real answer fits; above 1 GiB is no bound at all. */
const MAX_RESPONSE_SIZE_RANGE = { min: 1024, max: 1024 ** 3 } as const;

/**
 * Upper bound of `poll.idle_interval`: a cold path's new session is first seen up to this (plus a
 * cycle) late; at 20 minutes a session that stalled at once still pages (10 minutes without a chunk,
 * for 1 minute) before Service Fabric drops it 30 minutes after its last chunk.
 */
const MAX_IDLE_INTERVAL_MS = 20 * 60_000;

/** Bounds of `poll.concurrency`. */
const CONCURRENCY_RANGE = { min: 1, max: 1024 } as const;

/** Lower bound of `poll.request_timeout`: the API's `timeout` parameter is whole seconds, at least 1. */
const MIN_REQUEST_TIMEOUT_MS = 1000;
/**
 * Upper bound of `poll.request_timeout`: Node's timers cannot wait longer than 2^31-1 ms (about
 * 24.8 days) and fire at once instead, so a larger value would time every request out immediately.
 */
const MAX_REQUEST_TIMEOUT_MS = 24 * 24 * 60 * 60 * 1000;

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'a list',
  object: 'a mapping',
};

/** Messages for the issues no schema words itself; pass as the `error` option of `safeParse`. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required key is missing';
      return `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${describeInput(issue)}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'number') return `must be at least ${String(issue.minimum)}, got ${String(issue.input)}`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'number') return `must be at most ${String(issue.maximum)}, got ${String(issue.input)}`;
      return undefined;
    case 'unrecognized_keys':
      // load.ts reports one issue per key, with the key in the path.
      return 'unknown key';
    default:
      return undefined;
  }
};

/**
 * An image-store relative path. `.` and `..` would be removed by URL parsing even when
 * percent-encoded, so the request would reach another route; a lone surrogate cannot be encoded.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const contentPath = trimmedString.superRefine((text, ctx) => {
  if (text === '.' || text === '..') {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a file or folder path in the image store` });
  } else if (LONE_SURROGATE.test(text)) {
    ctx.addIssue({ code: 'custom', message: 'contains a lone UTF-16 surrogate and cannot be sent in a URL' });
  }
}).meta({ not: { enum: ['.', '..'] } });

// For JSON Schema (json-schema.ts): the grammar of a duration and of a size; their bounds are
// beyond a pattern, and the chart's README lists them among the checks made at start-up only.
const DURATION_SHAPE = { pattern: DURATION_JSON_PATTERN, minLength: 1 };
const sizeShape = (bounds: { min: number; max: number }) => ({
  anyOf: [{ type: 'string', pattern: SIZE_JSON_PATTERN }, { type: 'integer', minimum: bounds.min, maximum: bounds.max }],
});

/** A duration string checked against bounds; the output is milliseconds. */
function duration(bounds: { min?: number; max?: number } = {}) {
  return z.string({ error: expecting('a duration such as "10s"') }).meta(DURATION_SHAPE).transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    if (bounds.min !== undefined && ms < bounds.min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(bounds.min)}, got ${text}` });
      return z.NEVER;
    }
    if (bounds.max !== undefined && ms > bounds.max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(bounds.max)}, got ${text}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A byte size (`4MiB`, or a whole number of bytes) checked against bounds; the output is bytes. */
function size(bounds: { min: number; max: number }) {
  return z.union([z.string(), z.number()], { error: expecting('a size such as "4MiB"') }).meta(sizeShape(bounds)).transform((value, ctx) => {
    let bytes: number;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number of bytes or a size such as "4MiB", got number ${value}` });
        return z.NEVER;
      }
      bytes = value;
    } else {
      try {
        bytes = parseSize(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }
    if (bytes < bounds.min || bytes > bounds.max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${formatSize(bounds.min)} and ${formatSize(bounds.max)}, got ${String(value)}` });
      return z.NEVER;
    }
    return bytes;
  });
}

function cronHint(expression: string): string {
  const reasons = explainCron(expression).errors.map((e) =>
    e.field === 'expression' ? e.message : `bad ${e.field} field ${JSON.stringify(e.value ?? '')}`,
  );
  return reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
}

const scheduleSchema = z
  .string({ error: expecting('a cron expression string') })
  .min(1)
  .superRefine((expression, ctx) => {
    // validate() is the verdict because it is what schedule() enforces; validateDetailed() only
    // supplies the reason.
    if (expression !== '' && !isValidCron(expression)) {
      ctx.addIssue({ code: 'custom', message: `invalid cron expression ${JSON.stringify(expression)}${cronHint(expression)}` });
    }
  })
  .meta(CRON);

const pollSchema = z
  .strictObject(
    {
      schedule: scheduleSchema.prefault(DEFAULTS.schedule),
      concurrency: z
        .int({ error: expecting('an integer') })
        .min(CONCURRENCY_RANGE.min)
        .max(CONCURRENCY_RANGE.max)
        .prefault(DEFAULTS.concurrency),
      request_timeout: duration({ min: MIN_REQUEST_TIMEOUT_MS, max: MAX_REQUEST_TIMEOUT_MS }).prefault(DEFAULTS.request_timeout),
      max_staleness: duration().prefault(DEFAULTS.max_staleness),
      max_response_size: size(MAX_RESPONSE_SIZE_RANGE).prefault(DEFAULTS.max_response_size),
      // 0 looks every idle path up at every cycle.
      store_recheck_interval: duration().prefault(DEFAULTS.store_recheck_interval),
      // 0 polls every path every cycle. Above the bound a stalled upload on a cold path could be
      // first seen after Service Fabric has dropped its session (30 minutes after its last chunk).
      idle_interval: duration({ max: MAX_IDLE_INTERVAL_MS }).prefault(DEFAULTS.idle_interval),
    },
    { error: expecting('a mapping') },
  )
  .superRefine(
    (poll, ctx) => {
      // A snapshot is at least one request old when it is taken; a staleness limit at or below the
      // timeout would withhold data from a healthy but slow cluster.
      if (poll.max_staleness <= poll.request_timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['max_staleness'],
          message: `must be greater than poll.request_timeout (${formatDuration(poll.request_timeout)}), got ${formatDuration(poll.max_staleness)}`,
        });
      }
    },
    // Also when another poll key is wrong, so that every problem is reported at once.
    { when: (payload) => bothDurationsValid(payload.value) },
  );

function bothDurationsValid(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { request_timeout, max_staleness } = value as Record<string, unknown>;
  return Number.isSafeInteger(request_timeout) && Number.isSafeInteger(max_staleness);
}

/** Why an endpoint is unusable, or undefined. */
function endpointProblem(text: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  // The scheme check runs on the text because the URL parser would accept `http:host` and trim
  // whitespace, both of which are more likely mistakes than intent.
  // Shown through redactUrl: a query may be a token and `user:password@` a password.
  if (url === undefined || !/^https?:\/\/[^/]/i.test(text)) {
    return `expected an absolute http:// or https:// URL, got ${JSON.stringify(redactUrl(text))}`;
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  if (text.includes('?') || text.includes('#')) {
    return `must not have a query or fragment, got ${JSON.stringify(redactUrl(text))}`;
  }
  return undefined;
}

const endpointSchema = z.string({ error: expecting('a URL string') }).transform((text, ctx) => {
  const problem = endpointProblem(text);
  if (problem !== undefined) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  // Trailing slashes go so that the client's appended `/ImageStore/...` never makes a `//`.
  return new URL(text).href.replace(/\/+$/, '');
}).meta(urlPattern('http and https'));

function listOf<T extends z.ZodType>(item: T, what: string, required: string) {
  return z
    .array(item, {
      error: (issue) =>
        issue.code !== 'invalid_type' ? undefined : issue.input === undefined ? required : `expected a list of ${what}, got ${describeInput(issue)}`,
    })
    .min(1, { error: required });
}

/** One cluster; its `tls:` and `auth:` sections live in cluster-security.ts. */
const clusterSchema = z.strictObject(
  {
    name: trimmedString,
    endpoint: endpointSchema,
    // Either list may be empty or absent, not both: the cross-check is in configFileSchema.
    content_paths: z
      .array(contentPath, { error: (issue) => (issue.code === 'invalid_type' ? `expected a list of content paths, got ${describeInput(issue)}` : undefined) })
      .meta({ uniqueItems: true })
      .optional(),
    content_path_files: z
      .array(trimmedString, { error: (issue) => (issue.code === 'invalid_type' ? `expected a list of file patterns, got ${describeInput(issue)}` : undefined) })
      .meta({ uniqueItems: true })
      .optional(),
    tls: tlsSchema.optional(),
    auth: authSchema.optional(),
  },
  { error: expecting('a mapping') },
).meta({
  // configFileSchema's check that a cluster has paths, for JSON Schema (json-schema.ts).
  anyOf: [
    { required: ['content_paths'], properties: { content_paths: { minItems: 1 } } },
    { required: ['content_path_files'], properties: { content_path_files: { minItems: 1 } } },
  ],
});

type Element = { name?: unknown; content_paths?: unknown; content_path_files?: unknown } | null | undefined;

/** Whether a list key is absent or an empty list (a mistyped value is reported by its own schema). */
function absentOrEmpty(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/** `status:`, the status page's and the `status` command's settings. */
const statusSchema = z.strictObject(
  {
    stalled_after: duration({ min: 1000 }).prefault(DEFAULTS.stalled_after),
  },
  { error: expecting('a mapping') },
);

/** `path_files:`, limits of each file matched by `content_path_files`. */
const pathFilesSchema = z.strictObject(
  {
    max_size: size(PATH_FILE_MAX_SIZE_RANGE).prefault(DEFAULTS.path_file_max_size),
    max_entries: z
      .int({ error: expecting('an integer') })
      .min(PATH_FILE_MAX_ENTRIES_RANGE.min)
      .max(PATH_FILE_MAX_ENTRIES_RANGE.max)
      .prefault(DEFAULTS.path_file_max_entries),
    max_path_length: z
      .int({ error: expecting('an integer') })
      .min(PATH_FILE_MAX_PATH_LENGTH_RANGE.min)
      .max(PATH_FILE_MAX_PATH_LENGTH_RANGE.max)
      .prefault(DEFAULTS.path_file_max_path_length),
    max_paths: z
      .int({ error: expecting('an integer') })
      .min(PATH_FILE_MAX_PATHS_RANGE.min)
      .max(PATH_FILE_MAX_PATHS_RANGE.max)
      .prefault(DEFAULTS.path_file_max_paths),
    max_package_files: z
      .int({ error: expecting('an integer') })
      .min(PATH_FILE_MAX_PATHS_RANGE.min)
      .max(PATH_FILE_MAX_PATHS_RANGE.max)
      .prefault(DEFAULTS.path_file_max_package_files),
    follow_outside_links: z.boolean({ error: expecting('a boolean') }).prefault(DEFAULTS.path_file_follow_outside_links),
  },
  { error: expecting('a mapping') },
);

function reportDuplicates(
  values: readonly unknown[],
  pathOf: (index: number) => PropertyKey[],
  what: string,
  ctx: z.core.$RefinementCtx,
): void {
  const firstSeen = new Map<string, number>();
  values.forEach((value, index) => {
    // Values that fail their own checks (mistyped, empty, untrimmed) are reported once, there.
    if (typeof value !== 'string' || value === '' || value !== value.trim()) return;
    const first = firstSeen.get(value);
    if (first === undefined) firstSeen.set(value, index);
    else {
      const also = formatPath(['clusters', ...pathOf(first)]);
      ctx.addIssue({ code: 'custom', path: pathOf(index), message: `duplicate ${what} ${JSON.stringify(value)} (also ${also})` });
    }
  });
}

/** The whole file. */
export const configFileSchema = z.strictObject(
  {
    poll: pollSchema.prefault({}),
    status: statusSchema.optional(),
    path_files: pathFilesSchema.optional(),
    clusters: listOf(clusterSchema, 'clusters', 'at least one cluster is required')
      .superRefine(
        (clusters, ctx) => {
          // Runs even when some cluster is invalid (`when`), so that every problem is reported at once;
          // hence the defensive reads of a value only partly validated.
          const elements = clusters as unknown as Element[];
          reportDuplicates(elements.map((c) => c?.name), (i) => [i, 'name'], 'cluster name', ctx);
          elements.forEach((c, ci) => {
            if (c !== null && typeof c === 'object' && absentOrEmpty(c.content_paths) && absentOrEmpty(c.content_path_files)) {
              ctx.addIssue({
                code: 'custom',
                path: [ci, 'content_paths'],
                message: 'at least one content path is required (in content_paths, or from content_path_files)',
              });
            }
            if (Array.isArray(c?.content_path_files)) {
              reportDuplicates(c.content_path_files as unknown[], (i) => [ci, 'content_path_files', i], 'file pattern', ctx);
            }
            if (!Array.isArray(c?.content_paths)) return;
            reportDuplicates(c.content_paths as unknown[], (i) => [ci, 'content_paths', i], 'content path', ctx);
          });
        },
        { when: (payload) => Array.isArray(payload.value) },
      ),
  },
  { error: expecting('a mapping with the keys poll and clusters') },
);

/** The file as validated: snake_case keys, durations in milliseconds, endpoints normalised. */
export type ConfigFile = z.output<typeof configFileSchema>;
