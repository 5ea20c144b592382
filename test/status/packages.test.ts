import { describe, expect, it } from '@jest/globals';
import { statusExitCode, STATUS_EXIT } from '../../src/commands/status.js';
import { clusterPackages } from '../../src/pathfiles/package-model.js';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import { renderStatusTable } from '../../src/status/table.js';
import { buildStatusView, type PackageView } from '../../src/status/view.js';
import { DEAD_COPY, MINUTE, packageSnapshot, packageView, STALLED_AFTER_MS, T0, type FileAt } from '../fixtures/packages.js';

/** The one package of a view of `files`. */
const onePackage = (files: readonly FileAt[]): PackageView => packageView([{ name: 'P', files }]).clusters[0]!.packages[0]!;

describe('status view: packages', () => {
  it('groups the files of each package with its counts, bytes and progress over bytes', () => {
    const view = packageView([DEAD_COPY]);
    const [pkg] = view.clusters[0]!.packages;
    expect(pkg).toMatchObject({
      name: 'VotingApp',
      version: '1.4.0',
      files_by_state: { in_store: 2, uploading: 1, absent: 1, received: 0, size_mismatch: 0 },
      bytes_by_state: { in_store: 5000, uploading: 1000, absent: 2000, received: 0, size_mismatch: 0 },
      size_bytes: 10_000,
      received_bytes: 6000,
      progress: 0.6,
      failed_files: 0,
      last_chunk_at: new Date(T0 - 20 * MINUTE).toISOString(),
    });
    expect(pkg!.files.map((f) => [f.content_path, f.state, f.received_bytes, f.stalled])).toEqual([
      ['Store\\VotingApp\\ApplicationManifest.xml', 'in_store', 1000, false],
      ['Store\\VotingApp\\VotingWeb.Code\\web.dll', 'in_store', 4000, false],
      ['Store\\VotingApp\\VotingData.Code\\data.dll', 'uploading', 1000, true],
      ['Store\\VotingApp\\VotingData.Code\\big.zip', 'absent', 0, false],
    ]);
    expect(view.clusters[0]!.paths.map((p) => p.state)).toEqual(['in_store', 'in_store', 'uploading', 'absent']);
    expect(view.summary).toMatchObject({ packages: 1, stalled_packages: 1 });
  });

  it('calls a package stalled only when it started, is unfinished and got no chunk for stalled_after', () => {
    const stalled = (files: Parameters<typeof packageView>[0][number]['files']): boolean => packageView([{ name: 'P', files }]).clusters[0]!.packages[0]!.stalled;
    const inStore = { path: 'a', size: 10, is: 'in_store' } as const;
    const absent = { path: 'b', size: 10, is: 'absent' } as const;
    // Started, the rest not begun, no session left at all: the copy stopped long ago.
    expect(stalled([inStore, absent])).toBe(true);
    // Not started: queued, not stalled.
    expect(stalled([absent, { path: 'c', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - 20 * MINUTE }])).toBe(false);
    // A chunk within stalled_after: moving.
    expect(stalled([inStore, { path: 'c', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - 10 * MINUTE + 1 }])).toBe(false);
    expect(stalled([inStore, { path: 'c', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - 10 * MINUTE }])).toBe(true);
    // A file just received is the copy's latest chunk: between two files it is not stalled.
    expect(stalled([{ path: 'd', size: 10, is: 'received', received: 10, lastChunkMs: T0 - MINUTE }, absent])).toBe(false);
    // Finished: nothing absent or uploading.
    expect(stalled([inStore, { path: 'd', size: 10, is: 'received', received: 10, lastChunkMs: T0 - 60 * MINUTE }])).toBe(false);
  });

  it('counts a stale file under size_mismatch and a failed poll in no state', () => {
    const view = packageView([
      { name: 'P', files: [{ path: 'a', size: 10, is: 'in_store', storedSize: 7 }, { path: 'b', size: 30, is: 'failed' }, { path: 'c', size: 60, is: 'in_store' }] },
    ]);
    const pkg = view.clusters[0]!.packages[0]!;
    expect(pkg.files_by_state).toEqual({ uploading: 0, received: 0, in_store: 1, absent: 0, size_mismatch: 1 });
    expect(pkg.failed_files).toBe(1);
    expect(pkg.files.map((f) => f.state)).toEqual(['size_mismatch', null, 'in_store']);
    expect(pkg.received_bytes).toBe(60);
    expect(pkg.size_bytes).toBe(100);
  });

  it('has no packages without path files', () => {
    const view = packageView([]);
    expect(view.clusters).toEqual([]);
    expect(view.summary).toMatchObject({ packages: 0, stalled_packages: 0 });
  });
});

