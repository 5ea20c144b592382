/**
 * The image store's capacity, validated: produced from a GetImageStoreInfo answer by
 * `parseImageStoreInfo` (parse.ts); the poller, snapshot, metrics and status view use only this.
 */

/** The four categories of the store's usage, in the order the answer gives them; the `use` label. */
export const IMAGE_STORE_USES = ['metadata', 'staging', 'copy', 'register'] as const;
export type ImageStoreUse = (typeof IMAGE_STORE_USES)[number];

/** Bytes and files of one category. */
export interface ImageStoreUsage {
  readonly bytes: number;
  readonly files: number;
}

/** The disk of the node hosting the Image Store Service's primary replica, and what the store keeps on it. */
export interface ImageStoreInfo {
  /** `DiskInfo.Capacity`, bytes. */
  readonly capacityBytes: number;
  /** `DiskInfo.AvailableSpace`, bytes. */
  readonly availableBytes: number;
  readonly used: Readonly<Record<ImageStoreUse, ImageStoreUsage>>;
}
