/**
 * Packages: the application packages the path files describe, and how far each has got. A path file
 * that names a package (`package:`, `version:`) makes up that package; one that does not is its own
 * package, named after the file. Per package and state, the files and their bytes, from the same
 * cycle's path states: `in_store / total` is its progress.
 */
import { basename, extname } from 'node:path';
import type { PathFileContent } from './path-file-format.js';
import { PATH_STATES, type PathState } from '../model/path-state.js';

/**
 * The states a package counts its files in: a path's states, and `size_mismatch`, a file in the
 * store whose size is not the one its path file expects (a stale file from an earlier version).
 */
export const PACKAGE_FILE_STATES = [...PATH_STATES, 'size_mismatch'] as const;
export type PackageFileState = (typeof PACKAGE_FILE_STATES)[number];

/** One package of a cluster, as its path files name it. */
interface PackageName {
  readonly name: string;
  /** `''` when no path file of the package names a version. */
  readonly version: string;
}

/** A path's place in a package: which one (an index into `ClusterPackages.packages`), and the file's expected size. */
export interface PackageMembership {
  readonly package: number;
  /** Bytes, from the path file's `size`; undefined when it gives none. */
  readonly expectedBytes: number | undefined;
}

/** A cluster's packages and, per content path, the packages it belongs to. */
export interface ClusterPackages {
  /** Ordered by name, then version. */
  readonly packages: readonly PackageName[];
  readonly byPath: ReadonlyMap<string, readonly PackageMembership[]>;
}

/** One path file's content with the file it came from. */
export interface PackageSource {
  readonly file: string;
  readonly content: PathFileContent;
}

/** The package a file without `package:` makes up: its name without folder and extension. */
export function packageNameOfFile(file: string): string {
  const name = basename(file);
  const stem = name.slice(0, name.length - extname(name).length);
  return stem === '' ? name : stem;
}

/**
 * The packages of one cluster's path files, from their entries that have not expired by `nowMs`.
 * Files naming the same package and version make up one package together; a path listed twice in
 * a package counts once, with the first size given.
 */