describe('status view: package figures', () => {
  it("counts each file's bytes there by its state: all of it once received or in the store, what arrived while uploading, none absent or stale", () => {
    const pkg = onePackage([
      { path: 'stored', size: 100, is: 'in_store' },
      { path: 'received', size: 40, is: 'received', received: 40, lastChunkMs: T0 - MINUTE },
      { path: 'uploading', size: 300, is: 'uploading', received: 120, lastChunkMs: T0 - MINUTE },
      { path: 'absent', size: 50, is: 'absent' },
      { path: 'stale', size: 20, is: 'in_store', storedSize: 7 },
    ]);
    expect(pkg.files.map((f) => [f.content_path, f.state, f.size_bytes, f.received_bytes])).toEqual([
      ['stored', 'in_store', 100, 100],
      ['received', 'received', 40, 40],
      ['uploading', 'uploading', 300, 120],
      ['absent', 'absent', 50, 0],
      ['stale', 'size_mismatch', 20, 0],
    ]);
    expect(pkg.files_by_state).toEqual({ uploading: 1, received: 1, in_store: 1, absent: 1, size_mismatch: 1 });
    expect(pkg.bytes_by_state).toEqual({ uploading: 120, received: 40, in_store: 100, absent: 50, size_mismatch: 20 });
    expect(pkg).toMatchObject({ size_bytes: 510, received_bytes: 260, progress: 260 / 510 });
  });

  it("takes a file's size from the cluster when its path file gives none: the largest of its sessions', the stored file's, none while absent", () => {
    const pkg = onePackage([
      { path: 'tried', size: 500, is: 'uploading', received: 100, lastChunkMs: T0 - MINUTE, tries: [{ size: 800, received: 200, lastChunkMs: T0 - 2 * MINUTE }], unsized: true },
      { path: 'stored', size: 70, is: 'in_store', unsized: true },
      { path: 'absent', size: 30, is: 'absent', unsized: true },
    ]);
    expect(pkg.files.map((f) => [f.content_path, f.size_bytes, f.received_bytes])).toEqual([
      ['tried', 800, 200],
      ['stored', 70, 70],
      ['absent', null, 0],
    ]);
    expect(pkg).toMatchObject({ size_bytes: 870, received_bytes: 270 });
  });

  it('takes the size and last chunk of a file with more sessions than a function call takes arguments', () => {
    // Spread into Math.max, 200,000 values overflow V8's stack; a raised poll.max_response_size lets that many through.
    const tries = Array.from({ length: 200_000 }, (_, i) => ({ size: 1000 + i, received: 1000 + i, lastChunkMs: T0 - 300_000 + i }));
    const [file] = onePackage([{ path: 'busy', size: 1, is: 'received', received: 1, lastChunkMs: T0 - 400_000, tries, unsized: true }]).files;
    expect(file).toMatchObject({ state: 'received', size_bytes: 200_999, received_bytes: 200_999, last_chunk_at: new Date(T0 - 100_001).toISOString() });
  });

  it("gives the newest chunk among a file's sessions and among a package's files", () => {
    const pkg = onePackage([
      { path: 'a', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - 3 * MINUTE, tries: [{ size: 10, received: 2, lastChunkMs: T0 - 30 * MINUTE }] },
      { path: 'b', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - 40 * MINUTE, tries: [{ size: 10, received: 10, lastChunkMs: T0 - 20 * MINUTE }] },
      { path: 'c', size: 10, is: 'in_store' },
    ]);
    expect(pkg.files.map((f) => f.last_chunk_at)).toEqual([new Date(T0 - 3 * MINUTE).toISOString(), new Date(T0 - 20 * MINUTE).toISOString(), null]);
    expect(pkg.last_chunk_at).toBe(new Date(T0 - 3 * MINUTE).toISOString());
  });

  it('calls an uploading file stalled from stalled_after without a chunk on, and a received one never', () => {
    const pkg = onePackage([
      { path: 'moving', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - STALLED_AFTER_MS + 1 },
      { path: 'stopped', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - STALLED_AFTER_MS },
      { path: 'received', size: 10, is: 'received', received: 10, lastChunkMs: T0 - 60 * MINUTE },
    ]);
    expect(pkg.files.map((f) => [f.content_path, f.stalled])).toEqual([
      ['moving', false],
      ['stopped', true],
      ['received', false],
    ]);
  });

  it('calls a copy that started with a received file stalled, and one whose files are all in the store finished', () => {
    const received = { path: 'r', size: 10, is: 'received', received: 10, lastChunkMs: T0 - 60 * MINUTE } as const;
    expect(onePackage([received, { path: 'b', size: 10, is: 'absent' }]).stalled).toBe(true);
    const finished = onePackage([
      { path: 'a', size: 10, is: 'in_store' },
      { path: 'b', size: 10, is: 'in_store' },
    ]);
    expect(finished).toMatchObject({ stalled: false, progress: 1 });
  });

  it('gives a package of empty files 100% once every file is received or in the store, and 0% while one is absent or its poll failed', () => {
    const stored = { path: 'a', size: 0, is: 'in_store' } as const;
    expect(onePackage([stored]).progress).toBe(1);
    expect(onePackage([stored, { path: 'b', size: 0, is: 'received', received: 0, lastChunkMs: T0 - MINUTE }]).progress).toBe(1);
    expect(onePackage([stored, { path: 'b', size: 0, is: 'absent' }]).progress).toBe(0);
    expect(onePackage([stored, { path: 'b', size: 0, is: 'failed' }]).progress).toBe(0);
  });

  it('gives a package of empty files 0% while one is a stale file still to be replaced, in the status command too', () => {
    const view = packageView([{ name: 'P', files: [{ path: 'a', size: 0, is: 'in_store' }, { path: 'stale', size: 0, is: 'in_store', storedSize: 7 }] }]);
    const pkg = view.clusters[0]!.packages[0]!;
    expect(pkg.files_by_state).toMatchObject({ in_store: 1, size_mismatch: 1 });
    expect(pkg.progress).toBe(0);
    expect(renderStatusTable(view, false).split('\n').find((l) => l.startsWith('P 1.0.0'))).toMatch(/░{20}\s+0%\s+0 B of 0 B; 2 files: 1 in_store, 1 size_mismatch$/);
  });

  it('counts the packages and the stalled ones over two packages', () => {
    const view = packageView([DEAD_COPY, { name: 'Moving', files: [{ path: 'm', size: 10, is: 'uploading', received: 5, lastChunkMs: T0 - MINUTE }] }]);
    expect(view.clusters[0]!.packages.map((p) => [p.name, p.stalled])).toEqual([
      ['Moving', false],
      ['VotingApp', true],
    ]);
    expect(view.summary).toMatchObject({ packages: 2, stalled_packages: 1 });
  });

  it('shows no package none of whose files this snapshot polled (another shard\'s)', () => {
    const { membership } = packageSnapshot([
      { name: 'Elsewhere', files: [{ path: 'e', size: 10, is: 'absent' }] },
      { name: 'Here', files: [{ path: 'h', size: 10, is: 'in_store' }] },
    ]);
    const here: PollOutcome = { cluster: 'prod', contentPath: 'h', durationSeconds: 0.01, finishedMs: T0, result: { ok: true, sessions: [], store: { file: { storeRelativePath: 'h', fileSize: 10, modifiedMs: T0 }, checkedMs: T0 } } };
    const snapshot = nextSnapshot(undefined, [here], { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 }, undefined, () => membership);
    const view = buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: STALLED_AFTER_MS });
    expect(view.clusters[0]!.packages.map((p) => p.name)).toEqual(['Here']);
    expect(view.summary).toMatchObject({ packages: 1, stalled_packages: 0 });
  });

  it('has no packages for paths without path files, or with path files whose entries all expired', () => {
    const idle: PollOutcome = { cluster: 'prod', contentPath: 'idle', durationSeconds: 0.01, finishedMs: T0, result: { ok: true, sessions: [] } };
    const expired = clusterPackages([{ file: '/paths/P.yaml', content: { package: 'P', entries: [{ path: 'idle', size: 10, expiresMs: T0 }] } }], T0);
    for (const packagesOf of [undefined, () => expired]) {
      const snapshot = nextSnapshot(undefined, [idle], { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 }, undefined, packagesOf);
      const view = buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: STALLED_AFTER_MS });
      expect(view.clusters.map((c) => [c.name, c.paths.length, c.packages])).toEqual([['prod', 1, []]]);
      expect(view.summary).toMatchObject({ packages: 0, stalled_packages: 0 });
    }
  });
});

