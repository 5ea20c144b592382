/**
 * What a path-file message may say about the file. Whoever writes path files (or a careless
 * pattern, or a planted link) can make the exporter read any file it can read: a client secret, a
 * private key. So a message names the type and the position of what is wrong, and never quotes
 * the file's content: no values, no keys, and none of the YAML library's messages that echo the
 * source text.
 */
import type * as z from 'zod';

/** A value of a path file by its type only, e.g. `a string of 12 characters`; never its content. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** `n` things, with the noun in the plural unless there is one. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** What an entry's keys are meant to hold, for a type error. */
const EXPECTED: Readonly<Record<string, string>> = {
  path: 'a content path string',
  size: 'a whole number of bytes',
  expires: 'an ISO-8601 date-time string',
};

/**
 * One zod issue of a path-file entry as a message without content. The custom messages of the
 * content-path rules are fixed text, except the whitespace one, which quotes the path.
 */
export function entryIssueMessage(issue: z.core.$ZodIssue): string {
  const key = issue.path[0];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'required key is missing';
      return `expected ${EXPECTED[String(key)] ?? EXPECTED.path}, got ${describeType(input)}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `${count(issue.keys.length, 'unknown key')} (an entry holds path, size and expires)`;
    case 'custom':
      return issue.message.startsWith('must not start or end with whitespace') ? 'must not start or end with whitespace' : issue.message;
    default:
      return issue.message;
  }
}

/**
 * The YAML library's error codes whose messages are fixed text (checked against yaml 2.x): any other
 * code's message may quote the source (a tag, an escape sequence, a token), so only the code is given.
 */
const FIXED_TEXT_CODES = new Set([
  'ALIAS_PROPS',
  'BAD_ALIAS',
  'BAD_INDENT',
  'BLOCK_AS_IMPLICIT_KEY',
  'BLOCK_IN_FLOW',
  'DUPLICATE_KEY',
  'IMPOSSIBLE',
  'KEY_OVER_1024_CHARS',
  'MISSING_CHAR',
  'MULTILINE_IMPLICIT_KEY',
  'MULTIPLE_ANCHORS',
  'MULTIPLE_DOCS',
  'MULTIPLE_TAGS',
  'TAB_AS_INDENT',
]);

/** A YAML syntax error at a line and column, worded without the file's content. */
export function yamlErrorMessage(error: { line: number; col: number; code: string; message: string }): string {
  const what = FIXED_TEXT_CODES.has(error.code) ? error.message : `YAML error ${error.code}`;
  return `line ${error.line}, column ${error.col}: invalid YAML: ${what}`;
}

/** The one message of the conversion to plain data (after parsing) that is fixed text. */
const ALIAS_BOMB = 'Excessive alias count indicates a resource exhaustion attack';

/** An error converting a parsed document to plain data (an alias), worded without the file's content. */
export function yamlDataErrorMessage(message: string): string {
  return `invalid YAML: ${message === ALIAS_BOMB ? ALIAS_BOMB : 'an alias that cannot be resolved'}`;
}
