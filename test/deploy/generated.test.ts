import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { GENERATED_FILES } from './generated.js';
import { repoFile } from './paths.js';

// `npm run deploy:generate` runs this file with the variable set, to rewrite the files instead.
const UPDATE = process.env.SF_UPDATE_GENERATED === '1';
// CI checks the committed files and never rewrites them: a rewrite would compare the generator with itself.
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

describe('generated deployment files', () => {
  it.each(GENERATED_FILES.map((f) => [relative(repoFile(''), f.path), f] as const))('%s is up to date', (_name, file) => {
    const expected = file.content();
    if (UPDATE && IN_CI) throw new Error('SF_UPDATE_GENERATED=1 under CI: CI checks the committed files against their sources and never rewrites them');
    if (UPDATE) {
      mkdirSync(dirname(file.path), { recursive: true });
      writeFileSync(file.path, expected);
    }
    const committed = existsSync(file.path) ? readFileSync(file.path, 'utf8') : '(missing)';
    // A plain toBe would print both whole files; name the file and the command instead.
    if (committed !== expected) throw new Error(`${file.path} is stale: regenerate it from ${file.from} with npm run deploy:generate`);
    expect(committed.length).toBeGreaterThan(0);
  });
});
