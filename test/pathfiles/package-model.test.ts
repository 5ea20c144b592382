import { describe, expect, it } from '@jest/globals';
import { clusterPackages, packageNameOfFile, packageStates, type ClusterPackages } from '../../src/pathfiles/package-model.js';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import type { StoreFile } from '../../src/servicefabric/store-file.js';
import { session } from '../fixtures/sessions.js';

const T0 = Date.UTC(2026, 0, 1);

describe('clusterPackages', () => {
  it('names a package by its path file, or after the file when it names none', () => {
    const packages = clusterPackages(
      [
        { file: '/etc/paths.d/votingapp-build-17.yaml', content: { entries: [{ path: 'a' }] } },
        { file: '/etc/paths.d/named.yaml', content: { package: 'VotingApp', version: '1.4.0', entries: [{ path: 'b', size: 10 }] } },
        { file: '/etc/paths.d/noversion.json', content: { package: 'Other', entries: [{ path: 'c' }] } },
      ],
      T0,
    );
    expect(packages.packages).toEqual([
      { name: 'Other', version: '' },
      { name: 'VotingApp', version: '1.4.0' },
      { name: 'votingapp-build-17', version: '' },
    ]);
    expect(packages.byPath.get('b')).toEqual([{ package: 1, expectedBytes: 10 }]);
    expect(packageNameOfFile('/x/.hidden')).toBe('.hidden');
    expect(packageNameOfFile('/x/noext')).toBe('noext');
  });

  it('makes one package of the files naming the same package and version; a path counts once, and in every package it is in', () => {
    const packages = clusterPackages(
      [
        { file: 'one.yaml', content: { package: 'P', version: '1', entries: [{ path: 'a' }, { path: 'b', size: 5 }] } },
        { file: 'two.yaml', content: { package: 'P', version: '1', entries: [{ path: 'a', size: 7 }, { path: 'b', size: 6 }] } },
        { file: 'three.yaml', content: { package: 'P', version: '2', entries: [{ path: 'a', size: 1 }] } },
      ],
      T0,
    );
    expect(packages.packages).toEqual([{ name: 'P', version: '1' }, { name: 'P', version: '2' }]);
    // The first size given wins; a size fills one not given before.
    expect(packages.byPath.get('a')).toEqual([{ package: 0, expectedBytes: 7 }, { package: 1, expectedBytes: 1 }]);
    expect(packages.byPath.get('b')).toEqual([{ package: 0, expectedBytes: 5 }]);
  });

  it('leaves expired entries out, and a package with nothing left', () => {
    const packages = clusterPackages(
      [
        { file: 'old.yaml', content: { package: 'Old', entries: [{ path: 'a', expiresMs: T0 }] } },
        { file: 'new.yaml', content: { package: 'New', entries: [{ path: 'a', expiresMs: T0 + 1 }, { path: 'b', expiresMs: T0 - 1 }] } },
      ],
      T0,
    );
    expect(packages.packages).toEqual([{ name: 'New', version: '' }]);
    expect([...packages.byPath.keys()]).toEqual(['a']);
  });
});

