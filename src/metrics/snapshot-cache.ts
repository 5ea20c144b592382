/**
 * Values kept for as long as their key shows up in consecutive snapshots: two generations, swapped
 * when a new snapshot is seen; an entry asked for again moves from the older to the newer one. Label sets (and their encoded bytes) live here, so a path or session
 * that did not change between cycles keeps the same objects instead of new, equal ones per cycle:
 * at 10,000 sessions, building those would be most of a render's time and garbage.
 */
export class SnapshotCache<K, V> {
  #snapshot: unknown;
  #current = new Map<K, V>();
  #previous = new Map<K, V>();

  /** The value of `key` for `snapshot`, kept from the previous snapshot when it had one; undefined otherwise (then `set` it). */
  get(snapshot: unknown, key: K): V | undefined {
    if (snapshot !== this.#snapshot) {
      this.#snapshot = snapshot;
      this.#previous = this.#current;
      this.#current = new Map();
    }
    let value = this.#current.get(key);
    if (value === undefined) {
      value = this.#previous.get(key);
      if (value !== undefined) {
        this.#current.set(key, value);
        // Moved, not copied: once a snapshot has asked for every key it still has, the previous
        // generation is empty and V8 shrinks its table, rather than keeping a second table of every
        // entry until the next snapshot (3.5 MB for the renderer's label bytes at 10,000 paths).
        this.#previous.delete(key);
      }
    }
    return value;
  }

  /** Stores `value` for `key` in the current snapshot's generation. */
  set(key: K, value: V): V {
    this.#current.set(key, value);
    return value;
  }
}