describe('status exit code: packages', () => {
  it('is 2 for a stalled package even when no session is stalled', () => {
    // The dead copy's files in the store and not started, without its stalled upload.
    const view = packageView([{ ...DEAD_COPY, files: DEAD_COPY.files.filter((f) => f.is !== 'uploading') }]);
    expect(view.summary.stalled).toBe(0);
    expect(view.summary.stalled_packages).toBe(1);
    expect(statusExitCode(view)).toBe(STATUS_EXIT.stalled);
  });

  it('is 0 for a package being copied', () => {
    const view = packageView([{ name: 'P', files: [{ path: 'a', size: 10, is: 'in_store' }, { path: 'b', size: 10, is: 'uploading', received: 2, lastChunkMs: T0 - 1000 }] }]);
    expect(statusExitCode(view)).toBe(STATUS_EXIT.ok);
  });
});

describe('status table: packages', () => {
  it('prints one line per package with its bar, bytes and counts, then its files indented', () => {
    const text = renderStatusTable(packageView([DEAD_COPY]), false);
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.startsWith('VotingApp 1.4.0'));
    expect(head).toBeGreaterThan(0);
    expect(lines[head]).toMatch(/█{12}░{8}\s+60%/);
    expect(lines[head]).toContain('5.8 KiB of 9.7 KiB; 4 files: 1 uploading, 2 in_store, 1 absent');
    expect(lines[head]).toMatch(/stalled$/);
    expect(lines.slice(head + 1, head + 5)).toEqual([
      expect.stringMatching(/^ {4}█{10} 100%\s+in_store .*Store\\VotingApp\\ApplicationManifest\.xml$/),
      expect.stringMatching(/^ {4}█{10} 100%\s+in_store .*web\.dll$/),
      expect.stringMatching(/^ {4}█{3}░{7}\s+33%\s+uploading \(stalled\) .*data\.dll {2}last chunk 20m ago$/),
      expect.stringMatching(/^ {4}░{10}\s+0%\s+absent .*big\.zip$/),
    ]);
    // The package's files are not repeated in the session table.
    expect(text).not.toContain('File');
    expect(text).toContain('1 package (1 stalled)');
  });

  it('paints a package complete (green) only once every file is there, not when the known bytes are', () => {
    const headOf = (files: readonly FileAt[]): string => renderStatusTable(packageView([{ name: 'P', files }]), true).split('\n').find((l) => l.includes('P 1.0.0'))!;
    const green = '\u001b[32m████████████████████';
    const cyan = '\u001b[36m████████████████████';
    // A copy still running: a file just received, the last one not started.
    const copied: FileAt[] = [
      { path: 'a', size: 10, is: 'in_store' },
      { path: 'b', size: 5, is: 'received', received: 5, lastChunkMs: T0 - 1000 },
    ];
    expect(headOf(copied)).toContain(green);
    // `unsized`: its path file gives no size, so the absent file adds no bytes and the bytes read 100 %.
    const missing = headOf([...copied, { path: 'c', size: 5, is: 'absent', unsized: true }]);
    expect(missing).toMatch(/ 100% {2}15 B of 15 B; 3 files: .*1 absent/);
    expect(missing).toContain(cyan);
    expect(missing).not.toContain(green);
    expect(missing).not.toContain('stalled');
  });
});
