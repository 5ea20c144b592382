import { describe, expect, it } from '@jest/globals';
import { acceptedApiVersion, parseContentRange, parseRuntimeDouble, parseRuntimeUnsigned, parseTimeoutSeconds } from '../../src/simulator/fields.js';
import { decodeContentPath, matchImageStoreRoute, normalizeStorePath, parseQuery, parseTarget, storeFileKey } from '../../src/simulator/gateway-uri.js';
import { compareGuids, parseSessionId } from '../../src/simulator/store.js';

describe('request target parsing', () => {
  it('splits on / after dropping empty segments, keeps raw backslashes and escapes', () => {
    const t = parseTarget('/ImageStore/SwaggerTest\\Common.dll/$/GetUploadSession?api-version=6.0');
    expect(t.segments).toEqual(['ImageStore', 'SwaggerTest\\Common.dll', '$', 'GetUploadSession']);
    expect(matchImageStoreRoute(t.segments)).toEqual({ kind: 'function', name: 'GetUploadSession', rawPath: 'SwaggerTest\\Common.dll' });
    expect(matchImageStoreRoute(parseTarget('/ImageStore/a/b/c/').segments)).toEqual({ kind: 'content', rawPath: 'a/b/c' });
    expect(matchImageStoreRoute(parseTarget('/ImageStore').segments)).toEqual({ kind: 'root' });
    expect(matchImageStoreRoute(parseTarget('/ImageStore/$/CommitUploadSession').segments)).toEqual({
      kind: 'function',
      name: 'CommitUploadSession',
      rawPath: undefined,
    });
    expect(matchImageStoreRoute(parseTarget('/Applications/x').segments)).toBeUndefined();
    expect(matchImageStoreRoute(parseTarget('/ImageStore/a/$/GetUploadSession/extra').segments)).toBeUndefined();
  });

  it('decodes each segment after splitting, so %2F stays inside the path', () => {
    expect(decodeContentPath('SwaggerTest%5CCommon.dll')).toBe('SwaggerTest\\Common.dll');
    expect(decodeContentPath('a%2Fb/c%20d')).toBe('a/b/c d');
    expect(decodeContentPath('bad%ZZ')).toBeUndefined();
  });

  it('parses the query without decoding; first occurrence wins; malformed pairs ignored', () => {
    const q = parseQuery('api-version=6.0&api-version=9.9&session-id=a%2Db&x=1=2&flag');
    expect(q.get('api-version')).toBe('6.0');
    expect(q.get('session-id')).toBe('a%2Db');
    expect(q.has('x')).toBe(false);
    expect(q.has('flag')).toBe(false);
  });

  it('normalises store paths for committed files', () => {
    expect(normalizeStorePath(' /apps/web/a.zip/ ')).toBe('apps\\web\\a.zip');
    expect(normalizeStorePath('Store\\X\\')).toBe('Store\\X');
  });

  it('trims spaces only, as TrimSpaces does, and then separators', () => {
    expect(normalizeStorePath('\ta.zip ')).toBe('\ta.zip');
    expect(normalizeStorePath(' \\ a.zip')).toBe(' a.zip');
  });

  it('keys stored files by their normalised path in lower case, one UTF-16 code unit at a time', () => {
    expect(storeFileKey(' /Apps/Web/A.ZIP')).toBe('apps\\web\\a.zip');
    expect(storeFileKey('Ünï\\Ä.dll')).toBe('ünï\\ä.dll');
    // U+0130 lowers to two code units in JavaScript; the key keeps the path's length.
    expect(storeFileKey('\u0130X')).toBe('\u0130x');
  });
});

