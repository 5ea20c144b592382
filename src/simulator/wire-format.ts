/**
 * Produces the gateway's JSON from store records, using the project's wire types: compact, keys in
 * the runtime's order, 64-bit integers as decimal strings, dates as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
 */
import type {
  FileInfoWire,
  FolderInfoWire,
  ImageStoreContentWire,
  UploadSessionInfoWire,
  UploadSessionWire,
} from '../servicefabric/wire.js';
import { complementRanges } from './ranges.js';
import type { SessionRecord, StoreFile, StoreListing } from './store.js';

/** Paged listing (api-version ≥ 4.0): the runtime adds a continuation token after the lists. */
export type PagedImageStoreContentWire = ImageStoreContentWire & { ContinuationToken?: string };

/** Constant epoch numbers of the simulated image-store replica (as in the API page's example). */
const EPOCH_DATA_LOSS_NUMBER = '131510254310497004';
const EPOCH_CONFIGURATION_NUMBER = '25769803776';

/** `DateTime::ToIsoString`: UTC, always three fractional digits. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * One `UploadSessionInfo`. `storeRelativePath` is what the answer echoes: the requested path for a
 * lookup by path, the stored one for a lookup by id.
 */
export function sessionInfoWire(session: SessionRecord, storeRelativePath = session.path): UploadSessionInfoWire {
  return {
    StoreRelativePath: storeRelativePath,
    SessionId: session.sessionId,
    FileSize: String(session.fileSize),
    ModifiedDate: isoDate(session.modifiedMs),
    ExpectedRanges: complementRanges(session.received, session.fileSize).map((r) => ({
      StartPosition: String(r.start),
      EndPosition: String(r.end),
    })),
  };
}

/** The body of a 200 GetUploadSession answer. */
export function uploadSessionWire(sessions: readonly SessionRecord[], requestedPath?: string): UploadSessionWire {
  return { UploadSessions: sessions.map((s) => sessionInfoWire(s, requestedPath ?? s.path)) };
}

/** One `FileInfo` of the store listing. */
export function fileInfoWire(file: StoreFile): FileInfoWire {
  return {
    StoreRelativePath: file.path,
    FileVersion: {
      EpochDataLossNumber: EPOCH_DATA_LOSS_NUMBER,
      VersionNumber: String(file.version),
      EpochConfigurationNumber: EPOCH_CONFIGURATION_NUMBER,
    },
    FileSize: String(file.size),
    ModifiedDate: isoDate(file.modifiedMs),
  };
}

/** The body of a store content listing, paged form (one page; empty continuation token). */
export function contentWire(listing: StoreListing): PagedImageStoreContentWire {
  const folders: FolderInfoWire[] = listing.folders.map((f) => ({ StoreRelativePath: f.path, FileCount: String(f.fileCount) }));
  return { StoreFiles: listing.files.map(fileInfoWire), StoreFolders: folders, ContinuationToken: '' };
}
