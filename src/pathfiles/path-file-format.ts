/**
 * The path-file format (`clusters[].content_path_files`), in the spirit of Prometheus `file_sd`: a
 * YAML or JSON list of content paths, each a string or `{path, size, expires}`; or a mapping that
 * names the package the paths make up, `{package, version, paths: [the list]}`. Parsing is all or
 * nothing: one bad entry makes the whole file malformed, so a half-written list is never polled.
 */
import { stringify } from 'yaml';
import * as z from 'zod';
import { contentPath, errorMap } from '../config/schema.js';
import { describeValue } from '../config/schema-common.js';
import { readPathFileYaml, type PathFileYaml } from './path-file-yaml.js';

/** One content path from a path file. */
interface PathFileEntry {
  readonly path: string;
  /** The file's size in bytes in the local package (`size`); absent when the file does not say. */
  readonly size?: number;
  /** Unix ms after which the path is dropped; absent when it never expires. */
  readonly expiresMs?: number;
}

/** What a path file holds: the package it names, if any, and its entries. */
export interface PathFileContent {
  /** `package:`, the name of the package the paths make up; absent in a bare list (named after its file then). */
  readonly package?: string;
  /** `version:`, the package's version; absent when the file does not say. */
  readonly version?: string;
  readonly entries: readonly PathFileEntry[];
}

/** Top-level keys of the mapping form; the paths are under `paths`. */
const PACKAGE_KEYS = new Set(['package', 'version', 'paths']);

/** A path file that cannot be used; the message names the entry or the YAML position. */
export class PathFileError extends Error {
  override readonly name = 'PathFileError';
}

const expires = z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time with a time zone, e.g. "2030-01-31T12:00:00Z"' });

const size = z.int({ error: (issue) => (issue.code === 'invalid_type' ? `expected a whole number of bytes, got ${describeValue(issue.input)}` : undefined) }).min(0).max(Number.MAX_SAFE_INTEGER);

const entryObject = z.strictObject({ path: contentPath, size: size.optional(), expires: expires.optional() });

/** A package name or version: text as a label shows it, so a trimmed, non-empty string of bounded length. */
function labelText(key: 'package' | 'version', value: unknown): string {
  // YAML reads `version: 1.10` as the number 1.1: only a string keeps what was written.
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ` (quote it: ${key}: '${String(value)}')` : '';
    throw new PathFileError(`${key}: expected a string, got ${describeValue(value)}${hint}`);
  }
  if (value.trim() === '') throw new PathFileError(`${key}: must not be empty`);
  if (value !== value.trim()) throw new PathFileError(`${key}: must not start or end with whitespace, got ${JSON.stringify(value)}`);
  if (value.length > MAX_LABEL_TEXT) throw new PathFileError(`${key}: longer than ${MAX_LABEL_TEXT} characters`);
  return value;
}

/** Longest package name or version: label values of every package series. */
const MAX_LABEL_TEXT = 256;

/**
 * Validates one list item, named `at` in messages (`[3]`, or `paths[3]` in the mapping form); a string
 * and a mapping are told apart first so that each gets its own message.
 */
function parseEntry(item: unknown, at: string): PathFileEntry {
  if (typeof item !== 'string' && (item === null || typeof item !== 'object' || Array.isArray(item))) {
    throw new PathFileError(`${at}: expected a content path string or a mapping {path, size, expires}, got ${describeValue(item)}`);
  }
  const result = typeof item === 'string' ? contentPath.safeParse(item, { error: errorMap }) : entryObject.safeParse(item, { error: errorMap });
  if (!result.success) {
    const issue = result.error.issues[0];
    // Unknown keys are siblings, each named; any other issue has a path into the entry.
    const where =
      issue?.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `${at}.${key}`).join(', ')
        : // Stryker disable next-line ArrayDeclaration: zod's issues always have a path, so the fallback is never used
          [at, ...(issue?.path ?? []).map(String)].join('.');
    // Stryker disable next-line StringLiteral: a failed safeParse always has an issue with a message
    throw new PathFileError(`${where}: ${issue?.message ?? 'invalid entry'}`);
  }
  const entry = result.data;
  if (typeof entry === 'string') return { path: entry };
  return {
    path: entry.path,
    // Stryker disable next-line ConditionalExpression: a size key holding undefined is no size: every reader tests size === undefined, and YAML and JSON writers leave the key out
    ...(entry.size === undefined ? {} : { size: entry.size }),
    ...(entry.expires === undefined ? {} : { expiresMs: Date.parse(entry.expires) }),
  };
}

