/**
 * The path-file format (`clusters[].content_path_files`), in the spirit of Prometheus `file_sd`: a
 * YAML or JSON list of content paths, each a string or `{path, size, expires}`; or a mapping that
 * names the package the paths make up, `{package, version, paths: [the list]}`. Parsing is all or
 * nothing: one bad entry makes the whole file malformed, so a half-written list is never polled.
 */
import { stringify } from 'yaml';
import * as z from 'zod';
import { contentPath } from '../config/schema.js';
import { count, describeType, entryIssueMessage, yamlDataErrorMessage, yamlErrorMessage } from './path-file-problems.js';
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

/**
 * A path file that cannot be used; the message names the entry or the YAML position, and the type
 * of what is wrong, never the file's content (path-file-problems.ts).
 */
export class PathFileError extends Error {
  override readonly name = 'PathFileError';
}

const expires = z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time with a time zone, e.g. "2030-01-31T12:00:00Z"' });

const size = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const entryObject = z.strictObject({ path: contentPath, size: size.optional(), expires: expires.optional() });

/** A package name or version: text as a label shows it, so a trimmed, non-empty string of bounded length. */
function labelText(key: 'package' | 'version', value: unknown): string {
  // YAML reads `version: 1.10` as the number 1.1: only a string keeps what was written.
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ` (quote it: YAML reads ${key}: 1.10 as the number 1.1)` : '';
    throw new PathFileError(`${key}: expected a string, got ${describeType(value)}${hint}`);
  }
  if (value.trim() === '') throw new PathFileError(`${key}: must not be empty`);
  if (value !== value.trim()) throw new PathFileError(`${key}: must not start or end with whitespace`);
  if (value.length > MAX_LABEL_TEXT) throw new PathFileError(`${key}: longer than ${MAX_LABEL_TEXT} characters`);
  // Both render as U+FFFD in a label value, so two names would make duplicate series; a control
  // character would reach a terminal or a log line.
  if (LONE_SURROGATE.test(value)) throw new PathFileError(`${key}: contains a lone UTF-16 surrogate`);
  const control = CONTROL.exec(value);
  if (control !== null) throw new PathFileError(`${key}: contains a control character at position ${control.index + 1}`);
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Longest package name or version: label values of every package series. */
const MAX_LABEL_TEXT = 256;

/** What each entry may be: the caller's limits. */
interface EntryLimits {
  readonly maxEntries: number;
  /** `path_files.max_path_length`: longest content path, in UTF-16 code units (as Service Fabric counts). */
  readonly maxPathLength: number;
}

/**
 * Validates one list item, named `at` in messages (`[3]`, or `paths[3]` in the mapping form); a string
 * and a mapping are told apart first so that each gets its own message.
 */
function parseEntry(item: unknown, at: string, maxPathLength: number): PathFileEntry {
  if (typeof item !== 'string' && (item === null || typeof item !== 'object' || Array.isArray(item))) {
    throw new PathFileError(`${at}: expected a content path string or a mapping {path, size, expires}, got ${describeType(item)}`);
  }
  // Checked before the path's other rules: they would copy a path of any length.
  const path = typeof item === 'string' ? item : (item as Record<string, unknown>).path;
  if (typeof path === 'string' && path.length > maxPathLength) {
    throw new PathFileError(`${typeof item === 'string' ? at : `${at}.path`}: ${tooLong(path.length, maxPathLength)}`);
  }
  // Only an entry's issues can be of the wrong type, and their messages say which type came (never the value).
  const result = typeof item === 'string' ? contentPath.safeParse(item) : entryObject.safeParse(item, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0];
    // Stryker disable next-line ArrayDeclaration: zod's issues always have a path, so the fallback is never used
    const where = [at, ...(issue?.path ?? []).map(String)].join('.');
    // Stryker disable next-line StringLiteral: a failed safeParse always has an issue
    throw new PathFileError(`${where}: ${issue === undefined ? 'invalid entry' : entryIssueMessage(issue)}`);
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

/** The message for a content path over `path_files.max_path_length`. */
function tooLong(length: number, maxPathLength: number): string {
  return `a content path of ${length} characters, longer than path_files.max_path_length (${maxPathLength})`;
}

/** Parses the text of a path file (YAML; JSON is valid YAML); throws `PathFileError`. */
export function parsePathFile(text: string): PathFileContent {
  return pathFileOf(readPathFileYaml(text));
}

/**
 * The content of a path file from what its YAML half found (`readPathFileYaml`, here or in the
 * parse worker); throws `PathFileError`, also when it lists more than `maxEntries` or a path longer
 * than `maxPathLength`. The YAML library's messages are worded here, without the file's content.
 */
export function pathFileOf(yaml: PathFileYaml, maxEntries = Number.POSITIVE_INFINITY, maxPathLength = Number.POSITIVE_INFINITY): PathFileContent {
  if ('yamlError' in yaml) throw new PathFileError(yamlErrorMessage(yaml.yamlError));
  if ('dataError' in yaml) throw new PathFileError(yamlDataErrorMessage(yaml.dataError));
  if ('tooMany' in yaml) throw new PathFileError(tooManyEntries(yaml.tooMany, maxEntries));
  return pathFileContent(yaml.value, maxEntries, maxPathLength);
}

/**
 * The content of a path file whose YAML is already plain data; throws `PathFileError`, also when it
 * lists more than `maxEntries` or a path longer than `maxPathLength`.
 */
export function pathFileContent(value: unknown, maxEntries = Number.POSITIVE_INFINITY, maxPathLength = Number.POSITIVE_INFINITY): PathFileContent {
  const limits: EntryLimits = { maxEntries, maxPathLength };
  // An empty file (or one holding only comments) lists no paths: a pipeline may clear its file.
  if (value === null || value === undefined) return { entries: [] };
  if (Array.isArray(value)) return { entries: listEntries(value, limits) };
  if (typeof value !== 'object') throw new PathFileError(`expected a list of content paths, or a mapping {package, version, paths}, at the top level, got ${describeType(value)}`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !PACKAGE_KEYS.has(key));
  if (unknown.length > 0) throw new PathFileError(`${count(unknown.length, 'unknown key')} at the top level (a mapping there holds package, version and paths)`);
  if (!Array.isArray(record.paths)) {
    throw new PathFileError(`paths: ${record.paths === undefined ? 'required key is missing' : `expected a list of content paths, got ${describeType(record.paths)}`}`);
  }
  const entries = listEntries(record.paths, limits, 'paths');
  return {
    ...(record.package === undefined ? {} : { package: labelText('package', record.package) }),
    ...(record.version === undefined ? {} : { version: labelText('version', record.version) }),
    entries,
  };
}

function listEntries(list: readonly unknown[], limits: EntryLimits, under = ''): PathFileEntry[] {
  if (list.length > limits.maxEntries) throw new PathFileError(tooManyEntries(list.length, limits.maxEntries));
  // Entries of the mapping form are named from the top: `paths[3].size`.
  return list.map((item: unknown, index) => parseEntry(item, `${under}[${index}]`, limits.maxPathLength));
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
