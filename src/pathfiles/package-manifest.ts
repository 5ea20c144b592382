/**
 * The application type an application package holds: `ApplicationTypeName` and
 * `ApplicationTypeVersion` of its `ApplicationManifest.xml`, which name the package in the path file
 * `paths --package` writes. Read with fast-xml-parser: the manifest is XML with a namespace, and only
 * two attributes of its root are wanted.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside, PackagePathsError } from './package-content-paths.js';

/** The manifest's file name at the root of a package. */
export const APPLICATION_MANIFEST = 'ApplicationManifest.xml';

/** A manifest is a few kilobytes; a larger one is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Longest parser message quoted: one line, whatever the parser says. */
const MAX_PARSER_MESSAGE = 200;

/** The application type of a package. */
export interface ApplicationType {
  readonly name: string;
  readonly version: string;
}

/**
 * Reads `file` only if it is a regular file of at most MAX_MANIFEST_BYTES, checked on the opened
 * descriptor: opened without following a link and without blocking, so a FIFO cannot hang the
 * command, and `/dev/zero` or a growing file cannot be read without bound.
 */
async function readBoundedRegularFile(file: string): Promise<Buffer> {
  // O_NOFOLLOW and O_NONBLOCK do not exist on Windows, which has no FIFOs in the file system.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PackagePathsError(`${file} is not a regular file: not an application manifest`);
    if (stats.size > MAX_MANIFEST_BYTES) throw new PackagePathsError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes: not an application manifest`);
    // One byte more than allowed tells a file that grew since the check from one that did not.
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_MANIFEST_BYTES) throw new PackagePathsError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes: not an application manifest`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * The manifest's real path: itself, or where a link to a file inside the package leads (as the
 * listing follows such links); a link out of the package is refused, not read.
 */
async function manifestFile(packageDir: string, file: string, stats: Stats): Promise<string> {
  if (!stats.isSymbolicLink()) return file;
  const [root, target] = await Promise.all([realpath(packageDir), realpath(file)]);
  if (!isInside(root, target)) throw new PackagePathsError(`${file} is a link that leaves the package folder: not read`);
  return target;
}

/** A parser's error as one bounded line (it may quote the file; the command's caller escapes it for the terminal). */
function oneLine(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_PARSER_MESSAGE ? `${line.slice(0, MAX_PARSER_MESSAGE)}…` : line;
}

/**
 * The application type named by `ApplicationManifest.xml` at the root of `packageDir`; undefined
 * when the package has no manifest. Throws `PackagePathsError` for a manifest that cannot be read
 * or names no type.
 */
export async function readApplicationType(packageDir: string): Promise<ApplicationType | undefined> {
  const file = join(packageDir, APPLICATION_MANIFEST);
  let text: string;
  try {
    const bytes = await readBoundedRegularFile(await manifestFile(packageDir, file, await lstat(file)));
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof PackagePathsError) throw error;
    throw new PackagePathsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // Loaded here rather than at start: every exporter process imports the paths command's definition.
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new PackagePathsError(`${file} is not well-formed XML: ${oneLine(valid.err.msg)} (line ${valid.err.line})`);
  let parsed: Record<string, unknown>;
  try {
    // No entity expansion: a manifest has no use for it, and it is how XML is made to explode.
    parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, processEntities: false }).parse(text) as Record<string, unknown>;
  } catch (error) {
    // The parser refuses what a manifest never holds: external entities, nesting beyond its depth, names such as __proto__.
    throw new PackagePathsError(`${file} is not an application manifest this command reads: ${oneLine((error as Error).message)}`);
  }
  const root = parsed.ApplicationManifest as Record<string, unknown> | undefined;
  const name = root?.ApplicationTypeName;
  const version = root?.ApplicationTypeVersion;
  if (typeof name !== 'string' || name.trim() === '' || typeof version !== 'string' || version.trim() === '') {
    throw new PackagePathsError(`${file} names no application type: its ApplicationManifest element needs ApplicationTypeName and ApplicationTypeVersion`);
  }
  return { name: name.trim(), version: version.trim() };
}
