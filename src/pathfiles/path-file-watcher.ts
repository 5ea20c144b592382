/**
 * Path files (`clusters[].content_path_files`): the content paths that upload pipelines announce,
 * re-read when they change. Checked once per poll cycle, before it starts: a glob and one `stat`
 * per file, and a read only when a file's modification time, size or inode changed. That is cheap,
 * needs no file-system watcher, and sees files replaced by an atomic rename (new inode) and
 * Kubernetes ConfigMap volumes (symlink swaps) alike.
 *
 * Every step is bounded, because the cycle waits for it: the glob by a budget of directory entries
 * and time (and it does not descend into linked directories, so a link loop cannot make it
 * endless), a file by `path_files.max_size` and `max_entries`, and its parse by a worker thread's
 * heap and deadline (path-file-parser.ts).
 */
import { readdir, type Dirent } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Logger } from '../log.js';
import type { PathFileContent } from './path-file-format.js';
import { formatSize } from '../config/size.js';
import type { PathFilesConfig } from '../config/types.js';
import { clusterPackages, type ClusterPackages, type PackageSource } from './package-model.js';
import { globPattern, isInside, realFolders } from './glob-pattern.js';
import { capFilePaths, capPackageFiles, clustersByFile, PATH_FILE_LIMITS, type OverLimit, type PathFileLimit } from './path-file-limits.js';
import { PathFileParser } from './path-file-parser.js';

/** Where a polled content path comes from: the configuration file or a path file. */
export type PathSource = 'config' | 'file';

/** One content path to poll, with where it comes from. */
interface EffectivePath {
  readonly path: string;
  readonly source: PathSource;
}

interface FileState {
  /** Modification time, size and inode of the version last read. */
  readonly signature: string;
  /** The last content that parsed; undefined when no version of the file ever did. */
  readonly good: PathFileContent | undefined;
}

/** How many content paths a cluster polls, by source; for `servicefabric_imagestore_watched_paths`. */
export interface WatchedCount {
  readonly cluster: string;
  readonly source: PathSource;
  readonly count: number;
}

/**
 * What the watcher reads and fills in of one cluster's share of a cycle; the poller's
 * `ClusterTarget` is one, kept structural so that the path files import nothing of the poller.
 */
export interface PathTarget {
  readonly cluster: string;
  readonly contentPaths: readonly string[];
  /** `content_path_files` patterns. */
  readonly contentPathFiles?: readonly string[];
  readonly packages?: ClusterPackages;
}

/** Malformed versions seen of one file, for one cluster; for `servicefabric_exporter_path_file_errors_total`. */
export interface PathFileErrorCount {
  readonly cluster: string;
  readonly file: string;
  readonly count: number;
}

/** Poll cycles in which a cluster's path files added up to more than a limit; for `servicefabric_exporter_path_file_limit_reached_total`. */
export interface PathFileLimitCount {
  readonly cluster: string;
  readonly limit: PathFileLimit;
  readonly count: number;
}

/** Files read at once during a refresh. */
const READ_CONCURRENCY = 8;

/** What listing the files of one cluster's patterns may cost per cycle. */
export interface GlobBudget {
  /** Directory entries read, over all of the cluster's patterns. */
  readonly entries: number;
  /** Wall time. */
  readonly timeMs: number;
}

/** A path-file folder holds tens of files; this is a tree nobody meant to search every cycle. */
const DEFAULT_GLOB_BUDGET: GlobBudget = { entries: 100_000, timeMs: 10_000 };

/** Longest one path file may take to parse. */
const PARSE_TIMEOUT_MS = 10_000;

/** The parse worker's heap: YAML costs tens of times the text, so it grows with `path_files.max_size`. */
function parseHeapMb(maxBytes: number): number {
  return 64 + 64 * Math.ceil(maxBytes / 1024 ** 2);
}

/** At most `max` bytes of a file, or undefined when it holds more (it may have grown since its `stat`). */
async function readUpTo(file: string, max: number): Promise<Buffer | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(max + 1);
    let total = 0;
    while (total < buffer.length) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total > max ? undefined : buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}

/** The budget of one listing, spent by the `readdir` that fast-glob is given. */
class GlobSpend {
  entries = 0;
  /** Why the listing stopped short, once it did. */
  overrun: string | undefined;
  readonly #budget: GlobBudget;

  constructor(budget: GlobBudget) {
    this.#budget = budget;
  }

