/**
 * Path files (`clusters[].content_path_files`): the content paths that upload pipelines announce,
 * re-read when they change. Checked once per poll cycle, before it starts: a glob and one `stat`
 * per file, and a read only when a file's modification time, size or inode changed. That is cheap,
 * needs no file-system watcher, and sees files replaced by an atomic rename (new inode) and
 * Kubernetes ConfigMap volumes (symlink swaps) alike.
 */
import { readFile, stat } from 'node:fs/promises';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import type { Logger } from '../log.js';
import { parsePathFile, type PathFileEntry } from '../config/pathfile.js';
import type { ClusterTarget } from './cycle.js';

/** Where a polled content path comes from: the configuration file or a path file. */
export type PathSource = 'config' | 'file';

/** One content path to poll, with where it comes from. */
export interface EffectivePath {
  readonly path: string;
  readonly source: PathSource;
}

interface FileState {
  /** Modification time, size and inode of the version last read. */
  readonly signature: string;
  /** The last content that parsed; undefined when no version of the file ever did. */
  readonly good: readonly PathFileEntry[] | undefined;
}

/** How many content paths a cluster polls, by source; for `servicefabric_imagestore_watched_paths`. */
export interface WatchedCount {
  readonly cluster: string;
  readonly source: PathSource;
  readonly count: number;
}

/** Malformed versions seen of one file, for one cluster; for `servicefabric_exporter_path_file_errors_total`. */
export interface PathFileErrorCount {
  readonly cluster: string;
  readonly file: string;
  readonly count: number;
}

/** Files read at once during a refresh. */
const READ_CONCURRENCY = 8;

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
  readonly names: readonly string[];
  readonly sources: ReadonlyMap<string, PathSource>;
  /** How many of `names` come from the configuration (the rest come from files). */
  readonly fromConfig: number;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
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

  constructor(options: { logger: Logger; now?: () => number }) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /**
   * Re-reads what changed and returns the targets with their effective content paths; the poller
   * calls it at the start of every cycle, so a changed file takes effect at the next cycle boundary.
   */
  async resolveTargets(targets: readonly ClusterTarget[]): Promise<ClusterTarget[]> {
    await this.refresh(targets);
    return targets.map((target) => ({ ...target, contentPaths: this.resolve(target) }));
  }

  /** The source of a content path of a cluster, as of the last cycle; undefined if it is not polled. */
  sourceOf(cluster: string, path: string): PathSource | undefined {
    return this.effective.get(cluster)?.sources.get(path);
  }

  /** Content paths polled per cluster and source, as of the last cycle. */
  watched(): WatchedCount[] {
    const counts: WatchedCount[] = [];
    for (const [cluster, list] of this.effective) {
      counts.push({ cluster, source: 'config', count: list.fromConfig }, { cluster, source: 'file', count: list.names.length - list.fromConfig });
    }
    return counts;
  }

  /** Malformed versions seen per cluster and file, for files that still match a pattern. */
  fileErrors(): PathFileErrorCount[] {
    return [...this.errors].map(([key, count]) => {
      const [cluster, file] = JSON.parse(key) as [string, string];
      return { cluster, file, count };
    });
  }

  /** The cluster's effective content paths now. */
  private resolve(target: ClusterTarget): readonly string[] {
    const nowMs = this.now();
    const fromFiles: string[] = [];
    for (const file of this.matched.get(target.cluster) ?? []) {
      for (const entry of this.files.get(file)?.good ?? []) {
        if (entry.expiresMs === undefined || entry.expiresMs > nowMs) fromFiles.push(entry.path);
      }
    }
    // Unchanged inputs (the usual cycle) keep the previous list: rebuilding 10,000s of entries per
    // cycle only to get equal ones was garbage the collector had to chase.
    const last = this.effective.get(target.cluster);
    if (last && last.configured === target.contentPaths && sameList(last.fromFiles, fromFiles)) return last.names;
    const paths = mergePaths(target.contentPaths, fromFiles);
    const list: EffectiveList = {
      configured: target.contentPaths,
      fromFiles,
      names: paths.map((p) => p.path),
      sources: new Map(paths.map((p) => [p.path, p.source])),
      fromConfig: paths.filter((p) => p.source === 'config').length,
    };
    this.effective.set(target.cluster, list);
    return list.names;
  }

  private async refresh(targets: readonly ClusterTarget[]): Promise<void> {
    const matched = new Map<string, readonly string[]>();
    for (const target of targets) {
      const patterns = target.contentPathFiles ?? [];
      matched.set(target.cluster, patterns.length === 0 ? [] : await this.glob(target.cluster, patterns));
    }
    const all = new Set([...matched.values()].flat());
    const clustersOf = (file: string): string[] => [...matched].filter(([, files]) => files.includes(file)).map(([c]) => c);
    const limit = pLimit(READ_CONCURRENCY);
    const next = new Map<string, FileState>();
    await Promise.all([...all].map((file) => limit(async () => {
      const state = await this.check(file, clustersOf(file));
      if (state) next.set(file, state);
    })));
    for (const file of this.files.keys()) {
      if (!next.has(file)) this.logger.info({ file }, 'path file removed: its content paths are no longer polled');
    }
    // A removed file takes its error series along: counters per file would otherwise only grow.
    for (const key of this.errors.keys()) {
      const [cluster, file] = JSON.parse(key) as [string, string];
      if (!next.has(file) || !matched.get(cluster)?.includes(file)) this.errors.delete(key);
    }
    this.files = next;
    for (const [cluster, files] of matched) matched.set(cluster, files.filter((f) => next.has(f)));
    this.matched = matched;
    for (const cluster of this.effective.keys()) if (!matched.has(cluster)) this.effective.delete(cluster);
  }

  private async glob(cluster: string, patterns: readonly string[]): Promise<string[]> {
    try {
      // Dot files are left out (editors' swap files, and Kubernetes' `..data` folders whose
      // symlinked files are matched by their plain names).
      const files = await fg([...patterns], { absolute: true, onlyFiles: true, dot: false, suppressErrors: true, unique: true });
      return files.sort();
    } catch (error) {
      this.logger.warn({ sf_cluster: cluster, patterns, err: error }, 'path files: cannot list the files matching content_path_files');
      return this.matched.get(cluster) ? [...(this.matched.get(cluster) ?? [])] : [];
    }
  }

  /** The file's state after this refresh, or undefined when it is gone. */
  private async check(file: string, clusters: readonly string[]): Promise<FileState | undefined> {
    const previous = this.files.get(file);
    let signature: string;
    try {
      const info = await stat(file);
      signature = `${info.mtimeMs}:${info.size}:${info.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.failed(file, clusters, previous, `cannot stat: ${(error as Error).message}`, `stat-error:${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
    if (previous?.signature === signature) return previous;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.failed(file, clusters, previous, `cannot read: ${(error as Error).message}`, signature);
    }
    try {
      const entries = parsePathFile(text);
      this.logger.info({ file, paths: entries.length }, previous ? 'path file changed' : 'path file loaded');
      return { signature, good: entries };
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
      const kept = previous?.good === undefined ? 'no content paths from it are polled' : `its last good content (${previous.good.length} paths) stays in force`;
      this.logger.warn({ file, sf_clusters: clusters }, `path file malformed: ${problem}; ${kept}`);
    }
    return { signature, good: previous?.good };
  }
}