describe('header and query values', () => {
  it('parses Content-Range with or without the bytes unit', () => {
    expect(parseContentRange('bytes 300-5000/20000')).toEqual({ start: 300, end: 5000, fileSize: 20000 });
    expect(parseContentRange('0-9/10')).toEqual({ start: 0, end: 9, fileSize: 10 });
    expect(parseContentRange('bytes 0-0/0')).toEqual({ start: 0, end: 0, fileSize: 0 });
  });

  it.each([
    ['missing', undefined, { start: 0, end: 0, fileSize: 0 }],
    ['empty', '', { start: 0, end: 0, fileSize: 0 }],
    ['ending at the file size', 'bytes 0-10/10', { start: 0, end: 10, fileSize: 10 }],
    ['without a pair', 'bytes 9/10', { start: 0, end: 0, fileSize: 10 }],
    ['with three numbers', 'bytes 1-2-3/10', { start: 0, end: 0, fileSize: 10 }],
    ['with a leading minus', 'bytes -1-9/10', { start: 1, end: 9, fileSize: 10 }],
    ['with the unit doubled', 'bytesbytes 1-2/3', { start: 1, end: 2, fileSize: 3 }],
    ['with tabs', 'bytes\t1-2/3', { start: 1, end: 2, fileSize: 3 }],
    ['in hexadecimal', 'bytes 0x10-0x1F/0x20', { start: 16, end: 31, fileSize: 32 }],
    ['with leading zeros and plus signs', 'bytes 007-+8/+010', { start: 7, end: 8, fileSize: 10 }],
    ['with spaces around the numbers', 'bytes 1 - 2 / 3', { start: 1, end: 2, fileSize: 3 }],
    ['with empty pieces', '0--9//10', { start: 0, end: 9, fileSize: 10 }],
  ])('reads a Content-Range %s as the runtime does', (_label, header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each([
    ['no size', 'bytes 0-9'],
    ['star size', 'bytes 0-9/*'],
    ['three parts', 'bytes 0-9/10/10'],
    ['start after end', 'bytes 9-0/10'],
    ['end past file size', 'bytes 0-11/10'],
    ['not a number', 'bytes a-b/10'],
    ['the unit in capitals', 'BYTES 0-9/10'],
    ['an equals sign', 'bytes=0-9/10'],
    ['a plus before hexadecimal', 'bytes +0x1-2/10'],
    ['a size above 2^64', 'bytes 0-9/18446744073709551616'],
    ['beyond 2^53 (the simulator cannot hold it exactly)', 'bytes 0-9/9007199254740993'],
  ])('rejects a %s Content-Range', (_label, header) => {
    expect(parseContentRange(header)).toBeUndefined();
  });

  it('reads unsigned numbers as TryParseUInt64 does', () => {
    expect(parseRuntimeUnsigned(' 42 ', 10)).toBe(42n);
    expect(parseRuntimeUnsigned('0', 10)).toBe(0n);
    expect(parseRuntimeUnsigned('0xff', 0)).toBe(255n);
    expect(parseRuntimeUnsigned('18446744073709551615', 10)).toBe(18446744073709551615n);
    for (const bad of ['', ' ', '+', '-0', '0x', '0xff', '1e3', '18446744073709551616']) expect(parseRuntimeUnsigned(bad, 10)).toBeUndefined();
  });

  it('reads doubles as TryParseDouble does: it stops at the first unknown character', () => {
    expect(parseRuntimeDouble('6.0')).toBe(6);
    expect(parseRuntimeDouble('+6')).toBe(6);
    expect(parseRuntimeDouble('9.10')).toBe(9.1);
    expect(parseRuntimeDouble('6.0-beta')).toBe(6);
    expect(parseRuntimeDouble('60e-1')).toBe(6);
    expect(parseRuntimeDouble('0.6e1')).toBe(6);
    expect(parseRuntimeDouble('six')).toBe(0);
    for (const bad of ['', '  ', '-', '6.0.1', '6e', '6ex']) expect(parseRuntimeDouble(bad)).toBeUndefined();
  });

  it('takes timeout as a base-10 uint32, 0 included; anything else means 60 s', () => {
    expect(parseTimeoutSeconds('5')).toBe(5);
    expect(parseTimeoutSeconds('0')).toBe(0);
    expect(parseTimeoutSeconds('+7')).toBe(7);
    expect(parseTimeoutSeconds('007')).toBe(7);
    expect(parseTimeoutSeconds('4294967295')).toBe(4294967295);
    for (const bad of [undefined, '', '-1', 'abc', '4294967296', '1.5', '0x10']) expect(parseTimeoutSeconds(bad)).toBe(60);
  });

  it('accepts api-versions from 1.0 up to the runtime version, parsed as a number', () => {
    for (const [text, value] of [['1.0', 1], ['6', 6], ['6.0', 6], ['+6.0', 6], ['6.2', 6.2], ['9.1', 9.1], ['9.10', 9.1], ['7.0-preview', 7], ['6.0-beta', 6]] as const) {
      expect(acceptedApiVersion(text, '9.1')).toBe(value);
    }
    for (const bad of [undefined, '', '0.9', '9.11', '9.2', '10.0', 'six', '6.0.1', '-6.0']) expect(acceptedApiVersion(bad, '9.1')).toBeUndefined();
  });

  it('parses session ids like Guid::TryParse: 36 chars, any case, not the empty GUID', () => {
    expect(parseSessionId('2032AC6C-A348-4594-86DA-DAB0F2BB1AE1')).toBe('2032ac6c-a348-4594-86da-dab0f2bb1ae1');
    expect(parseSessionId('{2032ac6c-a348-4594-86da-dab0f2bb1ae1}')).toBeUndefined();
    expect(parseSessionId('2032ac6ca348459486dadab0f2bb1ae1')).toBeUndefined();
    expect(parseSessionId('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(parseSessionId(undefined)).toBeUndefined();
  });

  it('orders GUIDs as the runtime map does (first groups little-endian)', () => {
    expect(compareGuids('2032ac6c-a348-4594-86da-dab0f2bb1ae1', 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5')).toBeLessThan(0);
    // 0x00000001 is stored 01 00 00 00, so it sorts after 0x00000100 (00 01 00 00).
    expect(compareGuids('00000001-0000-0000-0000-000000000000', '00000100-0000-0000-0000-000000000000')).toBeGreaterThan(0);
  });
});
