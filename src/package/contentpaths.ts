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

export interface PackagePathsOptions {
  /** Local application package folder (the one holding ApplicationManifest.xml). */
  readonly packageDir: string;
  /** Folder in the image store (`-ApplicationPackagePathInImageStore`); default: the package folder's name. */
  readonly storePath?: string;
  /** @default '\\' */
  readonly separator?: Separator;
}

/** Lists the content paths, sorted ordinally; throws `PackagePathsError`. */
export async function packageContentPaths(options: PackagePathsOptions): Promise<string[]> {
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
  // Every file is uploaded, dot files included; fast-glob answers with `/` on every platform.
  // Loaded here rather than at start: every exporter process imports this command's definition.
  const { default: fg } = await import('fast-glob');
  const files = await fg('**/*', { cwd: dir, onlyFiles: true, dot: true, followSymbolicLinks: true });
  return files.map((file) => `${store}${separator}${file.split('/').join(separator)}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
