/** The one error type of configuration loading: every problem found, each naming its field. */

/** An invalid or unreadable configuration; `issues` lists every problem as `<field path>: <message>`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Every problem found, in document order where there is one, e.g. `clusters[0].endpoint: …`. */
  readonly issues: readonly string[];
  /** The file (or other source) the configuration came from, when known. */
  readonly source: string | undefined;

  constructor(issues: readonly string[], source?: string) {
    const lines = source === undefined ? issues : issues.map((issue) => `${source}: ${issue}`);
    super(lines.join('\n'));
    this.issues = Object.freeze([...issues]);
    this.source = source;
    // This is the user's mistake, not the program's: a stack trace would only bury the message in
    // logs and on an uncaught exit.
    this.stack = `${this.name}: ${this.message}`;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Formats a path into the document as written in messages: `clusters[0].content_paths[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      // Unknown keys can be anything YAML allows; quote those that would make the path ambiguous.
      if (IDENTIFIER.test(name)) out += out === '' ? name : `.${name}`;
      else out += `[${JSON.stringify(name)}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}

/**
 * A URL as a message may show it: whatever could be a credential (`user:password@`, a query such as
 * a SAS token, a fragment) replaced by `[REDACTED]`. Works on text that is not a valid URL too,
 * since that is when it is shown; it redacts too much rather than too little.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?[^?#]*@/s, (_match, scheme: string | undefined) => `${scheme ?? ''}[REDACTED]@`)
    .replace(/([?#]).*$/s, '$1[REDACTED]');
}