export function clusterPackages(sources: readonly PackageSource[], nowMs: number): ClusterPackages {
  const byKey = new Map<string, { name: PackageName; files: Map<string, number | undefined> }>();
  for (const { file, content } of sources) {
    const name: PackageName = { name: content.package ?? packageNameOfFile(file), version: content.version ?? '' };
    const key = JSON.stringify([name.name, name.version]);
    let found = byKey.get(key);
    if (found === undefined) {
      found = { name, files: new Map() };
      byKey.set(key, found);
    }
    for (const entry of content.entries) {
      if (entry.expiresMs !== undefined && entry.expiresMs <= nowMs) continue;
      if (!found.files.has(entry.path)) found.files.set(entry.path, entry.size);
      else if (found.files.get(entry.path) === undefined && entry.size !== undefined) found.files.set(entry.path, entry.size);
    }
  }
  const ordered = [...byKey.values()]
    .filter((p) => p.files.size > 0)
    .sort((a, b) => compare(a.name.name, b.name.name) || compare(a.name.version, b.name.version));
  const byPath = new Map<string, PackageMembership[]>();
  ordered.forEach((p, index) => {
    for (const [path, expectedBytes] of p.files) {
      let memberships = byPath.get(path);
      if (memberships === undefined) {
        memberships = [];
        byPath.set(path, memberships);
      }
      memberships.push({ package: index, expectedBytes });
    }
  });
  return { packages: ordered.map((p) => p.name), byPath };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One file of a package as of one cycle: where it is and the bytes it counts there. */
interface PackageFile {
  readonly contentPath: string;
  /** Its state in the package; undefined when its poll failed. */
  readonly state: PackageFileState | undefined;
  /** Expected bytes: the path file's `size`, else the size the cluster reports (the largest session's, the stored file's); undefined when neither is known. */
  readonly sizeBytes: number | undefined;
  /** Bytes there: the expected size once received or in the store, the bytes received so far while uploading, 0 otherwise. */
  readonly receivedBytes: number;
  /** The newest ModifiedDate (Unix ms) among its sessions; undefined without one. */
  readonly lastChunkMs: number | undefined;
}

/**
 * One package's figures as of one cycle, summed once by `packageStates`: the metrics, the status
 * page, `/api/v1/sessions` and the `status` command all read these, so they cannot disagree.
 */
export interface PackageState {
  readonly cluster: string;
  readonly name: string;
  readonly version: string;
  /** Files per state; a file whose state is unknown (its poll failed) counts in none. */
  readonly files: Readonly<Record<PackageFileState, number>>;
  /**
   * Bytes per state: `uploading` the bytes received so far; the others the expected size, or,
   * where the path file gives none, the size the cluster reports (a session's or the stored
   * file's; nothing for an `absent` file).
   */
  readonly bytes: Readonly<Record<PackageFileState, number>>;
  /** Every file of the package polled this cycle, in the order of the snapshot's paths. */
  readonly members: readonly PackageFile[];
  /** Files whose poll failed. */
  readonly failedFiles: number;
  /** The sum of the files' `sizeBytes` (an unknown size counts 0). */
  readonly sizeBytes: number;
  /** The sum of the files' `receivedBytes`. */
  readonly receivedBytes: number;
  /**
   * receivedBytes / sizeBytes, 0 to 1. A package of empty files is at 1 only once every file is
   * received or in the store: a stale, absent or unknown file is still to come.
   */
  readonly progress: number;
  /** Files `absent` or `uploading`, and at least one `in_store` or `received`: a copy under way, stalled once it gets no chunk for `stalled_after`. */
  readonly copying: boolean;
  /**
   * The newest ModifiedDate (Unix ms) among the upload sessions of the package's files this cycle,
   * complete ones included: when the copy last delivered a chunk. Undefined when none of its files
   * has a session (not started, between files, finished, or dead).
   */
  readonly lastModifiedMs: number | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function zeros(): Record<PackageFileState, number> {
  return { uploading: 0, received: 0, in_store: 0, absent: 0, size_mismatch: 0 };
}

/** Where one file of a package is, and the bytes it counts there; undefined when its poll failed. */
function packageFileState(path: PathState, expectedBytes: number | undefined): { state: PackageFileState; bytes: number } | undefined {
  switch (path.state) {
    case undefined:
      return undefined;
    case 'uploading': {
      // Several sessions of one file are several tries at it: the furthest one is how far it got.
      let received = 0;
      for (const s of path.sessions) if (s.remainingBytes > 0) received = Math.max(received, s.fileSize - s.remainingBytes);
      return { state: 'uploading', bytes: received };
    }
    case 'received': {
      return { state: 'received', bytes: expectedBytes ?? largestSession(path) ?? 0 };
    }
    case 'in_store': {
      const stored = path.store?.file?.fileSize ?? 0;
      if (expectedBytes !== undefined && stored !== expectedBytes) return { state: 'size_mismatch', bytes: expectedBytes };
      return { state: 'in_store', bytes: expectedBytes ?? stored };
    }
    case 'absent':
      return { state: 'absent', bytes: expectedBytes ?? 0 };
  }
}

// Loops rather than spreading into Math.max: a path's 200,000 sessions overflow the stack.
/** The largest `fileSize` among a path's sessions; undefined without one. */
function largestSession(path: PathState): number | undefined {
  let out: number | undefined;
  for (const s of path.sessions) out = Math.max(out ?? s.fileSize, s.fileSize);
  return out;
}

/** The newest `modifiedMs` among a path's sessions; undefined without one. */
function lastChunkOf(path: PathState): number | undefined {
  let out: number | undefined;
  for (const s of path.sessions) out = Math.max(out ?? s.modifiedMs, s.modifiedMs);
  return out;
}

function packageFile(path: PathState, expectedBytes: number | undefined, where: ReturnType<typeof packageFileState>): PackageFile {
  const state = where?.state;
  return {
    contentPath: path.contentPath,
    state,
    sizeBytes: expectedBytes ?? largestSession(path) ?? path.store?.file?.fileSize,
    receivedBytes: where === undefined || state === 'absent' || state === 'size_mismatch' ? 0 : where.bytes,
    lastChunkMs: lastChunkOf(path),
  };
}

/** Adds one file to its package's figures. */
function count(pkg: Mutable<PackageState> & { members: PackageFile[] }, file: PackageFile, bytes: number): void {
  pkg.members.push(file);
  pkg.sizeBytes += file.sizeBytes ?? 0;
  pkg.receivedBytes += file.receivedBytes;
  if (file.lastChunkMs !== undefined) pkg.lastModifiedMs = Math.max(pkg.lastModifiedMs ?? file.lastChunkMs, file.lastChunkMs);
  if (file.state === undefined) {
    pkg.failedFiles += 1;
    return;
  }
  (pkg.files as Record<PackageFileState, number>)[file.state] += 1;
  (pkg.bytes as Record<PackageFileState, number>)[file.state] += bytes;
}

/** Progress and whether the copy is under way, once every file is counted. */
function conclude(pkg: Mutable<PackageState>): void {
  const { files } = pkg;
  const started = files.in_store + files.received > 0;
  const unfinished = files.absent + files.uploading > 0;
  const finished = !unfinished && files.size_mismatch === 0 && pkg.failedFiles === 0;
  pkg.progress = pkg.sizeBytes === 0 ? (finished ? 1 : 0) : pkg.receivedBytes / pkg.sizeBytes;
  pkg.copying = started && unfinished;
}

/**
 * Every package's figures, from the paths polled this cycle (with sharding, this shard's share of
 * each package: the shards' figures add up). A package none of whose paths was polled has no
 * state. The one place package figures are summed.
 */
export function packageStates(paths: readonly PathState[], packagesOf: (cluster: string) => ClusterPackages | undefined): PackageState[] {
  type Building = Mutable<PackageState> & { members: PackageFile[] };
  const out: PackageState[] = [];
  const byCluster = new Map<string, { packages: ClusterPackages; states: Array<Building | undefined> }>();
  for (const path of paths) {
    let cluster = byCluster.get(path.cluster);
    if (cluster === undefined) {
      const packages = packagesOf(path.cluster);
      if (packages === undefined) continue;
      cluster = { packages, states: new Array<Building | undefined>(packages.packages.length) };
      byCluster.set(path.cluster, cluster);
    }
    for (const membership of cluster.packages.byPath.get(path.contentPath) ?? []) {
      const name = cluster.packages.packages[membership.package] as PackageName;
      const state = (cluster.states[membership.package] ??= {
        cluster: path.cluster,
        name: name.name,
        version: name.version,
        files: zeros(),
        bytes: zeros(),
        members: [],
        failedFiles: 0,
        sizeBytes: 0,
        receivedBytes: 0,
        progress: 0,
        copying: false,
        lastModifiedMs: undefined,
      });
      const where = packageFileState(path, membership.expectedBytes);
      count(state, packageFile(path, membership.expectedBytes, where), where?.bytes ?? 0);
    }
  }
  for (const { states } of byCluster.values()) {
    for (const state of states) {
      if (state === undefined) continue;
      conclude(state);
      out.push(state);
    }
  }
  return out;
}
