import { describe, expect, it } from '@jest/globals';
import { formatPathFile, parsePathFile, pathFileEntries, PathFileError } from '../../src/config/pathfile.js';

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
    ['two unknown keys', '- path: a\n  x: 1\n  y: 2\n', '[0].x, [0].y: unknown key'],
    ['a null entry', '- a\n- ~\n', '[1]: expected a content path string or a mapping {path, expires}, got an empty value'],
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

  it('refuses a file whose aliases would expand without bound, and one with a repeated key, naming where', () => {
    const bomb = '- &a [x, x, x, x, x, x, x, x, x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n- &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n- &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(() => parsePathFile(bomb)).toThrow(new PathFileError('invalid YAML: Excessive alias count indicates a resource exhaustion attack'));
    expect(() => parsePathFile('- path: a\n  path: b\n')).toThrow(new PathFileError('line 2, column 3: invalid YAML: Map keys must be unique'));
    expect(() => parsePathFile('- path: a\n  path: b\n')).toThrow(expect.objectContaining({ name: 'PathFileError' }));
  });

  it('takes up to path_files.max_entries entries and refuses one more', () => {
    expect(pathFileEntries(['a', 'b'], 2)).toEqual([{ path: 'a' }, { path: 'b' }]);
    expect(() => pathFileEntries(['a', 'b', 'c'], 2)).toThrow(new PathFileError('lists 3 entries, more than path_files.max_entries (2)'));
    expect(pathFileEntries(null)).toEqual([]);
    expect(pathFileEntries(undefined)).toEqual([]);
  });

  it('writes single-quoted YAML under a comment of one line per line, and [] for no entries', () => {
    expect(formatPathFile([{ path: 'Store\\App\\a.dll' }, { path: 'b', expiresMs: Date.UTC(2031, 5, 1) }], 'line one\nline two')).toBe(
      "# line one\n# line two\n- 'Store\\App\\a.dll'\n- path: 'b'\n  expires: '2031-06-01T00:00:00.000Z'\n",
    );
    expect(formatPathFile([], 'c')).toBe('# c\n[]\n');
    expect(formatPathFile([{ path: 'x' }])).toBe("- 'x'\n");
  });
});
