/**
 * The gateway's JSON writer, byte for byte (microsoft/service-fabric, `src/prod/src/Common/JsonWriter.h`):
 * compact output in the order the properties were added; strings escaped by its own table, which
 * writes `/` as `\/` and U+000B as `\v` (not a JSON escape: a real gateway sends it all the same);
 * then every UTF-16 code unit encoded on its own into one to three bytes (`AppendChar`), so a
 * character outside the Basic Multilingual Plane becomes its two surrogates, three bytes each
 * (CESU-8), which a strict UTF-8 decoder rejects.
 */

/** How the simulator writes JSON: as the runtime does, or as standard UTF-8 JSON for other clients. */
export const JSON_ENCODINGS = ['runtime', 'utf8'] as const;
export type JsonEncoding = (typeof JSON_ENCODINGS)[number];

/** `GetEscapeSequence`: what the runtime writes for each character it escapes. */
const ESCAPES: Readonly<Record<string, string>> = (() => {
  const table: Record<string, string> = { '\\': '\\\\', '"': '\\"', '/': '\\/', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };
  for (let c = 0; c < 0x20; c++) {
    const ch = String.fromCharCode(c);
    table[ch] ??= `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return table;
})();
// eslint-disable-next-line no-control-regex -- the control characters are exactly what the runtime escapes
const TO_ESCAPE = /[\\"/\u0000-\u001f]/g;
const SURROGATE = /[\uD800-\uDFFF]/;

function escapeString(text: string): string {
  return `"${text.replace(TO_ESCAPE, (c) => ESCAPES[c] as string)}"`;
}

/** JSON text with the runtime's escapes; `undefined` properties are left out, as JSON.stringify does. */
function runtimeText(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeString(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : runtimeText(v))).join(',')}]`;
      const members: string[] = [];
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined) members.push(`${escapeString(key)}:${runtimeText(v)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      return 'null';
  }
}

/** Encodes each UTF-16 code unit alone (`AppendChar`); a lone surrogate too, as three bytes. */
function cesu8(text: string): Buffer {
  // Without surrogates CESU-8 and UTF-8 are the same bytes, and Node's encoder is far faster.
  if (!SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

/** A JSON body as the simulated gateway sends it. */
export function encodeJson(value: unknown, encoding: JsonEncoding): Buffer {
  return encoding === 'runtime' ? cesu8(runtimeText(value)) : Buffer.from(JSON.stringify(value), 'utf8');
}
