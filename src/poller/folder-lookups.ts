/**
 * Store lookups by folder: the watched files of one image-store folder (the files of a package
 * share folders) are looked up with one listing of the folder rather than one request each, and
 * the listing answers for the folder's other watched files too, in later cycles, for as long as a
 * lookup of each stands.
 */
import { storeKey } from '../servicefabric/path.js';
import type { StoreFile } from '../servicefabric/store-file.js';
import type { StoreLookup } from '../model/path-state.js';
import { storeRecheckDueMs } from './recheck.js';

/** The folder a content path's file is in: its store key, and the folder as the path spells it. Undefined at the store's root. */
export function folderOf(contentPath: string): { key: string; spelled: string } | undefined {
  const key = storeKey(contentPath);
  const cut = key.lastIndexOf('\\');
  // A file at the root: the root's listing is another route, and lists every package.
  if (cut <= 0) return undefined;
  const trimmed = contentPath.replace(/^ +| +$/g, '').replace(/[\\/]+$/, '');
  const spelled = trimmed.slice(0, Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')));
  return { key: key.slice(0, cut), spelled };
}

/**
 * Whether `lookup` still answers for the path at `startedMs`: a file found stands until its recheck
 * is due (`poll.store_recheck_interval`, spread); no file found stands for `idleIntervalMs`
 * (`poll.idle_interval`; 0: never, every poll asks again).
 */
export function lookupStands(lookup: StoreLookup | undefined, startedMs: number, cluster: string, contentPath: string, recheckMs: number, idleIntervalMs: number): boolean {
  if (lookup === undefined) return false;
  if (lookup.file !== undefined) return startedMs < storeRecheckDueMs(lookup.checkedMs, recheckMs, cluster, contentPath);
  return startedMs < lookup.checkedMs + idleIntervalMs;
}

interface Listing {
  readonly checkedMs: number;
  /** Files of the folder by store key. */
  readonly files: ReadonlyMap<string, StoreFile>;
}

/** The folder listings of recent cycles, per cluster and folder key; owned by the poller across cycles. */
export class FolderListings {
  readonly #byCluster = new Map<string, Map<string, Listing>>();

  /** What the latest listing of the path's folder says about the path; undefined without one. */
  get(cluster: string, contentPath: string): StoreLookup | undefined {
    const folder = folderOf(contentPath);
    const listing = folder && this.#byCluster.get(cluster)?.get(folder.key);
    if (!listing) return undefined;
    return { file: listing.files.get(storeKey(contentPath)), checkedMs: listing.checkedMs };
  }

  /** Records a complete listing of the folder with key `folderKey`, made at `checkedMs`. */
  set(cluster: string, folderKey: string, checkedMs: number, files: readonly StoreFile[]): void {
    let byFolder = this.#byCluster.get(cluster);
    if (byFolder === undefined) {
      byFolder = new Map();
      this.#byCluster.set(cluster, byFolder);
    }
    const byKey = new Map<string, StoreFile>();
    for (const file of files) {
      const key = storeKey(file.storeRelativePath);
      if (!byKey.has(key)) byKey.set(key, file);
    }
    byFolder.set(folderKey, { checkedMs, files: byKey });
  }

  /** Drops listings made before `oldestMs` and clusters not in `clusters`: nothing they say can stand any more. */
  prune(oldestMs: number, clusters: ReadonlySet<string>): void {
    for (const [cluster, byFolder] of this.#byCluster) {
      if (!clusters.has(cluster)) {
        this.#byCluster.delete(cluster);
        continue;
      }
      for (const [key, listing] of byFolder) if (listing.checkedMs < oldestMs) byFolder.delete(key);
    }
  }
}
