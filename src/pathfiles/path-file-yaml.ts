/**
 * The YAML half of reading a path file: text to plain data, with the position of the first syntax
 * error. It imports nothing but the yaml library because it runs in the parse worker, whose heap
 * limit a larger module graph would eat into; checking the entries is `path-file-format`'s half.
 */
import { LineCounter, parseDocument } from 'yaml';

/**
 * What the YAML half found: a syntax error (with its code: path-file-problems.ts decides whether its
 * message may be shown), an error converting to plain data, a list longer than allowed (its length),
 * or the data.
 */
export type PathFileYaml =
  | { readonly yamlError: { readonly line: number; readonly col: number; readonly code: string; readonly message: string } }
  | { readonly dataError: string }
  | { readonly tooMany: number }
  | { readonly value: unknown };

/**
 * Parses a path file's text (YAML; JSON is valid YAML) without throwing. A list (the file, or the
 * mapping form's `paths`) longer than `maxEntries` is answered by its length alone, so that the
 * worker never copies a refused list back.
 */
export function readPathFileYaml(text: string, maxEntries = Number.POSITIVE_INFINITY): PathFileYaml {
  try {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const first = document.errors[0];
    if (first !== undefined) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      return { yamlError: { line, col, code: first.code, message: first.message } };
    }
    const value: unknown = document.toJS();
    // The list is the file, or its mapping's paths (the package form).
    const list = Array.isArray(value) ? value : (value as { paths?: unknown } | null)?.paths;
    if (Array.isArray(list) && list.length > maxEntries) return { tooMany: list.length };
    return { value };
  } catch (error) {
    // toJS() throws on what the document model accepts but plain data cannot hold (an alias bomb).
    return { dataError: String((error as Error | undefined)?.message) };
  }
}
