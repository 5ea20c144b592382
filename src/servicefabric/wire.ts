/**
 * The Service Fabric image-store REST wire format, described once: upload sessions (api-version
 * 6.0), the store content listing (6.2) and the store's disk and usage (6.5).
 *
 * Every field is optional because the swagger marks them so; 64-bit integers travel as decimal
 * strings and `ModifiedDate` as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Only the parser in `parse.ts` names these
 * keys (the simulator writes its own copy, so that it can catch the client getting them wrong);
 * everything else uses `UploadSession` and `StoreFile`.
 */

/** One missing byte range; both positions inclusive, as decimal strings. */
export interface UploadChunkRangeWire {
  StartPosition?: string;
  EndPosition?: string;
}

/** One upload session as the gateway serialises it (key order matters for byte-exact output). */
export interface UploadSessionInfoWire {
  StoreRelativePath?: string;
  SessionId?: string;
  FileSize?: string;
  ModifiedDate?: string;
  ExpectedRanges?: UploadChunkRangeWire[];
}

/** Body of a 200 answer to GetUploadSession (by path or by id). */
export interface UploadSessionWire {
  UploadSessions?: UploadSessionInfoWire[];
}

/** Body of every error answer except authentication failures (403, empty body). */
export interface FabricErrorWire {
  Error: {
    Code: string;
    Message?: string;
  };
}

/** Version triple of a stored file. */
interface FileVersionWire {
  VersionNumber?: string;
  EpochDataLossNumber?: string;
  EpochConfigurationNumber?: string;
}

/** A file in the store content listing. */
export interface FileInfoWire {
  StoreRelativePath?: string;
  FileVersion?: FileVersionWire;
  FileSize?: string;
  ModifiedDate?: string;
}

/** A folder in the store content listing. */
interface FolderInfoWire {
  StoreRelativePath?: string;
  FileCount?: string;
}

/**
 * Body of a 200 GetImageStoreContent / GetImageStoreRootContent. The runtime's paged listing (every
 * api-version but 1.0, 2.0 and 3.0) adds `ContinuationToken`, which the specification leaves out.
 */
export interface ImageStoreContentWire {
  StoreFiles?: FileInfoWire[];
  StoreFolders?: FolderInfoWire[];
  ContinuationToken?: string;
}

/** A disk's size and free space, in bytes, as decimal strings. */
export interface DiskInfoWire {
  Capacity?: string;
  AvailableSpace?: string;
}

/** One category of the image store's file system usage: bytes and files, as decimal strings. */
export interface UsageInfoWire {
  UsedSpace?: string;
  FileCount?: string;
}

/**
 * Body of a 200 GetImageStoreInfo (api-version 6.5): the disk of the node that hosts the Image
 * Store Service's primary replica, and the store's usage in four categories.
 */
export interface ImageStoreInfoWire {
  DiskInfo?: DiskInfoWire;
  UsedByMetadata?: UsageInfoWire;
  UsedByStaging?: UsageInfoWire;
  UsedByCopy?: UsageInfoWire;
  UsedByRegister?: UsageInfoWire;
}

/** The api-version of the upload-session operations (they were introduced in 6.0). */
export const API_VERSION = '6.0';

/**
 * The api-version of the store content listing by path, as the specification and the official
 * SDKs send it; the gateway answers a path that does not exist with 404 and an empty body.
 */
export const CONTENT_API_VERSION = '6.2';

/** The api-version of GetImageStoreInfo, which runtimes before 6.5 do not serve (they answer 400). */
export const INFO_API_VERSION = '6.5';
