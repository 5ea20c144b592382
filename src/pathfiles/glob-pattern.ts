/**
 * Path-file patterns as fast-glob reads them, and the folder each one names. fast-glob wants `/`
 * between folders on every platform and reads `\` as an escape, so a Windows pattern such as
 * `C:\ProgramData\exporter\paths.d\*.yaml` (what the configuration and Node's path functions give
 * there) matched nothing until its separators were turned.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A configured pattern as fast-glob reads it on `platform`: on Windows `\` is a separator (no file name holds one), so it becomes `/`. */
export function globPattern(pattern: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? pattern.replaceAll('\\', '/') : pattern;
}

/**
 * The real folders of patterns, given the static part of each (fast-glob's task bases): where the
 * path files of a cluster are meant to be. A folder that cannot be resolved (not there yet) is
 * taken as written.
 */
export async function realFolders(bases: readonly string[]): Promise<string[]> {
  return Promise.all(bases.map(async (base) => realpath(base).catch(() => resolve(base))));
}

/** Whether the real path `file` lies inside one of the real `folders`. */
export function isInside(file: string, folders: readonly string[]): boolean {
  return folders.some((folder) => {
    const rel = relative(folder, file);
    return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
  });
}
