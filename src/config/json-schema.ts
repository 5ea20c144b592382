/**
 * JSON Schema counterparts of checks the zod schema makes in code (refinements and transforms),
 * attached to it with `.meta()` so that `z.toJSONSchema` says them too: the Helm chart's values
 * schema is generated from the zod schema (test/deploy/generated.ts) and rejects at `helm install`
 * what the exporter would reject at start-up, wherever JSON Schema can say it.
 *
 * Each pattern may accept more than its check does, never less: a configuration the exporter
 * accepts must pass the chart. Patterns are written for both regex dialects a validator may use
 * (ECMA-262 and Go's RE2): no lookaround, no backreferences.
 */

/** A non-empty string that does not start or end with (ASCII) white space. */
export const TRIMMED = { pattern: '^\\S(?:[\\s\\S]*\\S)?$' } as const;

/**
 * The same check, stated so that a failure names only the field. Validators quote the value in a
 * `pattern` error (helm prints it, CI logs keep it), and the values checked this way may hold a
 * secret: a URL's `user:password@` or query token, a passphrase written where its variable's name
 * belongs. A double `not` fails as "'not' failed", without the value; the exporter's own message at
 * start-up says what is wrong, redacted.
 */
export function quietly(schema: object): { not: { not: object } } {
  return { not: { not: schema } };
}

/**
 * An absolute http(s) URL without a query or fragment; case-insensitive scheme. Credentials and
 * the URL parser's own verdict are left to the exporter.
 */
export function urlPattern(schemes: 'http and https' | 'https only'): { not: { not: object } } {
  const scheme = schemes === 'https only' ? '[Hh][Tt][Tt][Pp][Ss]' : '[Hh][Tt][Tt][Pp][Ss]?';
  return quietly({ pattern: `^${scheme}://[^/?#]+(?:/[^?#]*)?$` });
}

/**
 * A SHA-1 thumbprint as admins paste it: 40 hex digits. Between them the exporter takes white space
 * (JavaScript's, Unicode included) and colons; the pattern takes anything that is not a hex digit.
 */
export const THUMBPRINT = { pattern: '^[^0-9A-Fa-f]*(?:[0-9A-Fa-f][^0-9A-Fa-f]*){40}$' } as const;

/**
 * A cron expression's shape as node-cron takes it: a macro such as `@daily`, or 5 or 6 fields
 * separated by spaces. Whether each field's values are in range is left to node-cron.
 */
export const CRON = { pattern: '^ *(?:@[A-Za-z]+|[^ ]+(?: +[^ ]+){4,5}) *$' } as const;

/** JSON Schema `not` of any of these keys being present. */
export function noneOf(...keys: string[]): { not: { anyOf: Array<{ required: string[] }> } } {
  return { not: { anyOf: keys.map((key) => ({ required: [key] })) } };
}
