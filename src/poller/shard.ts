import { createHash } from 'node:crypto';
import type { ClusterTarget } from './cycle.js';

/** This process's share of the paths: `--shard.index` of `--shard.count`. */
export interface Shard {
  /** 0-based, below `count`. */
  readonly index: number;
  /** How many processes share the paths; 1 means this one polls everything. */
  readonly count: number;
}

/** Polls every path: the default when no shard flags are given. */
export const ALL_PATHS: Shard = { index: 0, count: 1 };

/** A bad `--shard.*` flag; the message names the flag. */
export class ShardError extends Error {
  override readonly name = 'ShardError';
}

function nonNegativeInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ShardError(`${flag} must be a non-negative integer, got "${text}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new ShardError(`${flag} is too large: ${text}`);
  return value;
}

/** Validates `--shard.index` and `--shard.count` (as given on the command line). */
export function parseShard(indexText: string, countText: string): Shard {
  const count = nonNegativeInteger('--shard.count', countText);
  if (count < 1) throw new ShardError(`--shard.count must be at least 1, got ${count}`);
  const index = nonNegativeInteger('--shard.index', indexText);
  if (index >= count) throw new ShardError(`--shard.index must be below --shard.count (${count}), got ${index}`);
  return { index, count };
}

// 64 bits of SHA-256: stable across processes, versions and platforms, unlike a seeded hash.
function weight(cluster: string, contentPath: string, shardIndex: number): bigint {
  return createHash('sha256').update(JSON.stringify([cluster, contentPath, shardIndex])).digest().readBigUInt64BE(0);
}

/**
 * The shard that polls (cluster, content path): rendezvous (highest random weight) hashing, so
 * every path has exactly one owner, and going from n to n + 1 shards moves only the paths the new
 * shard wins, about 1/(n + 1) of them; no path moves between the shards that stay.
 */
export function shardOf(cluster: string, contentPath: string, count: number): number {
  let best = 0;
  let bestWeight = -1n;
  for (let i = 0; i < count; i += 1) {
    const w = weight(cluster, contentPath, i);
    // Stryker disable next-line EqualityOperator: two 64-bit SHA-256 weights never tie
    if (w > bestWeight) {
      best = i;
      bestWeight = w;
    }
  }
  return best;
}

/** Whether this shard polls (cluster, content path). */
export function ownsPath(cluster: string, contentPath: string, shard: Shard): boolean {
  // Stryker disable next-line ConditionalExpression: with one shard shardOf is 0, the only index: the shortcut saves the hash
  return shard.count === 1 || shardOf(cluster, contentPath, shard.count) === shard.index;
}

/** The targets with only the paths this shard owns; clusters left with no path are dropped. */
export function shardTargets<T extends Pick<ClusterTarget, 'cluster' | 'contentPaths'>>(targets: readonly T[], shard: Shard): T[] {
  if (shard.count === 1) return [...targets];
  return targets
    .map((t) => ({ ...t, contentPaths: t.contentPaths.filter((p) => ownsPath(t.cluster, p, shard)) }))
    .filter((t) => t.contentPaths.length > 0);
}
