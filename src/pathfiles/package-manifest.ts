/**
 * The application type an application package holds: `ApplicationTypeName` and
 * `ApplicationTypeVersion` of its `ApplicationManifest.xml`, which name the package in the path file
 * `paths --package` writes. Read with fast-xml-parser: the manifest is XML with a namespace, and only
 * two attributes of its root are wanted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackagePathsError } from './package-content-paths.js';

/** The manifest's file name at the root of a package. */
export const APPLICATION_MANIFEST = 'ApplicationManifest.xml';

/** A manifest is a few kilobytes; a larger one is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The application type of a package. */
export interface ApplicationType {
  readonly name: string;
  readonly version: string;
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
    const bytes = await readFile(file);
    if (bytes.length > MAX_MANIFEST_BYTES) throw new PackagePathsError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes: not an application manifest`);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof PackagePathsError) throw error;
    throw new PackagePathsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // Loaded here rather than at start: every exporter process imports the paths command's definition.
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new PackagePathsError(`${file} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  // No entity expansion: a manifest has no use for it, and it is how XML is made to explode.
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, processEntities: false }).parse(text) as Record<string, unknown>;
  const root = parsed.ApplicationManifest as Record<string, unknown> | undefined;
  const name = root?.ApplicationTypeName;
  const version = root?.ApplicationTypeVersion;
  if (typeof name !== 'string' || name.trim() === '' || typeof version !== 'string' || version.trim() === '') {
    throw new PackagePathsError(`${file} names no application type: its ApplicationManifest element needs ApplicationTypeName and ApplicationTypeVersion`);
  }
  return { name: name.trim(), version: version.trim() };
}
