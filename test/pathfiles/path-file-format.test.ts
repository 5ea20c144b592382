import { describe, expect, it } from '@jest/globals';
import { formatPathFile, parsePathFile, pathFileContent, pathFileOf, PathFileError } from '../../src/pathfiles/path-file-format.js';
import { readPathFileYaml } from '../../src/pathfiles/path-file-yaml.js';

describe('path file format', () => {
  it('reads a YAML list of plain paths and {path, expires} entries', () => {
    const text = "- 'Store\\App\\a.dll'\n- path: Store\\App\\b.zip\n  expires: 2030-01-31T12:00:00Z\n- path: c/d.bin\n";
    expect(parsePathFile(text).entries).toEqual([
      { path: 'Store\\App\\a.dll' },
      { path: 'Store\\App\\b.zip', expiresMs: Date.UTC(2030, 0, 31, 12) },
      { path: 'c/d.bin' },
    ]);
  });

  it('reads JSON, with JSON escapes', () => {
    expect(parsePathFile('["Store\\\\App\\\\a.dll", {"path": "x", "expires": "2030-01-01T00:00:00+01:00"}]').entries).toEqual([
      { path: 'Store\\App\\a.dll' },
      { path: 'x', expiresMs: Date.UTC(2029, 11, 31, 23) },
    ]);
  });

  it('treats an empty file or one with only comments as no paths', () => {
    expect(parsePathFile('')).toEqual({ entries: [] });
    expect(parsePathFile('# nothing uploading\n')).toEqual({ entries: [] });
  });

  it.each([
    ['a string at the top level', 'a\n', 'expected a list of content paths, or a mapping {package, version, paths}, at the top level, got a string of 1 characters'],
    ['a mapping without paths', 'package: VotingApp\n', 'paths: required key is missing'],
    ['a mapping whose paths are no list', 'package: VotingApp\npaths: a\n', 'paths: expected a list of content paths, got a string of 1 characters'],
    ['an unknown top-level key', 'package: V\nversion: \'1\'\npath: [a]\n', '1 unknown key at the top level (a mapping there holds package, version and paths)'],
    ['a version read as a number', 'package: V\nversion: 1.10\npaths: [a]\n', 'version: expected a string, got a number (quote it: YAML reads version: 1.10 as the number 1.1)'],
    ['an empty package name', "package: ''\npaths: [a]\n", 'package: must not be empty'],
    ['a package name with surrounding spaces', "package: ' V'\npaths: [a]\n", 'package: must not start or end with whitespace'],
    ['a bad entry under paths', 'paths:\n  - a\n  - 12\n', 'paths[1]: expected a content path string or a mapping {path, size, expires}, got a whole number'],
    ['a negative size', '- path: a\n  size: -1\n', '[0].size: must be at least 0'],
    ['a fractional size', '- path: a\n  size: 1.5\n', '[0].size: expected a whole number of bytes, got a number'],
    ['a size as text', "- path: a\n  size: '10'\n", '[0].size: expected a whole number of bytes, got a string of 2 characters'],
    ['broken YAML', '- [a\n', 'invalid YAML'],
    ['a number entry', '- a\n- 12\n', '[1]: expected a content path string or a mapping {path, size, expires}, got a whole number'],
    ['a dot path', "- '..'\n", '[0]: ".." is not a file or folder path in the image store'],
    ['an empty path', "- ''\n", '[0]: must not be empty'],
    ['an expiry without a time zone', '- path: a\n  expires: 2030-01-01T00:00:00\n', '[0].expires: expected an ISO-8601 date-time with a time zone'],
    ['an unknown key', '- path: a\n  expire: 2030-01-01T00:00:00Z\n', '[0]: 1 unknown key (an entry holds path, size and expires)'],
    ['two unknown keys', '- path: a\n  x: 1\n  y: 2\n', '[0]: 2 unknown keys (an entry holds path, size and expires)'],
    ['a null entry', '- a\n- ~\n', '[1]: expected a content path string or a mapping {path, size, expires}, got an empty value'],
    ['a double-quoted backslash', '- "Store\\App"\n', 'invalid YAML'],
  ])('rejects the whole file for %s', (_what, text, message) => {
    expect(() => parsePathFile(text)).toThrow(PathFileError);
    expect(() => parsePathFile(text)).toThrow(message);
  });

  it('writes what it reads back unchanged, backslashes and spaces included', () => {
    const entries = [{ path: "Store\\My App\\it's.dll" }, { path: 'a/b', expiresMs: Date.UTC(2031, 5, 1) }, { path: 'c', size: 1234 }];
    const text = formatPathFile({ entries }, 'generated');
    expect(text.startsWith('# generated\n')).toBe(true);
    expect(parsePathFile(text)).toEqual({ entries });
    expect(parsePathFile(formatPathFile({ entries: [] }))).toEqual({ entries: [] });
    // A version that YAML would read as a number is written as a string.
    const named = { package: 'VotingApp', version: '1.10', entries };
    expect(parsePathFile(formatPathFile(named, 'generated'))).toEqual(named);
  });

  it('reads the mapping form: the package, its version, and its paths with their sizes', () => {
    const text = "# VotingApp 1.4.0\npackage: VotingApp\nversion: '1.4.0'\npaths:\n  - path: 'Store\\App\\a.dll'\n    size: 2097152\n  - 'Store\\App\\b.xml'\n";
    expect(parsePathFile(text)).toEqual({
      package: 'VotingApp',
      version: '1.4.0',
      entries: [{ path: 'Store\\App\\a.dll', size: 2097152 }, { path: 'Store\\App\\b.xml' }],
    });
    // YAML reads an unquoted 1.4.0 as a string; only a version like 1.4 needs quotes.
    expect(parsePathFile('package: V\nversion: 1.4.0\npaths: []\n')).toEqual({ package: 'V', version: '1.4.0', entries: [] });
    expect(parsePathFile('version: \'2\'\npaths: [a]\n')).toEqual({ version: '2', entries: [{ path: 'a' }] });
  });

  it('refuses a file whose aliases would expand without bound, and one with a repeated key, naming where', () => {
    const bomb = '- &a [x, x, x, x, x, x, x, x, x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n- &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n- &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(() => parsePathFile(bomb)).toThrow(new PathFileError('invalid YAML: Excessive alias count indicates a resource exhaustion attack'));
    expect(() => parsePathFile('- path: a\n  path: b\n')).toThrow(new PathFileError('line 2, column 3: invalid YAML: Map keys must be unique'));
    expect(() => parsePathFile('- path: a\n  path: b\n')).toThrow(expect.objectContaining({ name: 'PathFileError' }));
  });

  it('takes up to path_files.max_entries entries and refuses one more', () => {
    expect(pathFileContent(['a', 'b'], 2)).toEqual({ entries: [{ path: 'a' }, { path: 'b' }] });
    expect(() => pathFileContent(['a', 'b', 'c'], 2)).toThrow(new PathFileError('lists 3 entries, more than path_files.max_entries (2)'));
    expect(() => pathFileContent({ package: 'p', paths: ['a', 'b', 'c'] }, 2)).toThrow(new PathFileError('lists 3 entries, more than path_files.max_entries (2)'));
    expect(pathFileContent(null)).toEqual({ entries: [] });
    expect(pathFileContent(undefined)).toEqual({ entries: [] });
  });

  it('reads the YAML of a list over the limit as its length alone, and names the limit from that', () => {
    expect(readPathFileYaml('- a\n- b\n- c\n', 2)).toEqual({ tooMany: 3 });
    expect(readPathFileYaml('package: p\npaths: [a, b, c]\n', 2)).toEqual({ tooMany: 3 });
    expect(readPathFileYaml('- a\n- b\n', 2)).toEqual({ value: ['a', 'b'] });
    expect(() => pathFileOf({ tooMany: 3 }, 2)).toThrow(new PathFileError('lists 3 entries, more than path_files.max_entries (2)'));
    expect(() => pathFileOf({ yamlError: { line: 1, col: 2, code: 'BAD_INDENT', message: 'x' } })).toThrow(new PathFileError('line 1, column 2: invalid YAML: x'));
    // A message that may quote the file is replaced by its code; a conversion error by what it means.
    expect(() => pathFileOf({ yamlError: { line: 1, col: 2, code: 'TAG_RESOLVE_FAILED', message: 'secret' } })).toThrow(
      new PathFileError('line 1, column 2: invalid YAML: YAML error TAG_RESOLVE_FAILED'),
    );
    expect(() => pathFileOf({ dataError: 'secret' })).toThrow(new PathFileError('invalid YAML: an alias that cannot be resolved'));
    expect(readPathFileYaml('a: [\n')).toEqual({ yamlError: expect.objectContaining({ line: 2, col: 1, code: expect.any(String) }) });
  });

  it('checks path_files.max_path_length on what the YAML half found', () => {
    expect(() => pathFileOf({ value: ['abcd'] }, 10, 3)).toThrow(new PathFileError('[0]: a content path of 4 characters, longer than path_files.max_path_length (3)'));
    expect(pathFileOf({ value: ['abc'] }, 10, 3)).toEqual({ entries: [{ path: 'abc' }] });
  });

  it('writes single-quoted YAML under a comment of one line per line, and [] for no entries', () => {
    expect(formatPathFile({ entries: [{ path: 'Store\\App\\a.dll' }, { path: 'b', expiresMs: Date.UTC(2031, 5, 1) }] }, 'line one\nline two')).toBe(
      "# line one\n# line two\n- 'Store\\App\\a.dll'\n- path: 'b'\n  expires: '2031-06-01T00:00:00.000Z'\n",
    );
    expect(formatPathFile({ entries: [] }, 'c')).toBe('# c\n[]\n');
    expect(formatPathFile({ entries: [{ path: 'x' }] })).toBe("- 'x'\n");
    expect(formatPathFile({ package: 'VotingApp', version: '1.4.0', entries: [{ path: 'x', size: 12 }] })).toBe(
      "package: 'VotingApp'\nversion: '1.4.0'\npaths:\n  - path: 'x'\n    size: 12\n",
    );
  });
  it('says what type a package or version that is no string is, with a hint to quote a number', () => {
    const error = (text: string) => () => parsePathFile(text);
    expect(error("package: 42\npaths: [a]\n")).toThrow(new PathFileError('package: expected a string, got a whole number (quote it: YAML reads package: 1.10 as the number 1.1)'));
    expect(error('package: V\nversion: 1.10\npaths: [a]\n')).toThrow(new PathFileError('version: expected a string, got a number (quote it: YAML reads version: 1.10 as the number 1.1)'));
    // Only a number has a quoted form that reads back as what was meant.
    expect(error('package: true\npaths: [a]\n')).toThrow(new PathFileError('package: expected a string, got a boolean'));
    expect(error('package: V\nversion: [1, 2]\npaths: [a]\n')).toThrow(new PathFileError('version: expected a string, got a list'));
    expect(error('package: V\nversion: ~\npaths: [a]\n')).toThrow(new PathFileError('version: expected a string, got an empty value'));
  });

  it('calls a package name of only spaces empty, and one with surrounding spaces by what it holds', () => {
    expect(() => parsePathFile("package: '   '\npaths: [a]\n")).toThrow(new PathFileError('package: must not be empty'));
    expect(() => parsePathFile("package: V\nversion: ' 1.0'\npaths: [a]\n")).toThrow(new PathFileError('version: must not start or end with whitespace'));
  });

  it('takes a package name and a version of up to 256 characters and refuses one more', () => {
    const [name, version] = ['N'.repeat(256), '1'.repeat(256)];
    expect(parsePathFile(`package: ${name}\nversion: '${version}'\npaths: [a]\n`)).toEqual({ package: name, version, entries: [{ path: 'a' }] });
    expect(() => parsePathFile(`package: ${name}N\npaths: [a]\n`)).toThrow(new PathFileError('package: longer than 256 characters'));
    expect(() => parsePathFile(`package: V\nversion: '${version}1'\npaths: [a]\n`)).toThrow(new PathFileError('version: longer than 256 characters'));
  });

  it('counts the unknown top-level keys without naming them (a key is content too)', () => {
    expect(() => parsePathFile('name: V\npaths: [a]\nfiles: [b]\n')).toThrow(
      new PathFileError('2 unknown keys at the top level (a mapping there holds package, version and paths)'),
    );
  });

  it('reads a package without a version as a package with none', () => {
    const content = parsePathFile("package: VotingApp\npaths:\n  - path: 'Store\\App\\a.dll'\n    size: 0\n");
    expect(content).toEqual({ package: 'VotingApp', entries: [{ path: 'Store\\App\\a.dll', size: 0 }] });
    expect(content.version).toBeUndefined();
  });

  it('names a bad entry by its place: [i] in a list, paths[i] in the mapping form', () => {
    expect(() => parsePathFile('- a\n- path: b\n  size: -1\n')).toThrow(new PathFileError('[1].size: must be at least 0'));
    expect(() => parsePathFile('package: V\npaths:\n  - a\n  - path: b\n    size: -1\n')).toThrow(new PathFileError('paths[1].size: must be at least 0'));
    expect(() => parsePathFile('package: V\npaths:\n  - path: b\n    x: 1\n    y: 2\n')).toThrow(new PathFileError('paths[0]: 2 unknown keys (an entry holds path, size and expires)'));
    expect(() => parsePathFile('package: V\npaths: [a, [b]]\n')).toThrow(
      new PathFileError('paths[1]: expected a content path string or a mapping {path, size, expires}, got a list'),
    );
    expect(() => parsePathFile("package: V\npaths: ['..']\n")).toThrow(new PathFileError('paths[0]: ".." is not a file or folder path in the image store'));
  });

  it('writes the mapping form for a package without a version, or a version without a package, and reads either back', () => {
    const entries = [{ path: 'Store\\App\\a.dll', size: 12 }, { path: 'b', expiresMs: Date.UTC(2031, 5, 1) }];
    const named = formatPathFile({ package: 'VotingApp', entries }, 'VotingApp');
    expect(named).toBe("# VotingApp\npackage: 'VotingApp'\npaths:\n  - path: 'Store\\App\\a.dll'\n    size: 12\n  - path: 'b'\n    expires: '2031-06-01T00:00:00.000Z'\n");
    expect(parsePathFile(named)).toEqual({ package: 'VotingApp', entries });
    const versioned = formatPathFile({ version: '1.10', entries: [] });
    expect(versioned).toBe("version: '1.10'\npaths: []\n");
    expect(parsePathFile(versioned)).toEqual({ version: '1.10', entries: [] });
  });
});

