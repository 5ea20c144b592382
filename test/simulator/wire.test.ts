/**
 * The bytes of the simulator's answers, as the runtime's JSON writer produces them
 * (microsoft/service-fabric, Common/JsonWriter.h) and as the api-version shapes them.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import wtf8 from 'wtf-8';
import { encodeJson } from '../../src/simulator/json-writer.js';
import { aadMetadataBody } from '../../src/simulator/gateway-security.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { byIdUrl, byPathUrl, fakeClock, putChunk, putFullChunk, rawRequest } from './helpers.js';

const ID = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const EMOJI_PATH = 'Store/Release \u{1F680}\\app.zip';
const CJK_PATH = 'Store\\\u{20BB7}\u91CE\u5BB6\\pkg.bin';

/** Parses a body the way a client that knows CESU-8 must. */
function parseRuntimeJson(bytes: Buffer): unknown {
  return JSON.parse(wtf8.decode(bytes.toString('latin1')));
}

describe('the runtime JSON writer', () => {
  it('escapes / as \\/ and writes each UTF-16 code unit alone: a supplementary character is six bytes', () => {
    expect(encodeJson({ p: 'a/b' }, 'runtime').toString('latin1')).toBe('{"p":"a\\/b"}');
    // U+1F600 is D83D DE00; U+20BB7 is D842 DFB7.
    expect([...encodeJson('\u{1F600}', 'runtime')]).toEqual([0x22, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x22]);
    expect([...encodeJson('\u{20BB7}', 'runtime')]).toEqual([0x22, 0xed, 0xa1, 0x82, 0xed, 0xbe, 0xb7, 0x22]);
    // Inside the BMP the bytes are UTF-8's.
    expect(encodeJson('caf\u00e9 \u4e2d', 'runtime')).toEqual(Buffer.from('"caf\u00e9 \u4e2d"', 'utf8'));
    // A lone surrogate is written as its three bytes too, as AppendChar does.
    expect([...encodeJson('\uD800', 'runtime')]).toEqual([0x22, 0xed, 0xa0, 0x80, 0x22]);
  });

  it("escapes control characters by the runtime's table: upper-case hex, and \\v for U+000B", () => {
    const text = encodeJson('\u0000\u0001\b\t\n\u000b\f\r\u000e\u001a\u001f"\\\u007f', 'runtime').toString('latin1');
    expect(text).toBe('"\\u0000\\u0001\\b\\t\\n\\v\\f\\r\\u000E\\u001A\\u001F\\"\\\\\u007f"');
  });

  it('keeps insertion order, leaves out undefined properties, writes numbers, booleans and null', () => {
    expect(encodeJson({ b: 1, a: [true, null, undefined], c: undefined, d: 'x' }, 'runtime').toString()).toBe('{"b":1,"a":[true,null,null],"d":"x"}');
  });

  it('writes standard UTF-8 JSON when asked', () => {
    const value = { p: `${EMOJI_PATH}\u000b` };
    expect(encodeJson(value, 'utf8')).toEqual(Buffer.from(JSON.stringify(value), 'utf8'));
  });
});

