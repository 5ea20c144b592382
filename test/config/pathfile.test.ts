import { describe, expect, it } from '@jest/globals';
import { formatPathFile, parsePathFile, PathFileError } from '../../src/config/pathfile.js';

describe('path file format', () => {
  it('reads a YAML list of plain paths and {path, expires} entries', () => {
    const text = "- 'Store\\App\\a.dll'\n- path: Store\\App\\b.zip\n  expires: 2030-01-31T12:00:00Z\n- path: c/d.bin\n";
    expect(parsePathFile(text)).toEqual([
      { path: 'Store\\App\\a.dll' },
      { path: 'Store\\App\\b.zip', expiresMs: Date.UTC(2030, 0, 31, 12) },
      { path: 'c/d.bin' },
    ]);
  });

  it('reads JSON, with JSON escapes', () => {
    expect(parsePathFile('["Store\\\\App\\\\a.dll", {"path": "x", "expires": "2030-01-01T00:00:00+01:00"}]')).toEqual([
      { path: 'Store\\App\\a.dll' },
      { path: 'x', expiresMs: Date.UTC(2029, 11, 31, 23) },
    ]);
  });

  it('treats an empty file or one with only comments as no paths', () => {
    expect(parsePathFile('')).toEqual([]);
    expect(parsePathFile('# nothing uploading\n')).toEqual([]);
  });

  it.each([
    ['a mapping at the top level', 'paths: [a]\n', 'expected a list of content paths at the top level'],
    ['broken YAML', '- [a\n', 'invalid YAML'],
    ['a number entry', '- a\n- 12\n', '[1]: expected a content path string or a mapping {path, expires}, got number 12'],
    ['a dot path', "- '..'\n", '[0]: ".." is not a file or folder path in the image store'],
    ['an empty path', "- ''\n", '[0]: must not be empty'],
    ['an expiry without a time zone', '- path: a\n  expires: 2030-01-01T00:00:00\n', '[0].expires: expected an ISO-8601 date-time with a time zone'],
    ['an unknown key', '- path: a\n  expire: 2030-01-01T00:00:00Z\n', '[0].expire: unknown key'],
    ['a double-quoted backslash', '- "Store\\App"\n', 'invalid YAML'],
  ])('rejects the whole file for %s', (_what, text, message) => {
    expect(() => parsePathFile(text)).toThrow(PathFileError);
    expect(() => parsePathFile(text)).toThrow(message);
  });

  it('writes what it reads back unchanged, backslashes and spaces included', () => {
    const entries = [{ path: "Store\\My App\\it's.dll" }, { path: 'a/b', expiresMs: Date.UTC(2031, 5, 1) }];
    const text = formatPathFile(entries, 'generated');
    expect(text.startsWith('# generated\n')).toBe(true);
    expect(parsePathFile(text)).toEqual(entries);
    expect(parsePathFile(formatPathFile([]))).toEqual([]);
  });
});
