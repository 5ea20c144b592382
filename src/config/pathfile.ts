/**
 * The path-file format (`clusters[].content_path_files`), in the spirit of Prometheus `file_sd`: a
 * YAML or JSON list of content paths, each a string or `{path, expires}`. Parsing is all or
 * nothing: one bad entry makes the whole file malformed, so a half-written list is never polled.
 */
import { LineCounter, parseDocument, stringify } from 'yaml';
import * as z from 'zod';
import { contentPath, describeValue, errorMap } from './schema.js';

/** One content path from a path file. */
export interface PathFileEntry {
  readonly path: string;
  /** Unix ms after which the path is dropped; absent when it never expires. */
  readonly expiresMs?: number;
}

/** A path file that cannot be used; the message names the entry or the YAML position. */
export class PathFileError extends Error {
  override readonly name = 'PathFileError';
}

const expires = z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time with a time zone, e.g. "2030-01-31T12:00:00Z"' });

const entryObject = z.strictObject({ path: contentPath, expires: expires.optional() });

/** Validates one list item; a string and a mapping are told apart first so that each gets its own message. */
function parseEntry(item: unknown, index: number): PathFileEntry {
  if (typeof item !== 'string' && (item === null || typeof item !== 'object' || Array.isArray(item))) {
    throw new PathFileError(`[${index}]: expected a content path string or a mapping {path, expires}, got ${describeValue(item)}`);
  }
  const result = typeof item === 'string' ? contentPath.safeParse(item, { error: errorMap }) : entryObject.safeParse(item, { error: errorMap });
  if (!result.success) {
    const issue = result.error.issues[0];
    // Unknown keys are siblings, each named; any other issue has a path into the entry.
    const where =
      issue?.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `[${index}].${key}`).join(', ')
        : // Stryker disable next-line ArrayDeclaration: zod's issues always have a path, so the fallback is never used
          [`[${index}]`, ...(issue?.path ?? []).map(String)].join('.');
    // Stryker disable next-line StringLiteral: a failed safeParse always has an issue with a message
    throw new PathFileError(`${where}: ${issue?.message ?? 'invalid entry'}`);
  }
  const entry = result.data;
  if (typeof entry === 'string') return { path: entry };
  return entry.expires === undefined ? { path: entry.path } : { path: entry.path, expiresMs: Date.parse(entry.expires) };
}

/** Parses the text of a path file (YAML; JSON is valid YAML); throws `PathFileError`. */
export function parsePathFile(text: string): PathFileEntry[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new PathFileError(`line ${line}, column ${col}: invalid YAML: ${first.message}`);
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    throw new PathFileError(`invalid YAML: ${(error as Error).message}`);
  }
  return pathFileEntries(value);
}

/**
 * The entries of a path file whose YAML is already plain data (`parsePathFile`'s second half, for a
 * file parsed elsewhere); throws `PathFileError`, also when it lists more than `maxEntries`.
 */
export function pathFileEntries(value: unknown, maxEntries = Number.POSITIVE_INFINITY): PathFileEntry[] {
  // An empty file (or one holding only comments) lists no paths: a pipeline may clear its file.
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new PathFileError('expected a list of content paths at the top level');
  if (value.length > maxEntries) throw new PathFileError(tooManyEntries(value.length, maxEntries));
  return value.map((item: unknown, index) => parseEntry(item, index));
}

/** The message for a file over `path_files.max_entries`. */
export function tooManyEntries(count: number, maxEntries: number): string {
  return `lists ${count} entries, more than path_files.max_entries (${maxEntries})`;
}

/** Writes entries in the path-file format (YAML), headed by a comment; the inverse of `parsePathFile`. */
export function formatPathFile(entries: readonly PathFileEntry[], comment?: string): string {
  const items = entries.map((e) => (e.expiresMs === undefined ? e.path : { path: e.path, expires: new Date(e.expiresMs).toISOString() }));
  const header = comment === undefined ? '' : `${comment.split('\n').map((l) => `# ${l}`).join('\n')}\n`;
  // Single quotes keep backslashes literal, so `Store\App\file` reads back unchanged.
  // Stryker disable next-line ConditionalExpression: stringify([]) writes the same "[]" line; the shortcut only skips the library
  return header + (items.length === 0 ? '[]\n' : stringify(items, { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' }));
}
