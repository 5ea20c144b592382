/**
 * Bodies as a real gateway writes them: its JSON writer encodes every UTF-16 code unit on its own,
 * so characters outside the BMP arrive as CESU-8 (microsoft/service-fabric, Common/JsonWriter.h).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { decodeBody } from '../../src/servicefabric/decode.js';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import { InvalidResponseError, type ServiceFabricError } from '../../src/servicefabric/request-errors.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

/** The CESU-8 bytes of a string: each UTF-16 code unit encoded alone, as the runtime does. */
function cesu8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(out);
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('decodeBody', () => {
  it('reads an emoji and a supplementary CJK character sent as surrogate pairs (CESU-8)', () => {
    // U+1F600 as the runtime writes it: D83D DE00, three bytes each.
    expect(decodeBody(bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80))).toBe('\u{1F600}');
    expect(decodeBody(cesu8('Store\\\u{20BB7}\u91CE\u5BB6\\app.zip'))).toBe('Store\\\u{20BB7}\u91CE\u5BB6\\app.zip');
  });

  it('leaves ASCII and valid UTF-8 unchanged, four-byte sequences included, and mixed with CESU-8', () => {
    expect(decodeBody(Buffer.from('{"UploadSessions":[]}'))).toBe('{"UploadSessions":[]}');
    expect(decodeBody(Buffer.from('caf\u00e9 \u{1F600} \u{20BB7}', 'utf8'))).toBe('caf\u00e9 \u{1F600} \u{20BB7}');
    const mixed = Buffer.concat([Buffer.from('\u{1F600}', 'utf8'), cesu8('\u{20BB7}'), Buffer.from('\u00e9', 'utf8')]);
    expect(decodeBody(mixed)).toBe('\u{1F600}\u{20BB7}\u00e9');
  });

  it('leaves the characters just below and above the surrogates as they are (ED 9F BF, EE 80 80), pairs beside them read', () => {
    const text = '\uD7FF\u{1F600}\uE000\uD55C';
    expect(decodeBody(Buffer.concat([Buffer.from('\uD7FF', 'utf8'), cesu8('\u{1F600}'), Buffer.from('\uE000\uD55C', 'utf8')]))).toBe(text);
  });

  it('reads a pair at the very start and at the very end of a large body, and many pairs in a row', () => {
    const middle = 'x'.repeat(100_000);
    expect(decodeBody(cesu8(`\u{1F600}${middle}\u{10FFFF}`))).toBe(`\u{1F600}${middle}\u{10FFFF}`);
    expect(decodeBody(cesu8('\u{10000}'.repeat(1000)))).toBe('\u{10000}'.repeat(1000));
  });

  it('drops a byte-order mark on both paths, as TextDecoder does', () => {
    expect(decodeBody(Buffer.from('\ufeffx\u00e9', 'utf8'))).toBe('x\u00e9');
    expect(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), cesu8('\u{1F600}')]))).toBe('\u{1F600}');
  });

  it.each([
    ['a lone high surrogate', cesu8('a\uD83Db')],
    ['a lone low surrogate', cesu8('a\uDE00b')],
    ['a low surrogate before a high one', cesu8('\uDE00\uD83D')],
    ['a high surrogate followed by a four-byte character', Buffer.concat([cesu8('\uD83D'), Buffer.from('\u{1F600}', 'utf8')])],
    ['a high surrogate at the end of the body', cesu8('ab\uD83D')],
    ['two high surrogates', cesu8('\uD83D\uD83D\uDE00')],
    ['a lone surrogate after a pair', cesu8('\u{1F600}\uDE00')],
  ])('rejects %s as invalid_response: it is no character, and U+FFFD would merge paths', (_label, body) => {
    expect(() => decodeBody(body)).toThrow(InvalidResponseError);
    expect(() => decodeBody(body)).toThrow(/unpaired UTF-16 surrogate/);
  });

  it.each([
    ['a stray continuation byte', bytes(0x61, 0x80)],
    ['a lead byte without its continuation', bytes(0xc3, 0x28)],
    ['a truncated three-byte sequence', bytes(0xed, 0xa0)],
    ['an overlong encoding', bytes(0xc0, 0x80)],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
    ['a byte that never occurs in UTF-8', bytes(0xff)],
    ['Latin-1 text', Buffer.from('caf\u00e9', 'latin1')],
  ])('rejects %s as invalid_response', (_label, body) => {
    expect(() => decodeBody(body)).toThrow(InvalidResponseError);
    expect(() => decodeBody(body)).toThrow(/neither UTF-8 nor the CESU-8/);
  });
});

describe('the client with a body as a real gateway sends it', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  async function answering(body: Buffer): Promise<ServiceFabricClient> {
    const server: TestServer = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) }).end(body);
    });
    const client = new ServiceFabricClient({ endpoint: server.url, requestTimeoutMs: 5_000, userAgent: 'sf-upload-exporter/test' });
    open.push(server, client);
    return client;
  }

  /** One session as the runtime writes it: `\/` for `/`, and the path's code units raw (JSON.stringify would escape a lone surrogate). */
  const session = (path: string): Buffer =>
    cesu8(
      `{"UploadSessions":[{"StoreRelativePath":"${path.replace(/\\/g, '\\\\').replace(/\//g, '\\/')}",` +
        '"SessionId":"2032ac6c-a348-4594-86da-dab0f2bb1ae1","FileSize":"100","ModifiedDate":"2017-09-28T17:28:11.627Z",' +
        '"ExpectedRanges":[{"StartPosition":"10","EndPosition":"99"}]}]}',
    );

  it('reads the session of a path with an emoji, and its label is the real path', async () => {
    const path = 'Store\\Release \u{1F680}/pkg.zip';
    const sessions = await (await answering(session(path))).getUploadSessions(path);
    expect(sessions.map((s) => [s.storeRelativePath, s.remainingBytes])).toEqual([[path, 90]]);
  });

  it('still counts a body with an unpaired surrogate as invalid_response', async () => {
    const client = await answering(session('Store\\\uD83D.zip'));
    const error = (await client.getUploadSessions('Store\\x.zip').then(
      () => undefined,
      (e: unknown) => e,
    )) as ServiceFabricError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toMatch(/unpaired UTF-16 surrogate/);
  });
});
