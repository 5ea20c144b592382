/**
 * What every section of the configuration schema shares: how a value found in the document is
 * described, the type error that names what a field wants (`expecting`), and the trimmed non-empty string. One
 * copy, so that every field words the same mistake the same way (Infinity and NaN included).
 */
import * as z from 'zod';
import { TRIMMED } from './json-schema.js';

/** Describes a value found in the document, the way a YAML author would recognise it. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** `describeValue` of an issue's input; zod reports Infinity and NaN (YAML `.inf`, `.nan`) with input null and the name in `received`. */
export function describeInput(issue: z.core.$ZodRawIssue): string {
  const received = (issue as { received?: unknown }).received;
  if (issue.input === null && (received === 'Infinity' || received === 'NaN')) return `number ${received}`;
  return describeValue(issue.input);
}

/** A type error naming what the field wants; a missing key falls through to `errorMap`. */
export function expecting(what: string): z.core.$ZodErrorMap {
  return (issue) =>
    issue.code === 'invalid_type' && issue.input !== undefined ? `expected ${what}, got ${describeInput(issue)}` : undefined;
}

/** A non-empty string without surrounding whitespace, which in YAML is almost always a typo. */
export const trimmedString = z
  .string({ error: expecting('a string') })
  .min(1)
  .superRefine((text, ctx) => {
    if (text !== '' && text !== text.trim()) {
      ctx.addIssue({ code: 'custom', message: `must not start or end with whitespace, got ${JSON.stringify(text)}` });
    }
  })
  .meta(TRIMMED);
