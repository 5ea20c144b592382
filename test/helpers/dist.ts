/**
 * Tests that run the built CLI (`dist/`) test whatever was built last. Run without `npm run build`
 * (plain `npx jest`), they would pass or fail on old code; so they check first, and fail with what
 * to do, when a source file changed after its build.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The first source file newer than its build (or not built at all), if any. */
export function staleBuild(root = ROOT): { source: string; built: string } | undefined {
  for (const source of sources(join(root, 'src'))) {
    const built = join(root, 'dist', relative(root, source)).replace(/\.ts$/, '.js');
    let builtMs: number;
    try {
      builtMs = statSync(built).mtimeMs;
    } catch {
      return { source: relative(root, source), built: relative(root, built) };
    }
    if (statSync(source).mtimeMs > builtMs) return { source: relative(root, source), built: relative(root, built) };
  }
  return undefined;
}

let checked = false;

/**
 * Throws, saying to run `npm run build`, when dist/ is older than src/. Under StrykerJS
 * (STRYKER_MUTATOR_WORKER) src/ is instrumented in a sandbox, so dist/ is older by construction and
 * the few tests that run it run unmutated code on purpose.
 */
export function assertBuilt(): void {
  if (checked || process.env.STRYKER_MUTATOR_WORKER !== undefined) return;
  const stale = staleBuild();
  if (stale) throw new Error(`dist/ is older than src/ (${stale.source} changed after ${stale.built} was built): run npm run build first (npm test does)`);
  checked = true;
}