describe('path-file messages never quote the file', () => {
  const SECRET = 'Zx9~s3cr3t.Entra-client-secret_value';
  const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';

  it.each([
    ['a file that is one string (a secret)', `${SECRET}\n`, 'expected a list of content paths, or a mapping {package, version, paths}, at the top level, got a string of 36 characters'],
    ['a PEM private key', PEM, 'expected a list of content paths, or a mapping {package, version, paths}, at the top level, got a string of'],
    ['a JSON credentials file', `{"clientId": "x", "clientSecret": "${SECRET}"}`, '2 unknown keys at the top level'],
    ['a secret as a key', `${SECRET}: 1\npaths: []\n`, '1 unknown key at the top level'],
    ['a secret under paths', `paths: ${SECRET}\n`, 'paths: expected a list of content paths, got a string of 36 characters'],
    ['a secret as a version', `package: V\nversion: ' ${SECRET}'\npaths: []\n`, 'version: must not start or end with whitespace'],
    ['a secret as a size', `- path: a\n  size: '${SECRET}'\n`, '[0].size: expected a whole number of bytes, got a string of 36 characters'],
    ['a secret as an entry key', `- path: a\n  ${SECRET}: 1\n`, '[0]: 1 unknown key (an entry holds path, size and expires)'],
    ['a secret path with surrounding spaces', `- ' ${SECRET}'\n`, '[0]: must not start or end with whitespace'],
    ['a secret in a block scalar header', `- |${SECRET}\n  a\n`, 'line 1, column 4: invalid YAML: YAML error UNEXPECTED_TOKEN'],
    ['a secret in a bad escape', `- "\\q${SECRET}"\n`, 'invalid YAML: YAML error BAD_DQ_ESCAPE'],
    ['a secret as an unresolved alias', `- *${SECRET}\n`, 'invalid YAML: an alias that cannot be resolved'],
    ['a secret as a number', '- 918273645\n', '[0]: expected a content path string or a mapping {path, size, expires}, got a whole number'],
  ])('names the type and position, not the content, of %s', (_what, text, message) => {
    let error: unknown;
    try {
      parsePathFile(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PathFileError);
    const got = (error as Error).message;
    expect(got).toContain(message);
    expect(got).not.toContain('s3cr3t');
    expect(got).not.toContain('MIIE');
    expect(got).not.toContain('918273645');
  });

  it('keeps the YAML messages that are fixed text, with their line and column', () => {
    expect(() => parsePathFile('- path: a\n  path: b\n')).toThrow(new PathFileError('line 2, column 3: invalid YAML: Map keys must be unique'));
    expect(() => parsePathFile('paths: []\n\tpackage: V\n')).toThrow(new PathFileError('line 2, column 1: invalid YAML: Tabs are not allowed as indentation'));
  });
});

describe('path_files.max_path_length', () => {
  it('takes a content path of up to the limit and refuses one more, as a string or a mapping, before its other checks', () => {
    expect(pathFileContent(['a'.repeat(8)], 10, 8)).toEqual({ entries: [{ path: 'a'.repeat(8) }] });
    expect(() => pathFileContent(['a', 'b'.repeat(9)], 10, 8)).toThrow(
      new PathFileError('[1]: a content path of 9 characters, longer than path_files.max_path_length (8)'),
    );
    expect(() => pathFileContent({ package: 'p', paths: [{ path: ` ${'b'.repeat(9)}`, size: 1 }] }, 10, 8)).toThrow(
      new PathFileError('paths[0].path: a content path of 10 characters, longer than path_files.max_path_length (8)'),
    );
    // A path of 1,000,000 characters is refused whole, and its file with it.
    expect(() => pathFileContent(['x'.repeat(1_000_000)], 10, 32_768)).toThrow('a content path of 1000000 characters, longer than path_files.max_path_length (32768)');
  });
});

describe('package names and versions', () => {
  it.each([
    ['a lone high surrogate', 'package', 'App\uD800', 'package: contains a lone UTF-16 surrogate'],
    ['a lone low surrogate', 'version', '1\uDC01', 'version: contains a lone UTF-16 surrogate'],
    ['an escape character', 'package', 'App\u001b[31m', 'package: contains a control character at position 4'],
    ['a bell', 'version', '1.0\u0007', 'version: contains a control character at position 4'],
    ['a newline', 'package', 'A\nB', 'package: contains a control character at position 2'],
    ['a C1 control', 'package', 'A\u009bB', 'package: contains a control character at position 2'],
    ['DEL', 'version', '1\u007f', 'version: contains a control character at position 2'],
  ])('refuses %s', (_what, key, value, message) => {
    expect(() => pathFileContent({ [key]: value, paths: ['a'] })).toThrow(new PathFileError(message));
  });

  it('refuses "\\uD800" and "\\uD801" written as JSON escapes, which would both show as U+FFFD', () => {
    expect(() => parsePathFile('{"package": "\\uD800", "paths": ["a"]}')).toThrow(new PathFileError('package: contains a lone UTF-16 surrogate'));
    expect(() => parsePathFile('{"package": "\\uD801", "paths": ["a"]}')).toThrow(new PathFileError('package: contains a lone UTF-16 surrogate'));
    // A pair is one character, and an emoji a fine name.
    expect(parsePathFile('{"package": "App \\uD83D\\uDE80", "paths": ["a"]}').package).toBe('App \u{1F680}');
  });
});
