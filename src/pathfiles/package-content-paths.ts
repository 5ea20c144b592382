/**
 * The content paths an upload of a local application package creates in the image store: one per
 * file, `{store path}{separator}{path under the package folder}`. This is how the official .NET
 * uploader (`UploadApplicationPackageAsync` of Microsoft.ServiceFabric.Client.Http) and
 * `Copy-ServiceFabricApplicationPackage` name them: the store path trimmed of leading and trailing
 * `\` and `/`, defaulting to the package folder's name, joined with the Windows separator `\`.
 */
import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';

/** The separators an uploader may use between folders: `\` (the Windows uploaders) or `/`. */
export const SEPARATORS = ['\\', '/'] as const;
export type Separator = (typeof SEPARATORS)[number];

/** A package folder that cannot be listed, or a store path that is empty. */
export class PackagePathsError extends Error {
  override readonly name = 'PackagePathsError';
}

interface PackagePathsOptions {
  /** Local application package folder (the one holding ApplicationManifest.xml). */
  readonly packageDir: string;
  /** Folder in the image store (`-ApplicationPackagePathInImageStore`); default: the package folder's name. */
  readonly storePath?: string;
  /** @default '\\' */
  readonly separator?: Separator;
  /** Hears of each entry left out of the list, by its path under the package folder (with `/`) and why. */
  readonly onSkipped?: (path: string, reason: string) => void;
}

/** One file of the package: its content path and its size in bytes. */
export interface PackageFile {
  readonly path: string;
  readonly size: number;
}

/** Whether `path` (a real path) is `root` (a real path) or under it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * The size of the file `path` under `root` uploads, or why it is left out: a link is followed only
 * to a regular file inside the package (a folder link could loop or add another tree; a link out
 * would list files that are not the package's); anything but a regular file (a FIFO, a socket, a
 * device) is not a package file.
 */
async function uploadedSize(root: string, path: string, stats: Stats | undefined): Promise<number | string> {
  if (stats?.isFile() === true) return stats.size;
  if (stats?.isSymbolicLink() !== true) return 'not a regular file';
  let target: string;
  let targetStats: Stats;
  try {
    target = await realpath(join(root, path));
    targetStats = await stat(target);
  } catch (error) {
    return `a link that cannot be followed (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (!isInside(root, target)) return 'a link that leaves the package folder';
  if (targetStats.isDirectory()) return 'a link to a folder (folder links are not followed)';
  if (!targetStats.isFile()) return 'a link to something other than a regular file';
  return targetStats.size;
}

/** Lists the files with their content paths and sizes, sorted ordinally by path; throws `PackagePathsError`. */
export async function packageFiles(options: PackagePathsOptions): Promise<PackageFile[]> {
  let dir: string;
  let isDir: boolean;
  try {
    // The real path: the folder a link given as --package points to is the package.
    dir = await realpath(resolve(options.packageDir));
    isDir = (await stat(dir)).isDirectory();
  } catch (error) {
    throw new PackagePathsError(`cannot read the package folder ${resolve(options.packageDir)}: ${(error as Error).message}`);
  }
  if (!isDir) throw new PackagePathsError(`the package ${dir} is not a folder`);
  const separator = options.separator ?? '\\';
  // Named as given, as the uploaders name it, even when it is a link.
  const store = (options.storePath ?? basename(resolve(options.packageDir))).replace(/^[\\/]+|[\\/]+$/g, '');
  if (store === '') throw new PackagePathsError('the store path is empty: give the folder in the image store, e.g. --store-path MyAppV2');
  // Every file is uploaded, dot files included; fast-glob answers with `/` on every platform.
  // Links are not followed by the walk (two `ln -s .` would make it endless) but looked at one by
  // one. Loaded here rather than at start: every exporter process imports this command's definition.
  const { default: fg } = await import('fast-glob');
  let entries: Array<{ path: string; stats?: Stats }>;
  try {
    entries = await fg('**/*', { cwd: dir, onlyFiles: false, dot: true, followSymbolicLinks: false, stats: true });
  } catch (error) {
    throw new PackagePathsError(`cannot list the package folder ${dir}: ${(error as Error).message}`);
  }
  const files: PackageFile[] = [];
  for (const entry of entries) {
    if (entry.stats?.isDirectory() === true) continue;
    const size = await uploadedSize(dir, entry.path, entry.stats);
    if (typeof size === 'string') {
      options.onSkipped?.(entry.path, size);
      continue;
    }
    files.push({ path: `${store}${separator}${entry.path.split('/').join(separator)}`, size });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
