/**
 * The disk of the simulated Image Store Service primary, as GetImageStoreInfo reports it: a size,
 * and free space that falls as the store fills. Usage is derived from the store at each call:
 * staging is the bytes and files of the upload sessions not yet committed, copy the committed files;
 * metadata and register are fixed figures (the simulator provisions nothing). A session occupies
 * the bytes of the ranges it has received, body or not: the scenarios send bodiless chunks for
 * speed, and a disk that ignored them could not fill.
 */
import { rangeBytes } from './ranges.js';
import type { SessionStore } from './store.js';

/** Bytes and files of one category. */
export interface DiskUsage {
  readonly bytes: number;
  readonly files: number;
}

/** What GetImageStoreInfo answers, before it is written as the wire format. */
export interface ImageStoreInfoRecord {
  readonly capacity: number;
  readonly available: number;
  readonly metadata: DiskUsage;
  readonly staging: DiskUsage;
  readonly copy: DiskUsage;
  readonly register: DiskUsage;
}

/** Settings of the simulated disk (bytes). */
export interface DiskSettings {
  /** The disk's size. */
  readonly capacity: number;
  /** Its free space now, with what the store holds now. */
  readonly available: number;
  /**
   * Bytes a second that something else on the node writes to the disk (logs, other replicas),
   * taken off the free space from when the disk is set. @default 0
   */
  readonly fillBytesPerSecond?: number;
}

/** 64 GiB, of which 48 GiB free with an empty store. */
export const DEFAULT_DISK: DiskSettings = { capacity: 64 * 1024 ** 3, available: 48 * 1024 ** 3 };

/** The store's own metadata: a few files of the replica's database, as the API page's example shows. */
const METADATA: DiskUsage = { bytes: 23_093_248, files: 6 };
const REGISTER: DiskUsage = { bytes: 0, files: 0 };

/** Validates disk settings: whole non-negative numbers of bytes, free space at most the size. */
export function validateDiskSettings(value: unknown): DiskSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('body must be a JSON object');
  const o = value as Record<string, unknown>;
  for (const key of ['capacity', 'available']) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${key} must be a whole number of bytes, at least 0`);
  }
  const fill = o.fillBytesPerSecond;
  if (fill !== undefined && (typeof fill !== 'number' || !Number.isFinite(fill) || fill < 0)) throw new Error('fillBytesPerSecond must be a number of bytes, at least 0');
  const settings: DiskSettings = { capacity: o.capacity as number, available: o.available as number, fillBytesPerSecond: fill };
  if (settings.available > settings.capacity) throw new Error('available must not exceed capacity');
  return settings;
}

/** The simulated disk of one cluster. */
export class SimulatedDisk {
  #capacity: number;
  /** Free space with nothing staged or copied: what the store's bytes are taken from. */
  #freeWhenEmpty: number;

  #fillBytesPerSecond = 0;
  #setMs = 0;

  constructor(
    private readonly store: SessionStore,
    settings: DiskSettings = DEFAULT_DISK,
    private readonly now: () => number = Date.now,
  ) {
    this.#capacity = settings.capacity;
    this.#freeWhenEmpty = settings.available;
    this.set(settings);
  }

  /** Sets the size and today's free space; from then on free space falls and rises with the store's bytes. */
  set(settings: DiskSettings): void {
    this.#capacity = settings.capacity;
    const { staging, copy } = this.usage();
    this.#freeWhenEmpty = settings.available + staging.bytes + copy.bytes;
    this.#fillBytesPerSecond = settings.fillBytesPerSecond ?? 0;
    this.#setMs = this.now();
  }

  /** The answer of GetImageStoreInfo now. */
  info(): ImageStoreInfoRecord {
    const { staging, copy } = this.usage();
    const filled = Math.floor((this.#fillBytesPerSecond * Math.max(0, this.now() - this.#setMs)) / 1000);
    const available = Math.min(this.#capacity, Math.max(0, this.#freeWhenEmpty - staging.bytes - copy.bytes - filled));
    return { capacity: this.#capacity, available, metadata: METADATA, staging, copy, register: REGISTER };
  }

  private usage(): { staging: DiskUsage; copy: DiskUsage } {
    let stagingBytes = 0;
    let stagingFiles = 0;
    for (const session of this.store.all()) {
      // A committed session's chunks are the stored file now (copy); only open ones are staged.
      if (session.committed) continue;
      stagingBytes += rangeBytes(session.received);
      stagingFiles += 1;
    }
    let copyBytes = 0;
    const files = this.store.files();
    for (const file of files) copyBytes += file.size;
    return { staging: { bytes: stagingBytes, files: stagingFiles }, copy: { bytes: copyBytes, files: files.length } };
  }
}
