import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'sf-upload-exporter';

/** The package's root directory, found by walking up from this file (works from src/ and dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function readVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The source revision: $SF_UPLOAD_EXPORTER_REVISION (set by image builds), else the git checkout's HEAD, else "unknown". */
function readRevision(root: string): string {
  const fromEnv = process.env.SF_UPLOAD_EXPORTER_REVISION;
  if (fromEnv) return fromEnv;
  try {
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    const sha = ref ? readFileSync(join(root, '.git', ref), 'utf8').trim() : head;
    return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 12) : 'unknown';
  } catch {
    return 'unknown';
  }
}

const root = packageRoot();

/** The exporter's version, from package.json. */
export const VERSION = readVersion(root);
/** The source revision the exporter was built from. */
export const REVISION = readRevision(root);
/** The User-Agent sent to clusters. */
export const USER_AGENT = `${PACKAGE_NAME}/${VERSION} (node ${process.version})`;