  /** fast-glob's `fs.readdir`: counts what it reads and fails fast once the budget is spent, which ends the walk. */
  readonly readdir = (path: string, options: { withFileTypes: true }, callback: (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void): void => {
    if (this.overrun !== undefined) {
      callback(Object.assign(new Error('path-file listing budget spent'), { code: 'EBUDGET' }), []);
      return;
    }
    readdir(path, options, (error, entries) => {
      if (error === null) {
        this.entries += entries.length;
        if (this.entries > this.#budget.entries) this.overrun = `read more than ${this.#budget.entries} directory entries`;
      }
      callback(error, entries);
    });
  };

  /** Marks the listing as out of time. */
  expire(): void {
    this.overrun ??= `took longer than ${this.#budget.timeMs / 1000} s`;
  }
}

/**
 * The one place where a cluster's effective path list is built: configured paths first, in
 * configuration order, then paths from files that are not already configured (a path in both
 * counts as `config`), without duplicates. Sharding filters the result of this function.
 */
export function mergePaths(configured: readonly string[], fromFiles: readonly string[]): EffectivePath[] {
  const seen = new Set<string>();
  const merged: EffectivePath[] = [];
  for (const [paths, source] of [
    [configured, 'config'],
    [fromFiles, 'file'],
  ] as const) {
    for (const path of paths) {
      if (seen.has(path)) continue;
      seen.add(path);
      merged.push({ path, source });
    }
  }
  return merged;
}

/**
 * A cluster's effective paths, built once per change of its inputs (the configured list and the
 * paths read from files) and reused while they stay the same: the poller asks every cycle, the
 * status view once per path, the metrics once per scrape.
 */
interface EffectiveList {
  readonly configured: readonly string[];
  readonly fromFiles: readonly string[];
  /** The contents the paths were read from, in file order: a file changed when its content object did. */
  readonly contents: readonly PathFileContent[];
  readonly names: readonly string[];
  /** The packages the files make up. */
  readonly packages: ClusterPackages;
  readonly sources: ReadonlyMap<string, PathSource>;
  /** How many of `names` come from the configuration (the rest come from files). */
  readonly fromConfig: number;
  /** The limits in force when it was built, and those that bit. */
  readonly maxPaths: number;
  readonly maxPackageFiles: number;
  readonly over: readonly OverLimit[];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameContents(a: readonly PathFileContent[], b: readonly PathFileContent[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads, caches and re-reads the path files of every cluster; never throws. */
export class PathFiles {
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Absolute file name → its state. */
  private files = new Map<string, FileState>();
  /** Cluster → the files its patterns matched at the last refresh, sorted. */
  private matched = new Map<string, readonly string[]>();
  /** JSON [cluster, file] → malformed versions seen. */
  private errors = new Map<string, number>();
  /** Cluster → its effective list as of the last `resolve`, with the inputs it was built from. */
  private effective = new Map<string, EffectiveList>();
  /** Cluster → the real folders of its patterns, as of the last refresh. */
  private folders = new Map<string, readonly string[]>();
  /** JSON [cluster, limit] → poll cycles in which the limit bit, for clusters with path files. */
  private limitHits = new Map<string, number>();
  private readonly globBudget: GlobBudget;
  private readonly platform: NodeJS.Platform;

  /** `globBudget` and `platform` are for tests. */
  constructor(options: { logger: Logger; now?: () => number; globBudget?: GlobBudget; platform?: NodeJS.Platform }) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.globBudget = options.globBudget ?? DEFAULT_GLOB_BUDGET;
    this.platform = options.platform ?? process.platform;
  }

  /**
   * Re-reads what changed and returns the targets with their effective content paths; the poller
   * calls it at the start of every cycle, so a changed file takes effect at the next cycle boundary.
   * `limits`: `path_files:` of the configuration in effect.
   */
  async resolveTargets<T extends PathTarget>(targets: readonly T[], limits: PathFilesConfig): Promise<T[]> {
    await this.refresh(targets, limits);
    return targets.map((target) => {
      const last = this.effective.get(target.cluster);
      const list = this.resolve(target, limits);
      this.countLimits(target, last?.over ?? [], list.over);
      return { ...target, contentPaths: list.names, packages: list.packages };
    });
  }

  /** Counts each limit that bit this cycle; logs once when one starts or stops biting. */
  private countLimits(target: PathTarget, before: readonly OverLimit[], now: readonly OverLimit[]): void {
    if ((target.contentPathFiles ?? []).length === 0) return;
    for (const limit of PATH_FILE_LIMITS) {
      const key = JSON.stringify([target.cluster, limit]);
      const over = now.find((o) => o.limit === limit);
      this.limitHits.set(key, (this.limitHits.get(key) ?? 0) + (over === undefined ? 0 : 1));
      const was = before.some((o) => o.limit === limit);
      if (over !== undefined && !was) {
        const what = limit === 'max_paths' ? 'content paths' : 'package files';
        this.logger.warn(
          { sf_cluster: target.cluster, listed: over.listed, kept: over.kept },
          `path files: the cluster's path files list ${over.listed} ${what}, more than path_files.${limit}; only ${over.kept} are ${limit === 'max_paths' ? 'polled (the first, in file name order)' : 'counted (whole packages, in name order)'} until they list fewer`,
        );
      } else if (over === undefined && was) {
        this.logger.info({ sf_cluster: target.cluster }, `path files: the cluster's path files are within path_files.${limit} again`);
      }
    }
  }

  /** Poll cycles in which each limit bit, per cluster with path files; 0 until it does. */
  limitsReached(): PathFileLimitCount[] {
    return [...this.limitHits].map(([key, count]) => {
      const [cluster, limit] = JSON.parse(key) as [string, PathFileLimit];
      return { cluster, limit, count };
    });
  }

  /** The source of a content path of a cluster, as of the last cycle; undefined if it is not polled. */
  sourceOf(cluster: string, path: string): PathSource | undefined {
    return this.effective.get(cluster)?.sources.get(path);
  }

  /** The packages of a cluster's path files and their paths, as of the last cycle; undefined before it. */
  packagesOf(cluster: string): ClusterPackages | undefined {
    return this.effective.get(cluster)?.packages;
  }

  /** Content paths polled per cluster and source, as of the last cycle. */
  watched(): WatchedCount[] {
    const counts: WatchedCount[] = [];
    for (const [cluster, list] of this.effective) {
      counts.push({ cluster, source: 'config', count: list.fromConfig }, { cluster, source: 'file', count: list.names.length - list.fromConfig });
    }
    return counts;
  }

  /** Malformed versions seen per cluster and file, for files that still match a pattern (and listings over budget, per pattern). */
  fileErrors(): PathFileErrorCount[] {
    return [...this.errors].map(([key, count]) => {
      const [cluster, file] = JSON.parse(key) as [string, string];
      return { cluster, file, count };
    });
  }

  /** The cluster's effective content paths and packages now. */
  private resolve(target: PathTarget, limits: PathFilesConfig): EffectiveList {
    const nowMs = this.now();
    const fromFiles: string[] = [];
    const sources: PackageSource[] = [];
    for (const file of this.matched.get(target.cluster) ?? []) {
      const content = this.files.get(file)?.good;
      if (content === undefined) continue;
      sources.push({ file, content });
      for (const entry of content.entries) {
        if (entry.expiresMs === undefined || entry.expiresMs > nowMs) fromFiles.push(entry.path);
      }
    }
    const contents = sources.map((source) => source.content);
    // Unchanged inputs (the usual cycle) keep the previous list: rebuilding 10,000s of entries per
    // cycle only to get equal ones was garbage the collector had to chase. The same paths from the
    // same contents also make the same packages (an expiry changes the paths).
    const last = this.effective.get(target.cluster);
    if (
      last &&
      last.configured === target.contentPaths &&
      last.maxPaths === limits.maxPaths &&
      last.maxPackageFiles === limits.maxPackageFiles &&
      sameList(last.fromFiles, fromFiles) &&
      sameContents(last.contents, contents)
    ) {
      return last;
    }
    const over: OverLimit[] = [];
    const capped = capFilePaths(target.contentPaths, fromFiles, limits.maxPaths);
    let counted = sources;
    if (capped.listed > capped.kept.length) {
      over.push({ limit: 'max_paths', listed: capped.listed, kept: capped.kept.length });
      // A path that is not polled is counted in no package either.
      const polled = new Set([...target.contentPaths, ...capped.kept]);
      counted = sources.map(({ file, content }) => ({ file, content: { ...content, entries: content.entries.filter((e) => polled.has(e.path)) } }));
    }
    const packages = capPackageFiles(clusterPackages(counted, nowMs), limits.maxPackageFiles);
    if (packages.listed > packages.kept) over.push({ limit: 'max_package_files', listed: packages.listed, kept: packages.kept });
    const paths = mergePaths(target.contentPaths, capped.kept);
    const list: EffectiveList = {
      configured: target.contentPaths,
      fromFiles,
      contents,
      packages: packages.packages,
      names: paths.map((p) => p.path),
      sources: new Map(paths.map((p) => [p.path, p.source])),
      fromConfig: paths.filter((p) => p.source === 'config').length,
      maxPaths: limits.maxPaths,
      maxPackageFiles: limits.maxPackageFiles,
      over,
    };
    this.effective.set(target.cluster, list);
    return list;
  }

  private async refresh(targets: readonly PathTarget[], limits: PathFilesConfig): Promise<void> {
    const matched = new Map<string, readonly string[]>();
    for (const target of targets) {
      const patterns = target.contentPathFiles ?? [];
      matched.set(target.cluster, patterns.length === 0 ? [] : await this.glob(target.cluster, patterns));
    }
    const byFile = clustersByFile(matched);
    const all = byFile.keys();
    const clustersOf = (file: string): string[] => byFile.get(file) ?? [];
    const foldersOf = (file: string): string[] => clustersOf(file).flatMap((cluster) => this.folders.get(cluster) ?? []);
    const limit = pLimit(READ_CONCURRENCY);
    const parser = new PathFileParser({ timeoutMs: PARSE_TIMEOUT_MS, heapMb: parseHeapMb(limits.maxBytes) });
    const next = new Map<string, FileState>();
    try {
      await Promise.all([...all].map((file) => limit(async () => {
        const state = await this.check(file, clustersOf(file), limits, parser, foldersOf(file));
        if (state) next.set(file, state);
      })));
    } finally {
      await parser.close();
    }
    for (const file of this.files.keys()) {
      if (!next.has(file)) this.logger.info({ file }, 'path file removed: its content paths are no longer polled');
    }
    // A removed file takes its error series along: counters per file would otherwise only grow. A
    // pattern's series (a listing over budget) stays while the pattern is configured.
    const patternsOf = new Map(targets.map((t) => [t.cluster, t.contentPathFiles ?? []]));
    for (const key of this.errors.keys()) {
      const [cluster, file] = JSON.parse(key) as [string, string];
      if (patternsOf.get(cluster)?.includes(file)) continue;
      if (!next.has(file) || !clustersOf(file).includes(cluster)) this.errors.delete(key);
    }
    this.files = next;
    for (const [cluster, files] of matched) matched.set(cluster, files.filter((f) => next.has(f)));
    this.matched = matched;
    for (const cluster of this.effective.keys()) if (!matched.has(cluster)) this.effective.delete(cluster);
    for (const cluster of this.folders.keys()) if ((patternsOf.get(cluster) ?? []).length === 0) this.folders.delete(cluster);
    // A cluster that no longer has path files takes its limit series along.
    for (const key of this.limitHits.keys()) {
      const [cluster] = JSON.parse(key) as [string];
      if ((patternsOf.get(cluster) ?? []).length === 0) this.limitHits.delete(key);
    }
  }

  private async glob(cluster: string, patterns: readonly string[]): Promise<string[]> {
    const spend = new GlobSpend(this.globBudget);
    let timer: NodeJS.Timeout | undefined;
    try {
      // Dot files are left out (editors' swap files, and Kubernetes' `..data` folders whose
      // symlinked files are matched by their plain names). Linked directories are not descended
      // into (a link loop under `**` would never end); linked files are kept, and directories
      // dropped, by check()'s stat.
      // Loaded at the first listing: an exporter without path files never needs it (0.5 MB of heap).
      const { default: fg } = await import('fast-glob');
      const globs = patterns.map((pattern) => globPattern(pattern, this.platform));
      // The folders the patterns name, resolved once per cycle: a file must really be in one.
      this.folders.set(cluster, await realFolders(fg.generateTasks(globs).map((task) => task.base)));
      const listing = fg(globs, {
        absolute: true,
        onlyFiles: false,
        objectMode: true,
        followSymbolicLinks: false,
        dot: false,
        suppressErrors: true,
        unique: true,
        fs: { readdir: spend.readdir as unknown as typeof readdir },
      });
      // The deadline does not wait for a file system that stopped answering.
      const deadline = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.globBudget.timeMs);
      });
      const entries = await Promise.race([listing, deadline]);
      if (entries === undefined) spend.expire();
      if (spend.overrun !== undefined) return this.overBudget(cluster, patterns, spend.overrun);
      return (entries ?? [])
        .filter((entry) => !entry.dirent.isDirectory())
        .map((entry) => entry.path)
        .sort();
    } catch (error) {
      this.logger.warn({ sf_cluster: cluster, patterns, err: error }, 'path files: cannot list the files matching content_path_files');
      return this.matched.get(cluster) ? [...(this.matched.get(cluster) ?? [])] : [];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs and counts a listing that overran its budget (per pattern); the files matched before stay in force. */
  private overBudget(cluster: string, patterns: readonly string[], why: string): string[] {
    for (const pattern of patterns) {
      const key = JSON.stringify([cluster, pattern]);
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
    const kept = this.matched.get(cluster) ?? [];
    this.logger.warn(
      { sf_cluster: cluster, patterns },
      `path files: listing the files matching content_path_files ${why}, so it was stopped; the ${kept.length} files matched before stay in force (narrow the patterns)`,
    );
    return [...kept];
  }

  /** The file's state after this refresh, or undefined when it is gone (or is a directory). */
  private async check(
    file: string,
    clusters: readonly string[],
    limits: PathFilesConfig,
    parser: PathFileParser,
    folders: readonly string[],
  ): Promise<FileState | undefined> {
    const previous = this.files.get(file);
    let signature: string;
    let size: number;
    try {
      const info = await stat(file);
      // The glob does not tell linked directories from linked files; only files are path files.
      if (info.isDirectory()) return undefined;
      signature = `${info.mtimeMs}:${info.size}:${info.ino}`;
      size = info.size;
      if (previous?.signature === signature) return previous;
      if (!info.isFile()) return this.failed(file, clusters, previous, 'not a regular file', signature);
      // Once per version read, like the rest of what is said about a file.
      if ((info.mode & 0o002) !== 0) {
        this.logger.warn({ file }, 'path file is world-writable: anyone on this host can choose the paths polled (chmod o-w)');
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.failed(file, clusters, previous, `cannot stat: ${(error as Error).message}`, `stat-error:${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
    const tooLarge = (): FileState =>
      this.failed(file, clusters, previous, `larger than path_files.max_size (${formatSize(limits.maxBytes)})`, signature);
    if (size > limits.maxBytes) return tooLarge();
    // Checked for each new version before reading it: a link planted among the path files must not
    // make the exporter read (and parse, and describe) a file from elsewhere.
    if (!limits.followOutsideLinks) {
      let real: string;
      try {
        real = await realpath(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        return this.failed(file, clusters, previous, `cannot resolve: ${(error as Error).message}`, signature);
      }
      if (!isInside(real, folders)) {
        return this.failed(file, clusters, previous, 'a link to a file outside the folder of its pattern, not read (path_files.follow_outside_links is false)', signature);
      }
    }
    let bytes: Buffer | undefined;
    try {
      bytes = await readUpTo(file, limits.maxBytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.failed(file, clusters, previous, `cannot read: ${(error as Error).message}`, signature);
    }
    if (bytes === undefined) return tooLarge();
    try {
      const content = await parser.parse(bytes.toString('utf8'), limits.maxEntries, limits.maxPathLength);
      this.logger.info({ file, paths: content.entries.length, package: content.package, version: content.version }, previous ? 'path file changed' : 'path file loaded');
      return { signature, good: content };
    } catch (error) {
      return this.failed(file, clusters, previous, (error as Error).message, signature);
    }
  }

  /** Logs and counts one bad version of a file, once; its last good content stays in force. */
  private failed(file: string, clusters: readonly string[], previous: FileState | undefined, problem: string, signature: string): FileState {
    if (previous?.signature !== signature) {
      for (const cluster of clusters) {
        const key = JSON.stringify([cluster, file]);
        this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
      }
      const kept = previous?.good === undefined ? 'no content paths from it are polled' : `its last good content (${previous.good.entries.length} paths) stays in force`;
      this.logger.warn({ file, sf_clusters: clusters }, `path file malformed: ${problem}; ${kept}`);
    }
    return { signature, good: previous?.good };
  }
}