describe('answers over HTTP', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('sends a session of an emoji path and of a supplementary CJK path in CESU-8, with \\/ for /', async () => {
    sim = await startSimulator();
    for (const path of [EMOJI_PATH, CJK_PATH]) {
      expect((await putChunk(sim.url, path, ID, 'bytes 0-9/100')).status).toBe(200);
      const res = await rawRequest(sim.url, 'GET', byPathUrl(path));
      expect(res.status).toBe(200);
      // Not UTF-8: a strict decoder refuses these bytes.
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(res.bytes)).toThrow();
      const session = (parseRuntimeJson(res.bytes) as { UploadSessions: Array<{ StoreRelativePath: string }> }).UploadSessions[0];
      expect(session?.StoreRelativePath).toBe(path);
      await rawRequest(sim.url, 'DELETE', byIdUrl('DeleteUploadSession', ID));
    }
    const emoji = Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xba, 0x80]); // U+1F680: D83D DE80
    await putChunk(sim.url, EMOJI_PATH, ID, 'bytes 0-9/100');
    const bytes = (await rawRequest(sim.url, 'GET', byPathUrl(EMOJI_PATH))).bytes;
    expect(bytes.includes(emoji)).toBe(true);
    expect(bytes.includes(Buffer.from('"StoreRelativePath":"Store\\/Release '))).toBe(true);
  });

  it('writes error messages the same way', async () => {
    sim = await startSimulator();
    await putChunk(sim.url, EMOJI_PATH, ID, 'bytes 0-99/100');
    const commit = await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID));
    expect(commit.status).toBe(400);
    expect((parseRuntimeJson(commit.bytes) as { Error: { Message: string } }).Error.Message).toContain('Store\\Release \u{1F680}\\app.zip has 100 bytes');
  });

  it('sends standard UTF-8 JSON with --json-encoding utf8', async () => {
    sim = await startSimulator({ jsonEncoding: 'utf8' });
    await putChunk(sim.url, EMOJI_PATH, ID, 'bytes 0-9/100');
    const res = await rawRequest(sim.url, 'GET', byPathUrl(EMOJI_PATH));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(res.bytes);
    expect(text).toContain(`"StoreRelativePath":"${JSON.stringify(EMOJI_PATH).slice(1, -1)}"`);
    expect(Number(res.headers['content-length'])).toBe(res.bytes.length);
  });

  it('escapes the slashes of GetAadMetadata as well', async () => {
    sim = await startSimulator();
    expect((await rawRequest(sim.url, 'GET', '/$/GetAadMetadata?api-version=6.0')).body).toBe('{"type":"","metadata":null}');
    const body = encodeJson(aadMetadataBody({ tokenKey: 'unused', tenant: 't', login: 'https://login.example/' }), 'runtime').toString();
    expect(body).toContain('"login":"https:\\/\\/login.example","authority":"https:\\/\\/login.example\\/t"');
    expect(JSON.parse(body).metadata.authority).toBe('https://login.example/t');
  });

  it('writes dates as ticks below api-version 3.0, and lists unpaged at exactly 1.0, 2.0 and 3.0', async () => {
    const clock = fakeClock('2024-05-01T10:00:00.000Z');
    sim = await startSimulator({ now: clock.now });
    await putFullChunk(sim.url, 'dir\\f.bin', ID, 'bytes 0-9/10');
    const at = async (version: string): Promise<{ ModifiedDate: string }> =>
      (JSON.parse((await rawRequest(sim!.url, 'GET', `/ImageStore/dir%5Cf.bin/$/GetUploadSession?api-version=${version}`)).body) as { UploadSessions: Array<{ ModifiedDate: string }> }).UploadSessions[0]!;
    // 100 ns ticks since 1601-01-01, the runtime's DateTime.
    const ticks = String((BigInt(Date.parse('2024-05-01T10:00:00.000Z')) + 11_644_473_600_000n) * 10_000n);
    expect((await at('1.0')).ModifiedDate).toBe(ticks);
    expect((await at('2.9')).ModifiedDate).toBe(ticks);
    expect((await at('3.0')).ModifiedDate).toBe('2024-05-01T10:00:00.000Z');
    expect((await at('6.0')).ModifiedDate).toBe('2024-05-01T10:00:00.000Z');

    expect((await rawRequest(sim.url, 'POST', byIdUrl('CommitUploadSession', ID))).status).toBe(200);
    const listing = async (version: string): Promise<Record<string, unknown>> =>
      JSON.parse((await rawRequest(sim!.url, 'GET', `/ImageStore?api-version=${version}`)).body) as Record<string, unknown>;
    expect(await listing('3.0')).not.toHaveProperty('ContinuationToken');
    expect(await listing('2')).not.toHaveProperty('ContinuationToken');
    expect(await listing('3.5')).toHaveProperty('ContinuationToken', '');
    expect(await listing('6.0')).toHaveProperty('ContinuationToken', '');
  });
});

describe('the simulator as a test double', () => {
  it('owns its wire format: nothing under src/simulator imports the client it stands in for', () => {
    const dir = new URL('../../src/simulator/', import.meta.url);
    const borrowing = readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => /from '\.\.\/servicefabric\//.test(readFileSync(new URL(name, dir), 'utf8')));
    expect(borrowing).toEqual([]);
  });
});
