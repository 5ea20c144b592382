/**
 * What a cluster's path files may add up to: whoever writes them can list as many files, paths and
 * packages as they like, and each costs memory, requests and exposition. `path_files.max_paths`
 * bounds the content paths a cluster polls from its files, `path_files.max_package_files` the files
 * its packages count (a path in two packages counts twice). What is over is left out, in a fixed
 * order, so the same files give the same result every cycle.
 */
import type { ClusterPackages, PackageMembership } from './package-model.js';

/** The limits that can bite, by their configuration key under `path_files`. */
export const PATH_FILE_LIMITS = ['max_paths', 'max_package_files'] as const;
export type PathFileLimit = (typeof PATH_FILE_LIMITS)[number];

/** A limit that bit: how much the files listed, and how much was kept. */
export interface OverLimit {
  readonly limit: PathFileLimit;
  readonly listed: number;
  readonly kept: number;
}

/**
 * Cluster → the files its patterns matched, turned into file → the clusters that matched it: one
 * pass over every match. (Asking every cluster's list for every file grew with the square of the
 * number of files: 20,000 files took 1.7 s per cycle.)
 */
export function clustersByFile(matched: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [cluster, files] of matched) {
    for (const file of files) {
      const clusters = out.get(file);
      if (clusters === undefined) out.set(file, [cluster]);
      // A file listed twice for one cluster (two patterns) is one match.
      else if (clusters.at(-1) !== cluster) clusters.push(cluster);
    }
  }
  return out;
}

/**
 * The first `maxPaths` distinct paths of `fromFiles` that are not configured (file order, then entry
 * order), and how many distinct ones there were; configured paths are the operator's and never
 * count.
 */
export function capFilePaths(configured: readonly string[], fromFiles: readonly string[], maxPaths: number): { kept: string[]; listed: number } {
  const taken = new Set(configured);
  const kept: string[] = [];
  let listed = 0;
  for (const path of fromFiles) {
    if (taken.has(path)) continue;
    taken.add(path);
    listed += 1;
    if (kept.length < maxPaths) kept.push(path);
  }
  return { kept, listed };
}

/**
 * The packages as they fit in `maxFiles` memberships: whole packages in their order (name, then
 * version) up to the first that does not fit; a package is never counted in part, since its
 * progress would be wrong.
 */
export function capPackageFiles(packages: ClusterPackages, maxFiles: number): { packages: ClusterPackages; listed: number; kept: number } {
  const sizes = new Array<number>(packages.packages.length).fill(0);
  let listed = 0;
  for (const memberships of packages.byPath.values()) {
    for (const m of memberships) sizes[m.package] = (sizes[m.package] ?? 0) + 1;
    listed += memberships.length;
  }
  if (listed <= maxFiles) return { packages, listed, kept: listed };
  let fit = 0;
  let kept = 0;
  while (fit < sizes.length && kept + (sizes[fit] ?? 0) <= maxFiles) kept += sizes[fit++] ?? 0;
  const byPath = new Map<string, readonly PackageMembership[]>();
  for (const [path, memberships] of packages.byPath) {
    const inside = memberships.filter((m) => m.package < fit);
    if (inside.length > 0) byPath.set(path, inside);
  }
  return { packages: { packages: packages.packages.slice(0, fit), byPath }, listed, kept };
}
