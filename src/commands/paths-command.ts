/**
 * `sf-upload-exporter paths`: the path file for a package that a pipeline is about to upload: its
 * content paths with their sizes, under the package's application type and version.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../config/duration.js';
import { formatPathFile, pathFileContent, PathFileError } from '../pathfiles/path-file-format.js';
import { terminalSafe } from '../status/terminal-safe.js';
import { packageFiles, PackagePathsError, SEPARATORS, type PackageFile, type Separator } from '../pathfiles/package-content-paths.js';
import { APPLICATION_MANIFEST, readApplicationType, type ApplicationType } from '../pathfiles/package-manifest.js';

interface PathsFlags {
  package: string;
  storePath?: string;
  separator: Separator;
  expiresIn?: string;
  outputFile?: string;
}

/** Builds the `paths` subcommand. */
export function pathsCommand(): Command {
  return new Command('paths')
    .description(
      'print the content paths that uploading an application package creates, with each file\'s size, in the path-file format (content_path_files), named after the package\'s application type and version',
    )
    .requiredOption('--package <dir>', 'local application package folder (the one holding ApplicationManifest.xml)')
    .option('--store-path <folder>', 'folder in the image store the package is uploaded to (default: the package folder name)')
    .addOption(new Option('--separator <sep>', 'separator the uploader uses between folders').choices(SEPARATORS).default('\\'))
    .option('--expires-in <duration>', 'drop the paths from polling this long from now (e.g. 2h): the entries get an expires time')
    .option('--output-file <file>', 'write the file atomically (temporary file, then rename) instead of printing it')
    .action(async (flags: PathsFlags) => {
      process.exitCode = await runPaths(flags);
    });
}

/** Writes `error: …` on stderr; a file name or manifest text in it cannot reach the terminal as control characters. */
function fail(message: string): number {
  process.stderr.write(`error: ${terminalSafe(message)}\n`);
  return 1;
}

/** Most links and other entries left out that are named one by one; the rest are counted. */
const MAX_SKIPPED_NAMED = 10;

/**
 * Why the exporter would refuse `type` as the `package` and `version` of the path file, in the
 * exporter's own words (the path-file rules), or undefined.
 */
function exporterRefusal(type: ApplicationType): string | undefined {
  try {
    pathFileContent({ package: type.name, version: type.version, paths: [] });
    return undefined;
  } catch (error) {
    if (error instanceof PathFileError) return error.message;
    throw error;
  }
}

async function runPaths(flags: PathsFlags): Promise<number> {
  let expiresMs: number | undefined;
  if (flags.expiresIn !== undefined) {
    try {
      expiresMs = Date.now() + parseDuration(flags.expiresIn);
    } catch (error) {
      return fail(`--expires-in: ${(error as Error).message}`);
    }
  }
  let files: PackageFile[];
  let type: ApplicationType | undefined;
  const skipped: string[] = [];
  try {
    files = await packageFiles({
      packageDir: flags.package,
      storePath: flags.storePath,
      separator: flags.separator,
      onSkipped: (path, reason) => skipped.push(`${path}: ${reason}`),
    });
    type = await readApplicationType(resolve(flags.package));
  } catch (error) {
    if (error instanceof PackagePathsError) return fail(error.message);
    throw error;
  }
  if (skipped.length > 0) {
    const named = skipped.slice(0, MAX_SKIPPED_NAMED).map((line) => `  ${terminalSafe(line)}\n`).join('');
    const more = skipped.length > MAX_SKIPPED_NAMED ? `  … and ${skipped.length - MAX_SKIPPED_NAMED} more\n` : '';
    process.stderr.write(`note: ${skipped.length} ${skipped.length === 1 ? 'entry is' : 'entries are'} not listed:\n${named}${more}`);
  }
  if (type === undefined) {
    process.stderr.write(`note: no ${APPLICATION_MANIFEST} in ${terminalSafe(resolve(flags.package))}: the paths are not named as a package, so the exporter names the package after the path file\n`);
  } else {
    const refusal = exporterRefusal(type);
    if (refusal !== undefined) {
      return fail(`${join(resolve(flags.package), APPLICATION_MANIFEST)}: its ApplicationTypeName and ApplicationTypeVersion name the package and its version, which the exporter would refuse: ${refusal}`);
    }
  }
  const text = formatPathFile(
    {
      ...(type === undefined ? {} : { package: type.name, version: type.version }),
      entries: files.map(({ path, size }) => (expiresMs === undefined ? { path, size } : { path, size, expiresMs })),
    },
    // A comment is printed as it is: a name with ESC or BEL in it would reach the terminal.
    `Content paths of an upload of ${terminalSafe(type === undefined ? basename(resolve(flags.package)) : `${type.name} ${type.version}`)}; written by sf-upload-exporter paths.`,
  );
  if (flags.outputFile === undefined) {
    process.stdout.write(text);
    return 0;
  }
  // The exporter may read the file at any moment: it must see the old list or the new one, never half.
  const target = resolve(flags.outputFile);
  // A dot file in the same folder: the exporter's globs skip dot files, and rename stays atomic.
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    return fail(`cannot write ${target}: ${(error as Error).message}`);
  }
  process.stderr.write(`wrote ${files.length} content paths to ${target}\n`);
  return 0;
}
