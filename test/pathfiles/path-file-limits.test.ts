import { describe, expect, it } from '@jest/globals';
import { capFilePaths, capPackageFiles, clustersByFile } from '../../src/pathfiles/path-file-limits.js';
import { clusterPackages } from '../../src/pathfiles/package-model.js';

describe('clustersByFile', () => {
  it('tells each file the clusters that matched it, once each', () => {
    const matched = new Map([
      ['prod', ['/p/a.yaml', '/p/b.yaml']],
      ['dev', ['/p/b.yaml', '/d/c.yaml']],
      ['none', []],
    ]);
    expect(clustersByFile(matched)).toEqual(
      new Map([
        ['/p/a.yaml', ['prod']],
        ['/p/b.yaml', ['prod', 'dev']],
        ['/d/c.yaml', ['dev']],
      ]),
    );
  });

  it('takes one pass over 200,000 matched files (a lookup per file in each list would be 4 × 10^10 steps)', () => {
    const files = Array.from({ length: 200_000 }, (_, i) => `/paths.d/release-${i}.yaml`);
    const byFile = clustersByFile(new Map([['prod', files], ['dev', files.slice(100_000)]]));
    expect(byFile.size).toBe(200_000);
    expect(byFile.get('/paths.d/release-0.yaml')).toEqual(['prod']);
    expect(byFile.get('/paths.d/release-199999.yaml')).toEqual(['prod', 'dev']);
  }, 5_000);
});

describe('capFilePaths', () => {
  it('keeps the first distinct paths not configured, and counts them all', () => {
    expect(capFilePaths(['c'], ['a', 'c', 'b', 'a', 'd'], 2)).toEqual({ kept: ['a', 'b'], listed: 3 });
    expect(capFilePaths([], ['a', 'b'], 2)).toEqual({ kept: ['a', 'b'], listed: 2 });
  });
});

describe('capPackageFiles', () => {
  const content = (name: string, paths: string[]) => ({ file: `/p/${name}.yaml`, content: { package: name, entries: paths.map((path) => ({ path })) } });

  it('keeps whole packages in name order up to the first that does not fit', () => {
    const packages = clusterPackages([content('B', ['x', 'y']), content('A', ['x']), content('C', ['z'])], 0);
    expect(capPackageFiles(packages, 4)).toEqual({ packages, listed: 4, kept: 4 });
    const capped = capPackageFiles(packages, 3);
    expect(capped.listed).toBe(4);
    expect(capped.kept).toBe(3);
    expect(capped.packages.packages.map((p) => p.name)).toEqual(['A', 'B']);
    expect([...capped.packages.byPath]).toEqual([
      ['x', [{ package: 0, expectedBytes: undefined }, { package: 1, expectedBytes: undefined }]],
      ['y', [{ package: 1, expectedBytes: undefined }]],
    ]);
    // B alone would fit, but no package past the first that does not fit is counted: the order stays fixed.
    expect(capPackageFiles(clusterPackages([content('A', ['x', 'y', 'z']), content('B', ['x'])], 0), 2).packages.packages).toEqual([]);
  });
});
