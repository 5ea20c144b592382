/** Turns YAML text or a file into a validated `Config`, or a `ConfigError` listing every problem. */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import type * as z from 'zod';
import type { Logger } from '../log.js';
import { ConfigError, formatPath } from './config-error.js';
import { configDir, resolvePath } from './relative-path.js';
import { isWorldWritable } from '../fsutil/file-mode.js';
import { configFileSchema, DEFAULT_PATH_FILES, DEFAULT_STATUS, errorMap, type ConfigFile } from './schema.js';
import { securityIssues, toAuthConfig, toTlsConfig } from './cluster-security.js';
import type { Config, DefaultedSection } from './types.js';

/** Parses and validates configuration text; `source` (a file name) prefixes each line of the error message. */
export function parseConfig(text: string, source?: string): Config {
  const document = parseYaml(text, source);
  const result = configFileSchema.safeParse(document, { error: errorMap });
  if (!result.success) throw new ConfigError(inDocumentOrder(result.error.issues).flatMap(formatIssue), source);
  // Relative file paths are relative to the configuration file, as in Prometheus.
  const baseDir = configDir(source);
  const outside = result.data.clusters.flatMap((cluster, i) => securityIssues(cluster, ['clusters', i], baseDir));
  if (outside.length > 0) throw new ConfigError(outside, source);
  return toConfig(result.data, baseDir);
}

/**
 * Reads and validates a configuration file; an unreadable file is a ConfigError naming the path.
 * With a logger, a world-writable file is reported at `warn`, once per load.
 */
export function loadConfigFile(path: string, logger?: Logger): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read file: ${describeFsError(error)}`], path);
  }
  const config = parseConfig(text, path);
  if (logger !== undefined && isWorldWritable(path)) {
    logger.warn({ config_file: path }, 'configuration file is world-writable: anyone on this host can choose the clusters polled and where credentials go (chmod o-w)');
  }
  return config;
}

/** Whether anyone may write the file (following links, as reading it does); false when it cannot be checked. */

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'is a directory (EISDIR)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

const YAML_HINTS: Partial<Record<YAMLError['code'], string>> = {
  // The classic trap with Windows image-store paths such as SwaggerTest\Common.dll.
  BAD_DQ_ESCAPE:
    "a backslash in a double-quoted string starts an escape sequence; write paths with backslashes in single quotes, e.g. 'SwaggerTest\\Common.dll'",
  TAB_AS_INDENT: 'indent with spaces',
};

function parseYaml(text: string, source: string | undefined): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        const hint = YAML_HINTS[error.code];
        return `line ${line}, column ${col}: invalid YAML: ${error.message}${hint === undefined ? '' : ` (${hint})`}`;
      }),
      source,
    );
  }
  // Found here rather than from toJS()'s exception, because only the node knows its position.
  const unresolved: string[] = [];
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) === undefined) {
        const { line, col } = lineCounter.linePos(alias.range?.[0] ?? 0);
        unresolved.push(`line ${line}, column ${col}: invalid YAML: unknown alias *${alias.source} (its anchor &${alias.source} must come first)`);
      }
    },
  });
  if (unresolved.length > 0) throw new ConfigError(unresolved, source);
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // An alias bomb past the yaml library's limit surfaces only here.
    throw new ConfigError([`invalid YAML: ${(error as Error).message}`], source);
  }
  // An empty file, or one holding only comments, is an empty mapping: the missing keys are then
  // reported by name rather than as "expected a mapping, got an empty value".
  return value ?? {};
}

/**
 * zod reports cross-field checks (duplicates) after everything else; grouping by section and then by
 * cluster puts each issue next to its neighbours in the file.
 */
function inDocumentOrder(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const sectionOf = (issue: z.core.$ZodIssue): number => {
    const first = issue.path[0];
    return first === 'poll' ? 0 : first === 'status' ? 1 : first === 'path_files' ? 2 : first === 'clusters' ? 3 : 4;
  };
  const clusterOf = (issue: z.core.$ZodIssue): number => {
    const index = issue.path[1];
    return issue.path[0] === 'clusters' && typeof index === 'number' ? index : -1;
  };
  // Array.prototype.sort is stable, so zod's order is kept within a cluster.
  return [...issues].sort((a, b) => sectionOf(a) - sectionOf(b) || clusterOf(a) - clusterOf(b));
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // One line per key, with the key itself in the path, so the offending line is easy to find.
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

function toConfig(file: ConfigFile, baseDir: string): Config {
  const defaulted: DefaultedSection[] = [];
  if (file.status === undefined) defaulted.push('status');
  if (file.path_files === undefined) defaulted.push('path_files');
  // Frozen because one Config is shared by the poller, the metrics and the web layer.
  return Object.freeze({
    poll: Object.freeze({
      schedule: file.poll.schedule,
      concurrency: file.poll.concurrency,
      requestTimeoutMs: file.poll.request_timeout,
      maxStalenessMs: file.poll.max_staleness,
      maxResponseBytes: file.poll.max_response_size,
      storeRecheckIntervalMs: file.poll.store_recheck_interval,
      idleIntervalMs: file.poll.idle_interval,
    }),
    status: file.status === undefined ? DEFAULT_STATUS : Object.freeze({ stalledAfterMs: file.status.stalled_after }),
    pathFiles:
      file.path_files === undefined
        ? DEFAULT_PATH_FILES
        : Object.freeze({
            maxBytes: file.path_files.max_size,
            maxEntries: file.path_files.max_entries,
            maxPathLength: file.path_files.max_path_length,
            maxPaths: file.path_files.max_paths,
            maxPackageFiles: file.path_files.max_package_files,
            followOutsideLinks: file.path_files.follow_outside_links,
          }),
    ...(defaulted.length === 0 ? {} : { defaulted: Object.freeze(defaulted) }),
    clusters: Object.freeze(
      file.clusters.map((cluster) =>
        Object.freeze({
          name: cluster.name,
          endpoint: cluster.endpoint,
          contentPaths: Object.freeze([...(cluster.content_paths ?? [])]),
          ...(cluster.content_path_files === undefined || cluster.content_path_files.length === 0
            ? {}
            : { contentPathFiles: Object.freeze(cluster.content_path_files.map((pattern) => resolvePath(pattern, baseDir))) }),
          ...(cluster.tls === undefined ? {} : { tls: toTlsConfig(cluster.tls, baseDir) }),
          ...(cluster.auth === undefined ? {} : { auth: toAuthConfig(cluster.auth, baseDir) }),
        }),
      ),
    ),
  });
}
