/**
 * The image store's capacity, validated: produced from a GetImageStoreInfo answer by
 * `parseImageStoreInfo`; the poller, snapshot, metrics and status view use only this.
 */
import { InvalidResponseError } from './errors.js';
import { isJsonObject, notA, parseU64, requiredField } from './parse.js';

/** The four categories of the store's usage, in the order the answer gives them; the `use` label. */
export const IMAGE_STORE_USES = ['metadata', 'staging', 'copy', 'register'] as const;
export type ImageStoreUse = (typeof IMAGE_STORE_USES)[number];

/** The wire key of each category. */
const USE_KEYS: Readonly<Record<ImageStoreUse, string>> = {
  metadata: 'UsedByMetadata',
  staging: 'UsedByStaging',
  copy: 'UsedByCopy',
  register: 'UsedByRegister',
};

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

function objectAt(record: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const value = requiredField(record, key, where);
  const at = where === '' ? key : `${where}.${key}`;
  if (!isJsonObject(value)) notA(at, 'an object', value);
  return value;
}

/**
 * Parses a GetImageStoreInfo body. Strict, as the rest of the parser: every number must be there as
 * a decimal string of at most 2^53-1, and free space above the disk's size is refused; any bad field
 * makes the whole answer invalid, its message naming the field. Throws InvalidResponseError.
 */
export function parseImageStoreInfo(body: unknown): ImageStoreInfo {
  if (!isJsonObject(body)) notA('body', 'an object', body);
  const disk = objectAt(body, 'DiskInfo', '');
  const capacityBytes = parseU64(requiredField(disk, 'Capacity', 'DiskInfo'), 'DiskInfo', 'Capacity');
  const availableBytes = parseU64(requiredField(disk, 'AvailableSpace', 'DiskInfo'), 'DiskInfo', 'AvailableSpace');
  if (availableBytes > capacityBytes) {
    throw new InvalidResponseError(`DiskInfo.AvailableSpace: ${availableBytes} exceeds Capacity ${capacityBytes}`);
  }
  const usage = (use: ImageStoreUse): ImageStoreUsage => {
    const key = USE_KEYS[use];
    const info = objectAt(body, key, '');
    return {
      bytes: parseU64(requiredField(info, 'UsedSpace', key), key, 'UsedSpace'),
      files: parseU64(requiredField(info, 'FileCount', key), key, 'FileCount'),
    };
  };
  return {
    capacityBytes,
    availableBytes,
    used: { metadata: usage('metadata'), staging: usage('staging'), copy: usage('copy'), register: usage('register') },
  };
}
