/**
 * Text from a cluster or a file made harmless for a terminal, for the `status` table and JSON and
 * the `paths` command's messages. Its own module, without the table's dependencies, because the
 * daemon loads the `paths` command with the rest of the command line.
 */

/**
 * Control characters (C0, DEL, C1), the line and paragraph separators U+2028/U+2029 (a new line in
 * some terminals and log viewers), the bidirectional controls (U+061C, U+200E/F, U+202A-U+202E,
 * U+2066-U+2069), which reorder what follows them so a path can display as another, and the
 * characters that show nothing (U+200B, U+2060-U+2064, U+FEFF, the tags U+E0000-U+E007F), with
 * which two names that differ look the same. The joiners U+200C/U+200D stay: emoji need them.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/gu;

/**
 * Text from a cluster or a file, made harmless for a terminal: characters that could move the
 * cursor, rewrite the screen, start a line, reorder the text or hide in it are shown as `\u{…}`
 * escapes.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`);
}

/**
 * `JSON.stringify(value)` with the same characters written as `\uXXXX` escapes: they occur only
 * inside strings, so the document reads back to the same value, and a terminal shows it safely.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_FOR_TERMINAL, (ch) => {
    let escaped = '';
    for (let i = 0; i < ch.length; i++) escaped += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
