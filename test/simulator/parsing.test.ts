import { describe, expect, it } from '@jest/globals';
import { apiVersionAccepted, parseContentRange, parseTimeoutSeconds } from '../../src/simulator/gateway.js';
import { decodeContentPath, matchImageStoreRoute, normalizeStorePath, parseQuery, parseTarget } from '../../src/simulator/paths.js';
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
});

describe('header and query values', () => {
  it('parses Content-Range with or without the bytes unit', () => {
    expect(parseContentRange('bytes 300-5000/20000')).toEqual({ start: 300, end: 5000, fileSize: 20000 });
    expect(parseContentRange('0-9/10')).toEqual({ start: 0, end: 9, fileSize: 10 });
    expect(parseContentRange('bytes 0-0/0')).toEqual({ start: 0, end: 0, fileSize: 0 });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['no size', 'bytes 0-9'],
    ['star size', 'bytes 0-9/*'],
    ['no dash', 'bytes 9/10'],
    ['start after end', 'bytes 9-0/10'],
    ['end at file size', 'bytes 0-10/10'],
    ['end past file size', 'bytes 0-11/10'],
    ['negative', 'bytes -1-9/10'],
    ['not a number', 'bytes a-b/10'],
    ['beyond 2^53', 'bytes 0-9/9007199254740993'],
  ])('rejects a %s Content-Range', (_label, header) => {
    expect(parseContentRange(header)).toBeUndefined();
  });

  it('falls back to 60 s for a missing or invalid timeout', () => {
    expect(parseTimeoutSeconds('5')).toBe(5);
    expect(parseTimeoutSeconds('4294967295')).toBe(4294967295);
    for (const bad of [undefined, '', '0', '-1', 'abc', '4294967296', '1.5']) expect(parseTimeoutSeconds(bad)).toBe(60);
  });

  it('accepts api-versions from 6.0 up to the runtime version, -preview included', () => {
    for (const ok of ['6.0', '6', '6.2', '9.1', '7.0-preview']) expect(apiVersionAccepted(ok, '9.1')).toBe(true);
    for (const bad of [undefined, '', '5.9', '1.0', '9.2', '10.0', 'six', '6.0.1', '6.0-beta']) expect(apiVersionAccepted(bad, '9.1')).toBe(false);
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
