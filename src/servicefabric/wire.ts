/**
 * The Service Fabric image-store REST wire format (api-version 6.0), described once.
 *
 * Every field is optional because the swagger marks them so; 64-bit integers travel as decimal
 * strings and `ModifiedDate` as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Only the parser in `parse.ts` and the
 * simulator, which produces this format, touch these types; everything else uses `UploadSession`.
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
export interface FileVersionWire {
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
export interface FolderInfoWire {
  StoreRelativePath?: string;
  FileCount?: string;
}

/** Body of GetImageStoreContent / GetImageStoreRootContent. */
export interface ImageStoreContentWire {
  StoreFiles?: FileInfoWire[];
  StoreFolders?: FolderInfoWire[];
}

/** The api-version every operation this project uses was introduced in. */
export const API_VERSION = '6.0';
