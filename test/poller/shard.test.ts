import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { ALL_PATHS, ShardError, ownsPath, parseShard, shardOf, shardTargets } from '../../src/poller/shard.js';
import { assertBuilt } from '../helpers/dist.js';

// A fixed, deterministic path set: 3 clusters × 1000 paths shaped like real image-store paths.
const PATHS = ['prod-west', 'prod-east', 'test'].flatMap((cluster) =>
  Array.from({ length: 1000 }, (_, i) => ({ cluster, path: `App${i % 37}Pkg\\Code\\lib${i}.dll` })),
);

/** Shard counts of the pinned table. */
const SHARD_COUNTS = [2, 3, 4, 5, 8];

/** (cluster, content path, its owner among 2, 3, 4, 5 and 8 shards), as every release so far has assigned them. */
const PINNED: ReadonlyArray<readonly [string, string, readonly number[]]> = [
  ['prod-west', 'MyAppPkg', [0, 0, 0, 4, 5]],
  ['prod-west', 'SwaggerTest\\Common.dll', [0, 0, 0, 0, 5]],
  ['prod-east', 'MyAppPkg', [1, 1, 1, 1, 1]],
  ['prod-east', 'Store\\App7Pkg\\Code\\lib3.dll', [0, 2, 2, 4, 4]],
  ['test', 'apps/web/"quoted" name.zip', [0, 2, 2, 2, 2]],
  ['test', 'Ünïcödé\\データ.bin', [0, 0, 0, 0, 5]],
  ['prod-west', 'App1Pkg', [0, 0, 3, 4, 4]],
  ['prod-east', 'App0Pkg', [0, 2, 2, 2, 6]],
  ['prod-east', 'App1Pkg', [1, 2, 2, 2, 2]],
  ['prod-east', 'App2Pkg', [1, 1, 1, 1, 5]],
  ['prod-east', 'App5Pkg', [1, 2, 3, 4, 4]],
  ['prod-east', 'App6Pkg', [1, 1, 3, 3, 3]],
  ['prod-east', 'App11Pkg', [0, 0, 0, 0, 7]],
  ['prod-east', 'App15Pkg', [1, 1, 1, 1, 1]],
];

const ownersByCount = new Map<number, number[]>();

/** The owning shard of every path, asking each of `count` shards; throws unless exactly one owns it. */
function owners(count: number): number[] {
  const known = ownersByCount.get(count);
  if (known) return known;
  const result = PATHS.map(({ cluster, path }) => {
    const owning = [];
    for (let index = 0; index < count; index += 1) if (ownsPath(cluster, path, { index, count })) owning.push(index);
    if (owning.length !== 1) throw new Error(`${cluster} ${path}: owned by shards [${owning.join(', ')}] of ${count}`);
    return owning[0] as number;
  });
  ownersByCount.set(count, result);
  return result;
}