/** Parses the text of a path file (YAML; JSON is valid YAML); throws `PathFileError`. */
export function parsePathFile(text: string): PathFileContent {
  return pathFileOf(readPathFileYaml(text));
}

/**
 * The content of a path file from what its YAML half found (`readPathFileYaml`, here or in the
 * parse worker); throws `PathFileError`, also when it lists more than `maxEntries`.
 */
export function pathFileOf(yaml: PathFileYaml, maxEntries = Number.POSITIVE_INFINITY): PathFileContent {
  if ('error' in yaml) throw new PathFileError(yaml.error);
  if ('tooMany' in yaml) throw new PathFileError(tooManyEntries(yaml.tooMany, maxEntries));
  return pathFileContent(yaml.value, maxEntries);
}

/**
 * The content of a path file whose YAML is already plain data; throws `PathFileError`, also when it
 * lists more than `maxEntries`.
 */
export function pathFileContent(value: unknown, maxEntries = Number.POSITIVE_INFINITY): PathFileContent {
  // An empty file (or one holding only comments) lists no paths: a pipeline may clear its file.
  if (value === null || value === undefined) return { entries: [] };
  if (Array.isArray(value)) return { entries: listEntries(value, maxEntries) };
  if (typeof value !== 'object') throw new PathFileError(`expected a list of content paths, or a mapping {package, version, paths}, at the top level, got ${describeValue(value)}`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !PACKAGE_KEYS.has(key));
  if (unknown.length > 0) throw new PathFileError(`${unknown.join(', ')}: unknown key (a mapping at the top level holds package, version and paths)`);
  if (!Array.isArray(record.paths)) {
    throw new PathFileError(`paths: ${record.paths === undefined ? 'required key is missing' : `expected a list of content paths, got ${describeValue(record.paths)}`}`);
  }
  const entries = listEntries(record.paths, maxEntries, 'paths');
  return {
    ...(record.package === undefined ? {} : { package: labelText('package', record.package) }),
    ...(record.version === undefined ? {} : { version: labelText('version', record.version) }),
    entries,
  };
}

function listEntries(list: readonly unknown[], maxEntries: number, under = ''): PathFileEntry[] {
  if (list.length > maxEntries) throw new PathFileError(tooManyEntries(list.length, maxEntries));
  // Entries of the mapping form are named from the top: `paths[3].size`.
  return list.map((item: unknown, index) => parseEntry(item, `${under}[${index}]`));
}

/** The message for a file over `path_files.max_entries`. */
function tooManyEntries(count: number, maxEntries: number): string {
  return `lists ${count} entries, more than path_files.max_entries (${maxEntries})`;
}

/**
 * Writes a path file (YAML), headed by a comment: a bare list, or the mapping form when it names a
 * package or a version; the inverse of `parsePathFile`.
 */
export function formatPathFile(content: PathFileContent, comment?: string): string {
  const items = content.entries.map((e) =>
    e.expiresMs === undefined && e.size === undefined
      ? e.path
      : { path: e.path, size: e.size, expires: e.expiresMs === undefined ? undefined : new Date(e.expiresMs).toISOString() },
  );
  const header = comment === undefined ? '' : `${comment.split('\n').map((l) => `# ${l}`).join('\n')}\n`;
  // Single quotes keep backslashes literal, so `Store\App\file` reads back unchanged; a version
  // like 1.10 stays a string. A key whose value is undefined (no size, no version) is left out.
  const options = { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN', keepUndefined: false } as const;
  if (content.package === undefined && content.version === undefined) {
    // Stryker disable next-line ConditionalExpression: stringify([]) writes the same "[]" line; the shortcut only skips the library
    return header + (items.length === 0 ? '[]\n' : stringify(items, options));
  }
  return header + stringify({ package: content.package, version: content.version, paths: items }, options);
}
