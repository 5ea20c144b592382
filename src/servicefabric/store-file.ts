/**
 * A file in the image store, validated: produced from the store content listing by `parse.ts`; the
 * poller, snapshot and metrics use only this.
 */

/** One stored file as the store listing shows it; every number is a safe non-negative integer. */
export interface StoreFile {
  /** `StoreRelativePath` as the store holds it (on Windows, `\` separators, the case it was written with). */
  readonly storeRelativePath: string;
  /** `FileSize` in bytes. */
  readonly fileSize: number;
  /** `ModifiedDate` (the stored file's last write) as milliseconds since the Unix epoch. */
  readonly modifiedMs: number;
}