describe('packageStates', () => {
  const stored = (fileSize: number): StoreFile => ({ storeRelativePath: 'x', fileSize, modifiedMs: T0 });
  const ok = (contentPath: string, result: Extract<PollOutcome['result'], { ok: true }>): PollOutcome => ({ cluster: 'c', contentPath, durationSeconds: 0, finishedMs: T0, result });

  function snapshotWith(packages: ClusterPackages) {
    return nextSnapshot(
      undefined,
      [
        // 400 of 1,000 bytes received; a second, older try at the same file got less far.
        ok('up', { ok: true, sessions: [session({ fileSize: 1000, modifiedMs: T0 - 60_000, expectedRanges: [{ start: 400, end: 999 }] }), session({ sessionId: '00000000-0000-4000-8000-000000000009', fileSize: 1000, modifiedMs: T0 - 900_000, expectedRanges: [{ start: 100, end: 999 }] })] }),
        // The complete session had the newest chunk.
        ok('done', { ok: true, sessions: [session({ fileSize: 300, modifiedMs: T0 - 30_000, expectedRanges: [] })] }),
        ok('stored', { ok: true, sessions: [], store: { file: stored(500), checkedMs: T0 } }),
        ok('stale', { ok: true, sessions: [], store: { file: stored(499), checkedMs: T0 } }),
        ok('gone', { ok: true, sessions: [], store: { file: undefined, checkedMs: T0 } }),
        { cluster: 'c', contentPath: 'broken', durationSeconds: 0, finishedMs: T0, result: { ok: false, failure: { reason: 'timeout', message: 't' } } },
        // Polled, but in no package.
        ok('loose', { ok: true, sessions: [], store: { file: undefined, checkedMs: T0 } }),
      ],
      { completedMs: T0, cycleDurationSeconds: 0, cyclesSkippedTotal: 0 },
      undefined,
      (cluster) => (cluster === 'c' ? packages : undefined),
    );
  }

  it('counts each file in its state with its bytes: received so far, else the expected size', () => {
    const packages = clusterPackages(
      [
        {
          file: 'p.yaml',
          content: {
            package: 'VotingApp',
            version: '1.4.0',
            entries: [
              { path: 'up', size: 1000 },
              { path: 'done', size: 300 },
              { path: 'stored', size: 500 },
              { path: 'stale', size: 500 },
              { path: 'gone', size: 2000 },
              { path: 'broken', size: 9 },
              // Listed, but not polled this cycle (another shard's): counts nowhere.
              { path: 'elsewhere', size: 1 },
            ],
          },
        },
      ],
      T0,
    );
    expect(snapshotWith(packages).packages).toMatchObject([
      {
        cluster: 'c',
        name: 'VotingApp',
        version: '1.4.0',
        files: { uploading: 1, received: 1, in_store: 1, absent: 1, size_mismatch: 1 },
        bytes: { uploading: 400, received: 300, in_store: 500, absent: 2000, size_mismatch: 500 },
        // The failed file's expected size counts in the package's size, its bytes nowhere.
        failedFiles: 1,
        sizeBytes: 1000 + 300 + 500 + 500 + 2000 + 9,
        receivedBytes: 400 + 300 + 500,
        progress: 1200 / 4309,
        copying: true,
        lastModifiedMs: T0 - 30_000,
      },
    ]);
    expect(snapshotWith(packages).packages[0]?.members).toEqual([
      { contentPath: 'up', state: 'uploading', sizeBytes: 1000, receivedBytes: 400, lastChunkMs: T0 - 60_000 },
      { contentPath: 'done', state: 'received', sizeBytes: 300, receivedBytes: 300, lastChunkMs: T0 - 30_000 },
      { contentPath: 'stored', state: 'in_store', sizeBytes: 500, receivedBytes: 500, lastChunkMs: undefined },
      { contentPath: 'stale', state: 'size_mismatch', sizeBytes: 500, receivedBytes: 0, lastChunkMs: undefined },
      { contentPath: 'gone', state: 'absent', sizeBytes: 2000, receivedBytes: 0, lastChunkMs: undefined },
      { contentPath: 'broken', state: undefined, sizeBytes: 9, receivedBytes: 0, lastChunkMs: undefined },
    ]);
  });

  it('takes the size the cluster reports where the path file gives none, and nothing for an absent file', () => {
    const packages = clusterPackages([{ file: 'p.yaml', content: { entries: ['up', 'done', 'stored', 'stale', 'gone'].map((path) => ({ path })) } }], T0);
    expect(snapshotWith(packages).packages).toMatchObject([
      {
        cluster: 'c',
        name: 'p',
        version: '',
        // Without an expected size, no file can be the wrong size.
        files: { uploading: 1, received: 1, in_store: 2, absent: 1, size_mismatch: 0 },
        bytes: { uploading: 400, received: 300, in_store: 999, absent: 0, size_mismatch: 0 },
        lastModifiedMs: T0 - 30_000,
      },
    ]);
  });

  it('counts a received file with more sessions than a function call takes arguments', () => {
    // 200,000 complete sessions, spread into Math.max, overflow V8's stack; a raised poll.max_response_size lets that many through.
    const sessions = Array.from({ length: 200_000 }, (_, i) => session({ sessionId: `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`, fileSize: 1000 + i, expectedRanges: [] }));
    const packages = clusterPackages([{ file: 'p.yaml', content: { entries: [{ path: 'many' }] } }], T0);
    const snapshot = nextSnapshot(undefined, [ok('many', { ok: true, sessions })], { completedMs: T0, cycleDurationSeconds: 0, cyclesSkippedTotal: 0 }, undefined, () => packages);
    expect(snapshot.packages.map((p) => [p.files.received, p.bytes.received])).toEqual([[1, 200_999]]);
  });

  it('has no last modification for a package none of whose files has a session', () => {
    const packages = clusterPackages([{ file: 'p.yaml', content: { entries: [{ path: 'stored' }, { path: 'gone' }, { path: 'broken' }] } }], T0);
    expect(snapshotWith(packages).packages.map((p) => [p.name, p.lastModifiedMs])).toEqual([['p', undefined]]);
  });

  it('has no package for a cluster without path files, nor for a package none of whose paths was polled', () => {
    expect(packageStates([], () => undefined)).toEqual([]);
    const packages = clusterPackages([{ file: 'p.yaml', content: { entries: [{ path: 'elsewhere' }] } }], T0);
    expect(snapshotWith(packages).packages).toEqual([]);
  });
});
