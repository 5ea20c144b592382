/**
 * Notices when files on disk have changed, for certificate and key rotation without a restart.
 *
 * The check is a `stat` of every path (following symlinks) compared with the previous one, made
 * when the material is about to be used, rather than `fs.watch`: Kubernetes updates a mounted
 * secret by atomically swapping a symlinked directory, which inotify watches on the old files
 * miss, while a `stat` of the path always sees the new file. A `stat` costs microseconds.
 */
import { stat, statSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';

const statAsync = promisify(stat);

function signatureOf(path: string, stats: Stats | undefined): string {
  // Inode and ctime catch a swapped file even when size and mtime happen to be equal.
  return stats === undefined ? `${path}:missing` : `${path}:${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * Tracks a fixed set of files. `poll()` returns a token when any file differs from the accepted
 * state; the caller reloads and then `accept`s that token. The token is taken before the reload,
 * so a file that changes again while it is being read is noticed by the next `poll()`.
 */
export class FileSet {
  readonly #paths: readonly string[];
  #accepted: string;

  /** Starts tracking `paths` (duplicates and undefined entries ignored); the first poll reports a change. */
  constructor(paths: ReadonlyArray<string | undefined>) {
    this.#paths = [...new Set(paths.filter((p): p is string => p !== undefined))];
    this.#accepted = '';
  }

  /** A token for the current state if it differs from the accepted one, else undefined; never throws. */
  async poll(): Promise<string | undefined> {
    if (this.#paths.length === 0) return undefined;
    const now = await this.signature();
    return now === this.#accepted ? undefined : now;
  }

  /** Synchronous `poll()`, for places that cannot wait (a TLS connection about to start). */
  pollSync(): string | undefined {
    if (this.#paths.length === 0) return undefined;
    const now = this.signatureSync();
    return now === this.#accepted ? undefined : now;
  }

  /** Records the state a `poll()` token describes as loaded. */
  accept(token: string): void {
    this.#accepted = token;
  }

  private async signature(): Promise<string> {
    const parts = await Promise.all(this.#paths.map(async (p) => signatureOf(p, await statAsync(p).catch(() => undefined))));
    return parts.join('|');
  }

  private signatureSync(): string {
    return this.#paths
      .map((p) => {
        let stats: Stats | undefined;
        try {
          stats = statSync(p);
        } catch {
          stats = undefined;
        }
        return signatureOf(p, stats);
      })
      .join('|');
  }
}
