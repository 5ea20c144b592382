/**
 * Turns the bytes of a response body into text.
 *
 * A real gateway does not write UTF-8. Its JSON writer (microsoft/service-fabric,
 * `src/prod/src/Common/JsonWriter.h`, `AppendChar`) encodes each UTF-16 code unit on its own, so a
 * character outside the Basic Multilingual Plane (an emoji, U+20BB7) travels as its two surrogates,
 * three bytes each (`ED A0 BD ED B8 80` for U+1F600): CESU-8. A strict UTF-8 decoder rejects that,
 * and with it every session of the path. Here such a pair becomes the one character it stands for.
 *
 * The conversion works on the bytes, in one pass into one buffer no larger than the body, and the
 * result is then decoded strictly: an answer that is all ASCII but for one pair must cost about
 * what the ASCII answer costs, not a string per byte (which a decoder working on text needs).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { InvalidResponseError } from './request-errors.js';

/** Every UTF-8 encoding of a surrogate (U+D800–U+DFFF) starts with this byte, then A0–BF. */
const SURROGATE_LEAD = 0xed;

const NOT_TEXT = 'body is neither UTF-8 nor the CESU-8 a Service Fabric gateway writes';
const UNPAIRED = 'body holds an unpaired UTF-16 surrogate, which is no character';

/** The code unit of an encoded surrogate at `i` (`ED`, `A0`–`BF`, a continuation byte), or -1. */
function surrogateAt(bytes: Buffer, i: number): number {
  if (i + 2 >= bytes.length || bytes[i] !== SURROGATE_LEAD) return -1;
  const second = bytes[i + 1] as number;
  const third = bytes[i + 2] as number;
  if (second < 0xa0 || second > 0xbf || (third & 0xc0) !== 0x80) return -1;
  return 0xd000 | ((second & 0x3f) << 6) | (third & 0x3f);
}

/**
 * CESU-8 pairs rewritten as the 4-byte UTF-8 of their character; every other byte is copied as it
 * is, for the strict decode to judge. Throws on a surrogate that is not half of a pair.
 */
function cesu8ToUtf8(bytes: Buffer): Buffer {
  let out: Buffer | undefined;
  let read = 0;
  let written = 0;
  for (let at = bytes.indexOf(SURROGATE_LEAD, 0); at !== -1; at = bytes.indexOf(SURROGATE_LEAD, at)) {
    const high = surrogateAt(bytes, at);
    if (high === -1) {
      // ED starting an ordinary character (U+D000–U+D7FF), or malformed bytes the decode refuses.
      at += 1;
      continue;
    }
    const low = surrogateAt(bytes, at + 3);
    if (high > 0xdbff || low < 0xdc00) throw new InvalidResponseError(UNPAIRED);
    // A pair is 6 bytes in and 4 out, so the result never outgrows the body.
    out ??= Buffer.allocUnsafe(bytes.length);
    out.set(bytes.subarray(read, at), written);
    written += at - read;
    const codePoint = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
    out[written++] = 0xf0 | (codePoint >> 18);
    out[written++] = 0x80 | ((codePoint >> 12) & 0x3f);
    out[written++] = 0x80 | ((codePoint >> 6) & 0x3f);
    out[written++] = 0x80 | (codePoint & 0x3f);
    at += 6;
    read = at;
  }
  // UTF-8 already (or malformed): nothing to copy.
  if (out === undefined) return bytes;
  out.set(bytes.subarray(read), written);
  written += bytes.length - read;
  return out.subarray(0, written);
}

/**
 * Decodes a body that is UTF-8 or the runtime's CESU-8 (the two may be mixed). Throws an
 * `InvalidResponseError` for bytes that are neither, and for an unpaired surrogate: that names no
 * character, and replacing it with U+FFFD would give two different store paths one label value.
 */
export function decodeBody(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Bodies are ASCII in practice: the one-byte copy is far cheaper than a decoder.
  if (isAscii(buffer)) return buffer.toString('latin1');
  const utf8 = cesu8ToUtf8(buffer);
  // Validated first, since toString would turn malformed bytes into U+FFFD rather than refuse them.
  if (!isUtf8(utf8)) throw new InvalidResponseError(NOT_TEXT);
  const text = utf8.toString('utf8');
  // A byte-order mark is no part of the JSON (TextDecoder drops it too).
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