describe('sharding paths between exporter processes', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives every path exactly one owner among %i shards, and spreads them evenly', (count) => {
    const byShard = new Array<number>(count).fill(0);
    for (const owner of owners(count)) byShard[owner] = (byShard[owner] ?? 0) + 1;
    const fair = PATHS.length / count;
    for (const n of byShard) {
      expect(n).toBeGreaterThan(fair * 0.8);
      expect(n).toBeLessThan(fair * 1.2);
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7])('moves only paths that go to the new shard when going from %i to n + 1 shards, about 1/(n + 1) of them', (n) => {
    const before = owners(n);
    const after = owners(n + 1);
    const movedTo = PATHS.flatMap((_, i) => (before[i] === after[i] ? [] : [after[i]]));
    // A consistent hash never reshuffles paths between the shards that stay.
    expect(new Set(movedTo)).toEqual(new Set([n]));
    const moved = movedTo.length;
    const ideal = PATHS.length / (n + 1);
    expect(moved).toBeGreaterThan(ideal * 0.8);
    expect(moved).toBeLessThan(ideal * 1.2);
  });

  it('keeps the owners it has always given: an upgrade must not move paths between shards', () => {
    // Pinned, not computed: a change of hash, of its input or of the ranking would move every path
    // to another shard after an upgrade, leaving it unpolled or polled twice while versions mix.
    for (const [cluster, path, expected] of PINNED) {
      expect({ cluster, path, owners: SHARD_COUNTS.map((count) => shardOf(cluster, path, count)) }).toEqual({ cluster, path, owners: expected });
    }
  });

  it('is stable across processes: the built module, run in another Node process, gives the pinned owners', () => {
    const script = `
      import { shardOf } from ${JSON.stringify(new URL('../../dist/src/poller/shard.js', import.meta.url).href)};
      const pinned = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(pinned.map(([cluster, path]) => ${JSON.stringify(SHARD_COUNTS)}.map((count) => shardOf(cluster, path, count)))));
    `;
    assertBuilt();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(PINNED)], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(PINNED.map(([, , owners]) => owners));
  });

  it('hashes cluster and path as a pair: ("a", "bc") and ("ab", "c") are different paths', () => {
    const same = Array.from({ length: 50 }, (_, i) => shardOf(`a${i}`, 'bc', 8) === shardOf(`a${i}b`, 'c', 8));
    expect(same.some((s) => !s)).toBe(true);
  });

  it('keeps only owned paths in the poll targets and drops clusters left with none', () => {
    const targets = [
      { cluster: 'c1', contentPaths: ['a', 'b', 'c', 'd', 'e', 'f'] },
      { cluster: 'c2', contentPaths: ['x'] },
    ];
    const shards = [0, 1, 2].map((index) => shardTargets(targets, { index, count: 3 }));
    const polled = shards.flatMap((s) => s.flatMap((t) => t.contentPaths.map((p) => `${t.cluster}/${p}`))).sort();
    expect(polled).toEqual(['c1/a', 'c1/b', 'c1/c', 'c1/d', 'c1/e', 'c1/f', 'c2/x']);
    for (const s of shards) for (const t of s) expect(t.contentPaths.length).toBeGreaterThan(0);
    expect(shardTargets(targets, ALL_PATHS)).toEqual(targets);
  });

  it.each([
    ['0', '1', { index: 0, count: 1 }],
    ['3', '4', { index: 3, count: 4 }],
    ['12', '16', { index: 12, count: 16 }],
    // A value from an environment variable or a file may end in a newline.
    [' 1', '2\n', { index: 1, count: 2 }],
  ])('accepts --shard.index=%s --shard.count=%s', (index, count, expected) => {
    expect(parseShard(index, count)).toEqual(expected);
  });

  it.each([
    ['4', '4', '--shard.index must be below --shard.count (4), got 4'],
    ['-1', '4', '--shard.index must be a non-negative integer, got "-1"'],
    ['', '4', '--shard.index must be a non-negative integer, got ""'],
    ['1.5', '4', '--shard.index must be a non-negative integer, got "1.5"'],
    ['0', '0', '--shard.count must be at least 1, got 0'],
    ['0', 'two', '--shard.count must be a non-negative integer, got "two"'],
    ['0', '99999999999999999999', '--shard.count is too large: 99999999999999999999'],
  ])('rejects --shard.index=%s --shard.count=%s: %s', (index, count, message) => {
    expect(() => parseShard(index, count)).toThrow(new ShardError(message));
    expect(() => parseShard(index, count)).toThrow(expect.objectContaining({ name: 'ShardError' }));
  });

  it('leaves the targets as they are with one shard, a cluster without paths included', () => {
    const targets = [
      { cluster: 'c1', contentPaths: ['a'] },
      { cluster: 'empty', contentPaths: [] },
    ];
    expect(shardTargets(targets, ALL_PATHS)).toEqual(targets);
    expect(ownsPath('c1', 'anything', ALL_PATHS)).toBe(true);
  });
});
