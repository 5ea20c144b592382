/**
 * Packages: the application packages the path files describe, and how far each has got. A path file
 * that names a package (`package:`, `version:`) makes up that package; one that does not is its own
 * package, named after the file. Per package and state, the files and their bytes, from the same
 * cycle's path states: `in_store / total` is its progress.
 */
import { basename, extname } from 'node:path';
import type { PathFileContent } from './path-file-format.js';
import { PATH_STATES, type PathState } from '../poller/path-state.js';

/**
 * The states a package counts its files in: a path's states, and `size_mismatch`, a file in the
 * store whose size is not the one its path file expects (a stale file from an earlier version).
 */
export const PACKAGE_FILE_STATES = [...PATH_STATES, 'size_mismatch'] as const;
export type PackageFileState = (typeof PACKAGE_FILE_STATES)[number];

/** One package of a cluster, as its path files name it. */
export interface PackageName {
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

/** One package's files and bytes per state, as of one cycle. */
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

/** Where one file of a package is, and the bytes it counts there (the metrics' and the status view's one rule); undefined when its poll failed. */
export function packageFileState(path: PathState, expectedBytes: number | undefined): { state: PackageFileState; bytes: number } | undefined {
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
      // A loop: spread into Math.max, a path's 200,000 sessions overflow the stack.
      let reported = 0;
      for (const s of path.sessions) reported = Math.max(reported, s.fileSize);
      return { state: 'received', bytes: expectedBytes ?? reported };
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

/**
 * Every package's files and bytes per state, from the paths polled this cycle (with sharding, this
 * shard's share of each package: the shards' figures add up). A package none of whose paths was
 * polled has no state.
 */
export function packageStates(paths: readonly PathState[], packagesOf: (cluster: string) => ClusterPackages | undefined): PackageState[] {
  const out: PackageState[] = [];
  const byCluster = new Map<string, { packages: ClusterPackages; states: Array<Mutable<PackageState> | undefined> }>();
  for (const path of paths) {
    let cluster = byCluster.get(path.cluster);
    if (cluster === undefined) {
      const packages = packagesOf(path.cluster);
      if (packages === undefined) continue;
      cluster = { packages, states: new Array<Mutable<PackageState> | undefined>(packages.packages.length) };
      byCluster.set(path.cluster, cluster);
    }
    for (const membership of cluster.packages.byPath.get(path.contentPath) ?? []) {
      const name = cluster.packages.packages[membership.package] as PackageName;
      const state = (cluster.states[membership.package] ??= { cluster: path.cluster, name: name.name, version: name.version, files: zeros(), bytes: zeros(), lastModifiedMs: undefined });
      for (const s of path.sessions) if (state.lastModifiedMs === undefined || s.modifiedMs > state.lastModifiedMs) state.lastModifiedMs = s.modifiedMs;
      const where = packageFileState(path, membership.expectedBytes);
      if (where === undefined) continue;
      (state.files as Record<PackageFileState, number>)[where.state] += 1;
      (state.bytes as Record<PackageFileState, number>)[where.state] += where.bytes;
    }
  }
  for (const { states } of byCluster.values()) for (const state of states) if (state !== undefined) out.push(state);
  return out;
}
