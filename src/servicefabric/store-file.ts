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

/** A folder's files as a paged store listing gave them, within the listing's bounds. */
export interface StoreFolderListing {
  /** Files directly in the folder (its subfolders are not listed into). */
  readonly files: readonly StoreFile[];
  /** False when the listing had more pages or entries than a lookup reads: the files are not all there. */
  readonly complete: boolean;
}

/** Most pages of one folder listing read (`ContinuationToken`); a folder with more is looked up file by file. */
export const MAX_LISTING_PAGES = 20;
/** Most files of one folder listing kept, over all its pages. */
export const MAX_LISTING_ENTRIES = 50_000;
