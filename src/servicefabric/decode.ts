/**
 * Turns the bytes of a response body into text.
 *
 * A real gateway does not write UTF-8. Its JSON writer (microsoft/service-fabric,
 * `src/prod/src/Common/JsonWriter.h`, `AppendChar`) encodes each UTF-16 code unit on its own, so a
 * character outside the Basic Multilingual Plane (an emoji, U+20BB7) travels as its two surrogates,
 * three bytes each (`ED A0 BD ED B8 80` for U+1F600): CESU-8. A strict UTF-8 decoder rejects that,
 * and with it every session of the path. Here such a pair becomes the one character it stands for.
 */
import { isAscii } from 'node:buffer';
import wtf8 from 'wtf-8';
import { InvalidResponseError } from './errors.js';

/** Stateless for whole-buffer decodes, so one serves every answer. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** With the `u` flag a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Decodes a body that is UTF-8 or the runtime's CESU-8 (the two may be mixed). Throws an
 * `InvalidResponseError` for bytes that are neither, and for an unpaired surrogate: that names no
 * character, and replacing it with U+FFFD would give two different store paths one label value.
 */
export function decodeBody(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Bodies are ASCII in practice: the one-byte copy is far cheaper than a decoder.
  if (isAscii(bytes)) return buffer.toString('latin1');
  try {
    return UTF8.decode(bytes);
  } catch {
    // Not UTF-8: surrogates encoded one by one are the runtime's writer, anything else is not text.
  }
  let text: string;
  try {
    // WTF-8 decoding keeps each 3-byte surrogate as its code unit, so a CESU-8 pair comes out as a
    // JavaScript surrogate pair: the character itself. It rejects every other malformed sequence.
    text = wtf8.decode(buffer.toString('latin1'));
  } catch (error) {
    throw new InvalidResponseError('body is neither UTF-8 nor the CESU-8 a Service Fabric gateway writes', { cause: error });
  }
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidResponseError('body holds an unpaired UTF-16 surrogate, which is no character');
  }
  // TextDecoder drops a byte-order mark; do the same on this path.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
