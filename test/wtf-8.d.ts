/** The npm package `wtf-8` ships no types; these cover what the simulator tests use, an oracle that shares no code with the client. */
declare module 'wtf-8' {
  /**
   * Decodes a byte string (one character per byte, 0–255) as WTF-8. A surrogate encoded on its own
   * (three bytes, `ED A0 80`–`ED BF BF`) becomes that UTF-16 code unit; throws on malformed bytes.
   */
  export function decode(byteString: string): string;
  /** Encodes a string, lone surrogates included, as a WTF-8 byte string. */
  export function encode(text: string): string;
  const wtf8: { decode: typeof decode; encode: typeof encode; version: string };
  export default wtf8;
}
