/**
 * The gateway's answers as values, from store records: keys in the runtime's order, 64-bit integers
 * as decimal strings, dates as the api-version asks. The simulator owns these types rather than
 * sharing the client's: a test double that borrowed the client's idea of the wire could not catch
 * the client getting it wrong. `json-writer.ts` turns them into bytes.
 */
import type { DiskUsage, ImageStoreInfoRecord } from './disk.js';
import { complementRanges } from './ranges.js';
import type { SessionRecord, StoreFile, StoreListing } from './store.js';

/** One missing byte range (`UploadChunkRange`); both positions inclusive. */
interface UploadChunkRangeWire {
  StartPosition: string;
  EndPosition: string;
}

/** One upload session (`UploadSessionInfo`), in the runtime's key order. */
export interface UploadSessionInfoWire {
  StoreRelativePath: string;
  SessionId: string;
  FileSize: string;
  ModifiedDate: string;
  ExpectedRanges: UploadChunkRangeWire[];
}

/** Body of a 200 GetUploadSession (`UploadSession`). */
interface UploadSessionWire {
  UploadSessions: UploadSessionInfoWire[];
}

/** Body of an error answer (`FabricError`). */
interface FabricErrorWire {
  Error: { Code: string; Message: string };
}

/** A stored file (`FileInfo`). */
interface FileInfoWire {
  StoreRelativePath: string;
  FileVersion: { EpochDataLossNumber: string; VersionNumber: string; EpochConfigurationNumber: string };
  FileSize: string;
  ModifiedDate: string;
}

/** A folder (`FolderInfo`). */
interface FolderInfoWire {
  StoreRelativePath: string;
  FileCount: string;
}

/**
 * Body of a store listing (`ImageStoreContent`); the paged form the runtime sends for most
 * api-versions adds `ContinuationToken`, which the specification does not list.
 */
interface ImageStoreContentWire {
  StoreFiles: FileInfoWire[];
  StoreFolders: FolderInfoWire[];
  ContinuationToken?: string;
}

/** What a request's api-version changes in an answer (`GetSerializerFlags`, `ListContent*`). */
export interface WireVersion {
  /** The request's api-version as the gateway parsed it. */
  readonly apiVersion: number;
}

/** Constant epoch numbers of the simulated image-store replica (as in the API page's example). */
const EPOCH_DATA_LOSS_NUMBER = '131510254310497004';
const EPOCH_CONFIGURATION_NUMBER = '25769803776';
/** Seconds from 1601-01-01 (the runtime's DateTime epoch, a FILETIME) to 1970-01-01. */
const SECONDS_1601_TO_1970 = 11_644_473_600n;

/** `DateTime::ToIsoString`: UTC, always three fractional digits. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A date as the gateway writes it: ISO from api-version 3.0, before that the runtime's tick count
 * (100 ns since 1601-01-01) as a decimal string (`JsonReaderWriter.h`, `DateTimeInIsoFormat`).
 */
function wireDate(ms: number, version: WireVersion): string {
  if (version.apiVersion >= 3) return isoDate(ms);
  return String((BigInt(Math.trunc(ms)) + SECONDS_1601_TO_1970 * 1000n) * 10_000n);
}

/**
 * One `UploadSessionInfo`. `storeRelativePath` is what the answer echoes: the requested path for a
 * lookup by path, the stored one for a lookup by id.
 */
export function sessionInfoWire(session: SessionRecord, version: WireVersion, storeRelativePath = session.path): UploadSessionInfoWire {
  return {
    StoreRelativePath: storeRelativePath,
    SessionId: session.sessionId,
    FileSize: String(session.fileSize),
    ModifiedDate: wireDate(session.modifiedMs, version),
    ExpectedRanges: complementRanges(session.received, session.fileSize).map((r) => ({
      StartPosition: String(r.start),
      EndPosition: String(r.end),
    })),
  };
}

/** The body of a 200 GetUploadSession answer. */
export function uploadSessionWire(sessions: readonly SessionRecord[], version: WireVersion, requestedPath?: string): UploadSessionWire {
  return { UploadSessions: sessions.map((s) => sessionInfoWire(s, version, requestedPath ?? s.path)) };
}

/** One `FileInfo` of the store listing. */
export function fileInfoWire(file: StoreFile, version: WireVersion): FileInfoWire {
  return {
    StoreRelativePath: file.path,
    FileVersion: {
      EpochDataLossNumber: EPOCH_DATA_LOSS_NUMBER,
      VersionNumber: String(file.version),
      EpochConfigurationNumber: EPOCH_CONFIGURATION_NUMBER,
    },
    FileSize: String(file.size),
    ModifiedDate: wireDate(file.modifiedMs, version),
  };
}

/**
 * The body of a store listing: the paged form (one page, empty continuation token) except at
 * api-version 1.0, 2.0 and 3.0 exactly, which the gateway still answers unpaged (`ListContentFromRootPath`).
 */
export function contentWire(listing: StoreListing, version: WireVersion): ImageStoreContentWire {
  const folders: FolderInfoWire[] = listing.folders.map((f) => ({ StoreRelativePath: f.path, FileCount: String(f.fileCount) }));
  const body: ImageStoreContentWire = { StoreFiles: listing.files.map((f) => fileInfoWire(f, version)), StoreFolders: folders };
  if (![1, 2, 3].includes(version.apiVersion)) body.ContinuationToken = '';
  return body;
}

/** `DiskInfo` of GetImageStoreInfo. */
interface DiskInfoWire {
  Capacity: string;
  AvailableSpace: string;
}

/** `UsageInfo` of GetImageStoreInfo. */
interface UsageInfoWire {
  UsedSpace: string;
  FileCount: string;
}

/** The body of GetImageStoreInfo (`ImageStoreInfo`), in the order the specification lists its keys. */
interface ImageStoreInfoWire {
  DiskInfo: DiskInfoWire;
  UsedByMetadata: UsageInfoWire;
  UsedByStaging: UsageInfoWire;
  UsedByCopy: UsageInfoWire;
  UsedByRegister: UsageInfoWire;
}

/** GetImageStoreInfo's body from the disk's figures; every number a decimal string, as every u64 of the API. */
export function imageStoreInfoWire(info: ImageStoreInfoRecord): ImageStoreInfoWire {
  const usage = (u: DiskUsage): UsageInfoWire => ({ UsedSpace: String(u.bytes), FileCount: String(u.files) });
  return {
    DiskInfo: { Capacity: String(info.capacity), AvailableSpace: String(info.available) },
    UsedByMetadata: usage(info.metadata),
    UsedByStaging: usage(info.staging),
    UsedByCopy: usage(info.copy),
    UsedByRegister: usage(info.register),
  };
}

/** A FabricError body. */
export function fabricErrorWire(code: string, message: string): FabricErrorWire {
  return { Error: { Code: code, Message: message } };
}
