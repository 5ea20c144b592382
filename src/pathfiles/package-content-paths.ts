/**
 * The content paths an upload of a local application package creates in the image store: one per
 * file, `{store path}{separator}{path under the package folder}`. This is how the official .NET
 * uploader (`UploadApplicationPackageAsync` of Microsoft.ServiceFabric.Client.Http) and
 * `Copy-ServiceFabricApplicationPackage` name them: the store path trimmed of leading and trailing
 * `\` and `/`, defaulting to the package folder's name, joined with the Windows separator `\`.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';

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
}

/** One file of the package: its content path and its size in bytes. */
export interface PackageFile {
  readonly path: string;
  readonly size: number;
}

/** Lists the files with their content paths and sizes, sorted ordinally by path; throws `PackagePathsError`. */
export async function packageFiles(options: PackagePathsOptions): Promise<PackageFile[]> {
  const dir = resolve(options.packageDir);
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (error) {
    throw new PackagePathsError(`cannot read the package folder ${dir}: ${(error as Error).message}`);
  }
  if (!isDir) throw new PackagePathsError(`the package ${dir} is not a folder`);
  const separator = options.separator ?? '\\';
  const store = (options.storePath ?? basename(dir)).replace(/^[\\/]+|[\\/]+$/g, '');
  if (store === '') throw new PackagePathsError('the store path is empty: give the folder in the image store, e.g. --store-path MyAppV2');
  // Every file is uploaded, dot files included; fast-glob answers with `/` on every platform, and
  // with each file's size (a linked file's: what the uploader reads). Loaded here rather than at
  // start: every exporter process imports this command's definition.
  const { default: fg } = await import('fast-glob');
  const files = await fg('**/*', { cwd: dir, onlyFiles: true, dot: true, followSymbolicLinks: true, stats: true });
  return files
    .map((file) => ({ path: `${store}${separator}${file.path.split('/').join(separator)}`, size: file.stats?.size ?? 0 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
