import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { mergePaths, PathFiles, type GlobBudget, type PathTarget } from '../../src/pathfiles/path-file-watcher.js';
import type { PathFilesConfig } from '../../src/config/types.js';
import type { ClusterTarget, SessionLister } from '../../src/poller/cycle.js';
import { DEFAULT_PATH_FILES } from '../../src/config/schema.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-pathfiles-'));
  dirs.push(dir);
  return dir;
}

/** Writes a file the way a pipeline should: a temporary file, then a rename. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const client: SessionLister = { getUploadSessions: async () => [], getStoreFile: async () => undefined, close: async () => undefined };

function target(cluster: string, contentPaths: string[], patterns: string[]): ClusterTarget {
  return { cluster, client, contentPaths, contentPathFiles: patterns };
}

function setup(now = { ms: Date.UTC(2030, 0, 1) }, extra: { limits?: PathFilesConfig; globBudget?: GlobBudget; platform?: NodeJS.Platform } = {}) {
  const lines: Array<{ level: string; msg: string; file?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: string; msg: string });
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  // The poller hands the watcher the path-file limits of the configuration in effect at each cycle.
  const files = new (class extends PathFiles {
    override resolveTargets<T extends PathTarget>(targets: readonly T[]) {
      return super.resolveTargets(targets, extra.limits ?? DEFAULT_PATH_FILES);
    }
  })({ logger, now: () => now.ms, globBudget: extra.globBudget, platform: extra.platform });
  return { files, lines, now };
}

async function pathsOf(files: ReturnType<typeof setup>['files'], t: ClusterTarget): Promise<readonly string[]> {
  const [resolved] = await files.resolveTargets([t]);
  return resolved!.contentPaths;
}

describe('mergePaths', () => {
  it('puts configured paths first, drops duplicates, and counts a path in both as config', () => {
    expect(mergePaths(['a', 'b'], ['b', 'c', 'c', 'd'])).toEqual([
      { path: 'a', source: 'config' },
      { path: 'b', source: 'config' },
      { path: 'c', source: 'file' },
      { path: 'd', source: 'file' },
    ]);
  });
});

describe('path files', () => {
  it('follows a file as it appears, changes, turns malformed, expires and is removed', async () => {
    const dir = tempDir();
    const file = join(dir, 'release-42.yaml');
    const { files, lines, now } = setup();
    const t = target('prod', ['Configured\\a.dll'], [join(dir, '*.yaml')]);

    // No file yet: only the configured path.
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll']);

    // Appears.
    writeAtomically(file, "- 'Store\\App\\one.zip'\n- 'Configured\\a.dll'\n");
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\one.zip']);
    expect(files.watched()).toEqual([
      { cluster: 'prod', source: 'config', count: 1 },
      { cluster: 'prod', source: 'file', count: 1 },
    ]);
    expect(files.sourceOf('prod', 'Store\\App\\one.zip')).toBe('file');
    expect(files.sourceOf('prod', 'Configured\\a.dll')).toBe('config');

    // Changes (one path expires an hour from "now").
    const inAnHour = new Date(now.ms + 3_600_000).toISOString();
    writeAtomically(file, `- 'Store\\App\\two.zip'\n- path: 'Store\\App\\three.zip'\n  expires: '${inAnHour}'\n`);
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\two.zip', 'Store\\App\\three.zip']);

    // Turns malformed: the last good content stays, the error is logged and counted once per change.
    writeAtomically(file, '- [unterminated\n');
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\two.zip', 'Store\\App\\three.zip']);
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\two.zip', 'Store\\App\\three.zip']);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file, count: 1 }]);
    const malformed = lines.filter((l) => l.msg.startsWith('path file malformed'));
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ level: 'warn', file });
    expect(malformed[0]!.msg).toContain('last good content (2 paths) stays in force');
    writeAtomically(file, '{not: a list}\n');
    await pathsOf(files, t);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file, count: 2 }]);

    // Fixed again, then the expiry passes without the file changing.
    writeAtomically(file, `- 'Store\\App\\two.zip'\n- path: 'Store\\App\\three.zip'\n  expires: '${inAnHour}'\n`);
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\two.zip', 'Store\\App\\three.zip']);
    now.ms += 3_600_000;
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll', 'Store\\App\\two.zip']);

    // Removed: its paths go, and so does its error series.
    rmSync(file);
    expect(await pathsOf(files, t)).toEqual(['Configured\\a.dll']);
    expect(files.fileErrors()).toEqual([]);
    expect(lines.some((l) => l.msg.startsWith('path file removed'))).toBe(true);
  });

  it('re-reads a file replaced by a rename even when its size and modification time are unchanged (a new inode)', async () => {
    const dir = tempDir();
    const file = join(dir, 'paths.yaml');
    const { files } = setup();
    const t = target('prod', [], [join(dir, '*.yaml')]);
    // Same length, same modification time to the second: only the inode tells the versions apart.
    const stamp = new Date(Date.UTC(2029, 5, 1, 12, 0, 0));
    writeFileSync(file, "- 'Store\\App\\old.zip'\n");
    utimesSync(file, stamp, stamp);
    expect(await pathsOf(files, t)).toEqual(['Store\\App\\old.zip']);
    const before = statSync(file);
    writeFileSync(`${file}.tmp`, "- 'Store\\App\\new.zip'\n");
    utimesSync(`${file}.tmp`, stamp, stamp);
    renameSync(`${file}.tmp`, file);
    const after = statSync(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(after.ino).not.toBe(before.ino);
    expect(await pathsOf(files, t)).toEqual(['Store\\App\\new.zip']);
  });

  it('polls nothing from a file that was never valid, and reads JSON files and several files in name order', async () => {
    const dir = tempDir();
    const { files } = setup();
    writeAtomically(join(dir, 'b.json'), '["from-b"]');
    writeAtomically(join(dir, 'a.yaml'), '- from-a\n');
    writeAtomically(join(dir, 'c.yaml'), '- 12\n');
    const t = target('prod', [], [join(dir, '*.yaml'), join(dir, '*.json')]);
    expect(await pathsOf(files, t)).toEqual(['from-a', 'from-b']);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file: join(dir, 'c.yaml'), count: 1 }]);
  });

  it('hands over the packages its files make up, kept while nothing changes and rebuilt when a file or an expiry does', async () => {
    const dir = tempDir();
    const { files, now } = setup();
    const inAnHour = new Date(now.ms + 3_600_000).toISOString();
    writeAtomically(join(dir, 'build-17.yaml'), "- 'Store\\App\\a.dll'\n");
    writeAtomically(join(dir, 'named.yaml'), `package: VotingApp\nversion: '1.4.0'\npaths:\n  - path: 'Store\\V\\x.dll'\n    size: 12\n  - path: 'Store\\V\\y.dll'\n    expires: '${inAnHour}'\n`);
    const t = target('prod', ['Store\\V\\x.dll'], [join(dir, '*.yaml')]);
    const [first] = await files.resolveTargets([t]);
    // A configured path is polled once, and still belongs to its package.
    expect(first?.contentPaths).toEqual(['Store\\V\\x.dll', 'Store\\App\\a.dll', 'Store\\V\\y.dll']);
    expect(first?.packages?.packages).toEqual([{ name: 'VotingApp', version: '1.4.0' }, { name: 'build-17', version: '' }]);
    expect(first?.packages?.byPath.get('Store\\V\\x.dll')).toEqual([{ package: 0, expectedBytes: 12 }]);
    const [again] = await files.resolveTargets([t]);
    expect(again?.packages).toBe(first?.packages);
    now.ms += 3_600_000;
    const [expired] = await files.resolveTargets([t]);
    expect([...(expired?.packages?.byPath.keys() ?? [])]).toEqual(['Store\\V\\x.dll', 'Store\\App\\a.dll']);
    writeAtomically(join(dir, 'named.yaml'), "package: VotingApp\nversion: '1.5.0'\npaths: ['Store\\V\\x.dll']\n");
    const [changed] = await files.resolveTargets([t]);
    expect(changed?.packages?.packages).toEqual([{ name: 'VotingApp', version: '1.5.0' }, { name: 'build-17', version: '' }]);
  });

  it('skips dot files, such as a temporary file being written', async () => {
    const dir = tempDir();
    const { files } = setup();
    writeFileSync(join(dir, '.release.yaml.tmp.yaml'), '- half-writ');
    writeAtomically(join(dir, 'release.yaml'), '- done\n');
    expect(await pathsOf(files, target('prod', [], [join(dir, '*')]))).toEqual(['done']);
  });

  it('leaves a cluster without content_path_files as configured', async () => {
    const { files } = setup();
    expect(await pathsOf(files, target('dev', ['x', 'y'], []))).toEqual(['x', 'y']);
    expect(files.watched()).toEqual([
      { cluster: 'dev', source: 'config', count: 2 },
      { cluster: 'dev', source: 'file', count: 0 },
    ]);
  });

  it('finishes a cycle under ** despite a directory link loop, and still reads linked files (ConfigMap volumes)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pipelines', 'a'), { recursive: true });
    writeAtomically(join(dir, 'pipelines', 'a', 'one.yaml'), '- one\n');
    // Two links back up: followed, the tree would have 2^n branches of depth n.
    symlinkSync('..', join(dir, 'pipelines', 'a', 'up'));
    symlinkSync('..', join(dir, 'pipelines', 'a', 'up-again'));
    // A ConfigMap volume: the file is a link into a timestamped folder behind the `..data` link.
    mkdirSync(join(dir, 'pipelines', '..2030_01_01'));
    writeAtomically(join(dir, 'pipelines', '..2030_01_01', 'two.yaml'), '- two\n');
    symlinkSync('..2030_01_01', join(dir, 'pipelines', '..data'));
    symlinkSync(join('..data', 'two.yaml'), join(dir, 'pipelines', 'two.yaml'));
    const { files } = setup();
    expect(await pathsOf(files, target('prod', [], [join(dir, 'pipelines', '**', '*.yaml')]))).toEqual(['one', 'two']);
    expect(files.fileErrors()).toEqual([]);
  }, 15_000);

  it('stops a listing that reads more directory entries than its budget, counts and logs it, and keeps the files matched before', async () => {
    const dir = tempDir();
    const pattern = join(dir, '**', '*.yaml');
    writeAtomically(join(dir, 'release.yaml'), '- kept\n');
    const { files, lines } = setup(undefined, { globBudget: { entries: 50, timeMs: 60_000 } });
    const t = target('prod', ['configured'], [pattern]);
    expect(await pathsOf(files, t)).toEqual(['configured', 'kept']);

    for (let i = 0; i < 60; i++) writeFileSync(join(dir, `noise-${i}.txt`), '');
    expect(await pathsOf(files, t)).toEqual(['configured', 'kept']);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file: pattern, count: 1 }]);
    const logged = lines.filter((l) => l.level === 'warn' && l.msg.includes('read more than 50 directory entries'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toContain('the 1 files matched before stay in force');
    // Counted at every cycle that overruns, as long as the pattern is configured.
    await pathsOf(files, t);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file: pattern, count: 2 }]);
  });

  it('refuses a file over path_files.max_size or max_entries as malformed, keeping its last good content', async () => {
    const dir = tempDir();
    const file = join(dir, 'release.yaml');
    const { files, lines } = setup(undefined, { limits: { ...DEFAULT_PATH_FILES, maxBytes: 1024, maxEntries: 3 } });
    const t = target('prod', [], [join(dir, '*.yaml')]);
    writeAtomically(file, '- a\n- b\n- c\n');
    expect(await pathsOf(files, t)).toEqual(['a', 'b', 'c']);

    writeAtomically(file, '- a\n- b\n- c\n- d\n');
    expect(await pathsOf(files, t)).toEqual(['a', 'b', 'c']);
    writeAtomically(file, `- '${'x'.repeat(2000)}'\n`);
    expect(await pathsOf(files, t)).toEqual(['a', 'b', 'c']);
    expect(files.fileErrors()).toEqual([{ cluster: 'prod', file, count: 2 }]);
    expect(lines.filter((l) => l.msg.startsWith('path file malformed')).map((l) => l.msg.split(';')[0])).toEqual([
      'path file malformed: lists 4 entries, more than path_files.max_entries (3)',
      'path file malformed: larger than path_files.max_size (1KiB)',
    ]);
  });

  it('warns once per version read when a path file is world-writable', async () => {
    const dir = tempDir();
    const file = join(dir, 'release.yaml');
    writeAtomically(file, '- a\n');
    chmodSync(file, 0o666);
    const { files, lines } = setup();
    const t = target('prod', [], [join(dir, '*.yaml')]);
    await pathsOf(files, t);
    await pathsOf(files, t);
    const warned = lines.filter((l) => l.level === 'warn' && l.msg.startsWith('path file is world-writable'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ file });
  });
});

describe('what a path-file writer can reach', () => {
  const SECRET = 'Zx9~s3cr3t.Entra-client-secret_value';

  it('refuses a link out of the folder of its pattern without reading it, and reads it with path_files.follow_outside_links', async () => {
    const dir = tempDir();
    const outside = tempDir();
    mkdirSync(join(dir, 'paths.d'));
    writeFileSync(join(outside, 'client-secret'), `${SECRET}\n`);
    writeFileSync(join(outside, 'elsewhere.yaml'), '- elsewhere\n');
    symlinkSync(join(outside, 'client-secret'), join(dir, 'paths.d', 'secret.yaml'));
    symlinkSync(join(outside, 'elsewhere.yaml'), join(dir, 'paths.d', 'elsewhere.yaml'));
    // A link that stays inside (a ConfigMap volume's, or a relative one) is read as before.
    writeFileSync(join(dir, 'paths.d', '.real.yaml'), '- inside\n');
    symlinkSync('.real.yaml', join(dir, 'paths.d', 'inside.yaml'));
    const t = target('prod', [], [join(dir, 'paths.d', '*.yaml')]);

    const { files, lines } = setup();
    expect(await pathsOf(files, t)).toEqual(['inside']);
    const warned = lines.filter((l) => l.msg.startsWith('path file malformed')).sort((a, b) => (a.file! < b.file! ? -1 : 1));
    expect(warned.map((l) => [l.file, l.msg])).toEqual([
      [join(dir, 'paths.d', 'elsewhere.yaml'), expect.stringContaining('a link to a file outside the folder of its pattern, not read (path_files.follow_outside_links is false)')],
      [join(dir, 'paths.d', 'secret.yaml'), expect.stringContaining('a link to a file outside the folder of its pattern, not read')],
    ]);
    expect(files.fileErrors()).toHaveLength(2);

    // Allowed: read, and the secret file is malformed without a word of it in the log.
    const allowed = setup(undefined, { limits: { ...DEFAULT_PATH_FILES, followOutsideLinks: true } });
    expect(await pathsOf(allowed.files, t)).toEqual(['elsewhere', 'inside']);
    const secretLine = allowed.lines.find((l) => l.file === join(dir, 'paths.d', 'secret.yaml'));
    expect(secretLine?.msg).toBe(
      'path file malformed: expected a list of content paths, or a mapping {package, version, paths}, at the top level, got a string of 36 characters; no content paths from it are polled',
    );
    expect(JSON.stringify(allowed.lines)).not.toContain('s3cr3t');
  });

  it('matches a Windows pattern written with backslashes (fast-glob reads \\ as an escape)', async () => {
    const dir = tempDir();
    writeAtomically(join(dir, 'release.yaml'), '- one\n');
    // On Windows, the configuration and path.join give backslash separators; POSIX paths stand in for C:\... here.
    const pattern = `${dir.replaceAll('/', '\\')}\\*.yaml`;
    const { files } = setup(undefined, { platform: 'win32' });
    expect(await pathsOf(files, target('prod', [], [pattern]))).toEqual(['one']);
    // On POSIX a backslash stays an escape, as fast-glob documents.
    expect(await pathsOf(setup().files, target('prod', [], [pattern]))).toEqual([]);
  });

  it('polls at most path_files.max_paths paths from files, counts each cycle over it and logs once', async () => {
    const dir = tempDir();
    writeAtomically(join(dir, 'a.yaml'), 'package: A\npaths: [one, two, configured]\n');
    writeAtomically(join(dir, 'b.yaml'), 'package: B\npaths: [three, one]\n');
    const limits = { ...DEFAULT_PATH_FILES, maxPaths: 2 };
    const { files, lines } = setup(undefined, { limits });
    const t = target('prod', ['configured'], [join(dir, '*.yaml')]);
    const [resolved] = await files.resolveTargets([t]);
    // Configured paths never count; files in name order, entries in order.
    expect(resolved!.contentPaths).toEqual(['configured', 'one', 'two']);
    // A path left out is in no package either.
    expect([...resolved!.packages!.byPath.keys()].sort()).toEqual(['configured', 'one', 'two']);
    await files.resolveTargets([t]);
    expect(files.limitsReached()).toEqual([
      { cluster: 'prod', limit: 'max_paths', count: 2 },
      { cluster: 'prod', limit: 'max_package_files', count: 0 },
    ]);
    const warned = lines.filter((l) => l.msg.startsWith('path files: the cluster'));
    expect(warned.map((l) => l.msg)).toEqual([
      "path files: the cluster's path files list 3 content paths, more than path_files.max_paths; only 2 are polled (the first, in file name order) until they list fewer",
    ]);
    // Back within the limit: said once, and no longer counted.
    writeAtomically(join(dir, 'b.yaml'), 'package: B\npaths: [one]\n');
    await files.resolveTargets([t]);
    expect(lines.at(-1)?.msg).toBe("path files: the cluster's path files are within path_files.max_paths again");
    expect(files.limitsReached()[0]).toEqual({ cluster: 'prod', limit: 'max_paths', count: 2 });
  });

  it('counts at most path_files.max_package_files package files, whole packages in name order', async () => {
    const dir = tempDir();
    // 300 files listing the same paths made 600,000 memberships: each is a package of its own.
    for (const name of ['c', 'a', 'b']) writeAtomically(join(dir, `${name}.yaml`), `package: ${name.toUpperCase()}\npaths: [one, two]\n`);
    const limits = { ...DEFAULT_PATH_FILES, maxPackageFiles: 5 };
    const { files, lines } = setup(undefined, { limits });
    const [resolved] = await files.resolveTargets([target('prod', [], [join(dir, '*.yaml')])]);
    expect(resolved!.contentPaths).toEqual(['one', 'two']);
    expect(resolved!.packages!.packages).toEqual([
      { name: 'A', version: '' },
      { name: 'B', version: '' },
    ]);
    expect(resolved!.packages!.byPath.get('one')).toHaveLength(2);
    expect(files.limitsReached()).toContainEqual({ cluster: 'prod', limit: 'max_package_files', count: 1 });
    expect(lines.filter((l) => l.msg.includes('path_files.max_package_files')).map((l) => l.msg)).toEqual([
      "path files: the cluster's path files list 6 package files, more than path_files.max_package_files; only 4 are counted (whole packages, in name order) until they list fewer",
    ]);
  });

  it('refuses a file listing a path longer than path_files.max_path_length, naming the entry, not the path', async () => {
    const dir = tempDir();
    writeAtomically(join(dir, 'a.yaml'), `- ok\n- '${'x'.repeat(5000)}'\n`);
    const { files, lines } = setup(undefined, { limits: { ...DEFAULT_PATH_FILES, maxPathLength: 4096 } });
    expect(await pathsOf(files, target('prod', [], [join(dir, '*.yaml')]))).toEqual([]);
    expect(lines.find((l) => l.msg.startsWith('path file malformed'))?.msg).toBe(
      'path file malformed: [1]: a content path of 5000 characters, longer than path_files.max_path_length (4096); no content paths from it are polled',
    );
  });
});
