import { beforeAll, describe, expect, it } from '@jest/globals';
import { PathFileError } from '../../src/pathfiles/path-file-format.js';
import { PathFileParser } from '../../src/pathfiles/path-file-parser.js';
import { assertBuilt } from '../helpers/dist.js';

async function rejection(promise: Promise<unknown>): Promise<PathFileError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PathFileError) return error;
    throw error;
  }
  throw new Error('expected the parse to fail');
}

describe('PathFileParser', () => {
  // The worker is the build's (a worker thread cannot run TypeScript on Node 20).
  beforeAll(assertBuilt);

  it('parses path files in a worker, one after another, with the same messages as parsePathFile', async () => {
    const parser = new PathFileParser({ timeoutMs: 30_000, heapMb: 64 });
    try {
      expect((await parser.parse("- 'Store\\App\\a.zip'\n- path: b\n  expires: '2030-01-31T12:00:00Z'\n", 10)).entries).toEqual([
        { path: 'Store\\App\\a.zip' },
        { path: 'b', expiresMs: Date.UTC(2030, 0, 31, 12) },
      ]);
      expect((await rejection(parser.parse('- [unterminated\n', 10))).message).toMatch(/^line 2, column 1: invalid YAML: /);
      expect((await rejection(parser.parse('- 12\n', 10))).message).toBe('[0]: expected a content path string or a mapping {path, size, expires}, got a whole number');
      // No message quotes the file: not the YAML library's either, nor the conversion's.
      expect((await rejection(parser.parse('- |s3cr3t\n  a\n', 10))).message).toBe('line 1, column 4: invalid YAML: YAML error UNEXPECTED_TOKEN');
      expect((await rejection(parser.parse('- *s3cr3t\n', 10))).message).toBe('invalid YAML: an alias that cannot be resolved');
      expect((await rejection(parser.parse('s3cr3t\n', 10))).message).toBe(
        'expected a list of content paths, or a mapping {package, version, paths}, at the top level, got a string of 6 characters',
      );
      // path_files.max_path_length.
      expect((await rejection(parser.parse(`- a\n- ${'b'.repeat(9)}\n`, 10, 8))).message).toBe('[1]: a content path of 9 characters, longer than path_files.max_path_length (8)');
      expect(await parser.parse(`- ${'b'.repeat(8)}\n`, 10, 8)).toEqual({ entries: [{ path: 'b'.repeat(8) }] });
      expect((await rejection(parser.parse('- a\n- b\n- c\n', 2))).message).toBe('lists 3 entries, more than path_files.max_entries (2)');
      expect(await parser.parse('# nothing yet\n', 10)).toEqual({ entries: [] });
      // The mapping form, and its list under the entry limit too.
      expect(await parser.parse("package: V\nversion: '1'\npaths: [{path: a, size: 3}]\n", 10)).toEqual({ package: 'V', version: '1', entries: [{ path: 'a', size: 3 }] });
      expect((await rejection(parser.parse('package: V\npaths: [a, b, c]\n', 2))).message).toBe('lists 3 entries, more than path_files.max_entries (2)');
    } finally {
      await parser.close();
    }
  });

  it('refuses a file that needs more memory than the worker may use, and parses the next one with a new worker', async () => {
    const parser = new PathFileParser({ timeoutMs: 60_000, heapMb: 16 });
    try {
      // 256 Ki tiny entries: the YAML document model costs hundreds of bytes per entry.
      const error = await rejection(parser.parse('- a\n'.repeat(256 * 1024), 1_000_000));
      expect(error.message).toBe('needs more than 16 MiB of memory to parse (too large or too deeply nested)');
      expect(await parser.parse('- a\n', 10)).toEqual({ entries: [{ path: 'a' }] });
    } finally {
      await parser.close();
    }
  });

  it('refuses a file that takes longer than its deadline to parse', async () => {
    const parser = new PathFileParser({ timeoutMs: 1, heapMb: 64 });
    try {
      // Starting a worker alone takes longer than a millisecond.
      expect((await rejection(parser.parse('- a\n', 10))).message).toBe('took longer than 0.001 s to parse (too large or too deeply nested)');
    } finally {
      await parser.close();
    }
  });

  it('rejects a parse still running when the parser is closed, and parses again afterwards', async () => {
    const parser = new PathFileParser({ timeoutMs: 60_000, heapMb: 512 });
    try {
      // A worker is running; the large file (seconds of parsing) is handed to it, then the parser closes.
      expect(await parser.parse('- a\n', 10)).toEqual({ entries: [{ path: 'a' }] });
      const running = parser.parse('- a\n'.repeat(200_000), 1_000_000);
      await new Promise((resolve) => setImmediate(resolve));
      await parser.close();
      expect((await rejection(running)).message).toBe('cannot be parsed: the parser stopped');
      expect(await parser.parse('- b\n', 10)).toEqual({ entries: [{ path: 'b' }] });
    } finally {
      await parser.close();
    }
  });
});
