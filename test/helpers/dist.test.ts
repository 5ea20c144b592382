/** The guard of the tests that run dist/: a source changed after its build is named. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleBuild } from './dist.js';

const root = mkdtempSync(join(tmpdir(), 'sfue-dist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, at: Date): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), '');
  utimesSync(join(root, path), at, at);
}

describe('staleBuild', () => {
  it('names a source newer than its build, or not built, and nothing when every build is newer', () => {
    const older = new Date(Date.UTC(2030, 0, 1));
    const newer = new Date(Date.UTC(2030, 0, 2));
    file('src/poller/shard.ts', older);
    file('dist/src/poller/shard.js', newer);
    file('src/types.d.ts', newer);
    expect(staleBuild(root)).toBeUndefined();
    file('src/poller/shard.ts', new Date(Date.UTC(2030, 0, 3)));
    expect(staleBuild(root)).toEqual({ source: 'src/poller/shard.ts', built: 'dist/src/poller/shard.js' });
    file('src/poller/shard.ts', older);
    file('src/main.ts', older);
    expect(staleBuild(root)).toEqual({ source: 'src/main.ts', built: 'dist/src/main.js' });
  });
});
