/**
 * The simulated FileStoreService state: upload sessions (metadata and received ranges only, never the
 * bytes) keyed by session id, and the committed files of the store. All time comes from an injectable
 * clock so expiry can be tested without waiting.
 */
import { addRange, complementRanges, fitsOneRange, mergeRanges, rangeBytes, type Range } from './ranges.js';
import { normalizeStorePath, storeFileKey } from './gateway-uri.js';

/** One upload session as the simulator holds it. */
export interface SessionRecord {
  /** Lower-case dashed GUID. */
  readonly sessionId: string;
  /** The content path exactly as decoded from the UploadChunk URL (never normalised). */
  readonly path: string;
  readonly fileSize: number;
  /** Merged, sorted, disjoint received ranges. */
  readonly received: readonly Range[];
  /**
   * Bytes of the chunk bodies that were accepted: what the FileStoreService would join at commit.
   * It differs from the ranges' size when a chunk's body did not match its `Content-Range`.
   */
  readonly receivedBytes: number;
  /** Last time new bytes were accepted (creation counts), ms since epoch. */
  readonly modifiedMs: number;
  /** Whether CommitUploadSession succeeded; the session stays visible until deleted or expired. */
  readonly committed: boolean;
}

/** A file that exists in the store (committed upload or whole-file PUT). */
export interface StoreFile {
  /** Normalised store path (`\` separators, trimmed), in the case of its last write. */
  readonly path: string;
  readonly size: number;
  readonly version: number;
  readonly modifiedMs: number;
}

/** Result of UploadChunk at the store level. */
type AddChunkResult =
  | { readonly ok: true; readonly created: boolean; readonly changed: boolean }
  | { readonly ok: false; readonly error: 'id_conflict' | 'size_mismatch' | 'range' };

/**
 * Result of CommitUploadSession at the store level; every failure is E_INVALIDARG on the wire:
 * `unknown` id, `incomplete` (ranges still expected), `bad_ranges` (nothing expected, but the ranges
 * received are not exactly the file: a chunk ended at the file size), `size_mismatch` (the chunk
 * bodies add up to another size than the file's).
 */
type CommitResult = 'ok' | 'unknown' | 'incomplete' | 'bad_ranges' | 'size_mismatch';

/** A folder's direct content, for the store listing. */
export interface StoreListing {
  /** Whether the path names a file or a folder that holds files. */
  readonly exists: boolean;
  readonly files: readonly StoreFile[];
  readonly folders: readonly { readonly path: string; readonly fileCount: number }[];
}

interface SessionStoreOptions {
  /** Clock, ms since epoch. */
  now?: () => number;
  /** Idle time after which a session expires (Service Fabric `UploadSessionTimeout`). */
  sessionTimeoutMs?: number;
}

/** Default `UploadSessionTimeout`: 30 minutes. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60_000;

/** Matches a dashed GUID, any case, exactly 36 characters (as `Guid::TryParse` requires). */
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** Parses a session id as the gateway does; lower-case on success, `undefined` if malformed or empty. */
export function parseSessionId(text: string | undefined): string | undefined {
  if (text === undefined || !GUID_RE.test(text)) return undefined;
  const id = text.toLowerCase();
  return id === EMPTY_GUID ? undefined : id;
}

/**
 * Orders GUIDs as `std::map<Guid>` does (memcmp of the Windows GUID struct: the first three groups
 * little-endian). Clients must not rely on it, but it is the order a real cluster answers in.
 */
export function compareGuids(a: string, b: string): number {
  const key = (g: string): string => {
    const h = g.replace(/-/g, '');
    const le = (s: string): string => (s.match(/../g) ?? []).reverse().join('');
    return le(h.slice(0, 8)) + le(h.slice(8, 12)) + le(h.slice(12, 16)) + h.slice(16);
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface MutableSession {
  sessionId: string;
  path: string;
  fileSize: number;
  received: Range[];
  receivedBytes: number;
  modifiedMs: number;
  committed: boolean;
}

/** The in-memory session map and file store of one simulated cluster. */
export class SessionStore {
  private readonly sessions = new Map<string, MutableSession>();
  /** Session ids by exact path: `byPath` is what every GetUploadSession asks, and scanning every session per request made a 10,000-path poll quadratic. */
  private readonly pathIndex = new Map<string, Set<string>>();
  /** Stored files by key (`storeFileKey`: the normalised path in lower case). */
  private readonly storeFiles = new Map<string, StoreFile>();
  private fileVersion = 0;
  private readonly now: () => number;
  sessionTimeoutMs: number;

  constructor(options: SessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  }

  /**
   * Applies one chunk `[start, end]` of a file of `fileSize` bytes whose body was `bodyBytes` long
   * (by default exactly the range), as NativeImageStore and the FileStoreService do
   * (`NativeImageStore.cpp` `UploadChunkAsyncOperation`, `UploadSessionMetadata.cpp` `AddRange`):
   * the first chunk of an id creates the session and is taken whatever its range (the caller has
   * checked `start ≤ end ≤ fileSize`); for an existing session a different path is an id conflict,
   * a different size an invalid argument, and the chunk must lie wholly inside one range still
   * expected, so a re-send, an overlap or any chunk after completion is unsatisfiable. The body's
   * length is never compared with the range here: only commit finds out.
   */
  addChunk(path: string, sessionId: string, start: number, end: number, fileSize: number, bodyBytes = end - start + 1): AddChunkResult {
    const id = sessionId.toLowerCase();
    let session = this.sessions.get(id);
    if (session && session.path !== path) return { ok: false, error: 'id_conflict' };
    if (session && session.fileSize !== fileSize) return { ok: false, error: 'size_mismatch' };
    if (session && !fitsOneRange(complementRanges(session.received, fileSize), { start, end })) return { ok: false, error: 'range' };
    const created = session === undefined;
    if (!session) {
      session = { sessionId: id, path, fileSize, received: [], receivedBytes: 0, modifiedMs: this.now(), committed: false };
      this.set(session);
    }
    // A zero-byte file's one possible chunk, 0-0, is recorded once and changes nothing after.
    if (fileSize === 0 && !created) return { ok: true, created, changed: false };
    session.received = fileSize === 0 ? [] : addRange(session.received, { start, end });
    session.receivedBytes += bodyBytes;
    session.modifiedMs = this.now();
    return { ok: true, created, changed: true };
  }

  /** Sessions whose path equals `path` exactly (case-sensitive, no folder matching), in GUID order. */
  byPath(path: string): SessionRecord[] {
    const ids = this.pathIndex.get(path);
    if (ids === undefined) return [];
    const found: MutableSession[] = [];
    for (const id of ids) {
      const s = this.sessions.get(id);
      if (s !== undefined) found.push(s);
    }
    return found.sort((a, b) => compareGuids(a.sessionId, b.sessionId)).map(snapshot);
  }

  private set(session: MutableSession): void {
    this.remove(session.sessionId);
    this.sessions.set(session.sessionId, session);
    let ids = this.pathIndex.get(session.path);
    if (ids === undefined) {
      ids = new Set();
      this.pathIndex.set(session.path, ids);
    }
    ids.add(session.sessionId);
  }

  private remove(id: string): boolean {
    const s = this.sessions.get(id);
    if (s === undefined) return false;
    this.sessions.delete(id);
    const ids = this.pathIndex.get(s.path);
    ids?.delete(id);
    if (ids?.size === 0) this.pathIndex.delete(s.path);
    return true;
  }

  /** The session with this id, if any. */
  byId(sessionId: string): SessionRecord | undefined {
    const s = this.sessions.get(sessionId.toLowerCase());
    return s ? snapshot(s) : undefined;
  }

  /** Every session, in GUID order. */
  all(): SessionRecord[] {
    return [...this.sessions.values()].sort((a, b) => compareGuids(a.sessionId, b.sessionId)).map(snapshot);
  }

  /** Byte ranges still expected for a session (`[]` when complete; `[{0,0}]` for a zero-byte file). */
  expectedRanges(session: SessionRecord): Range[] {
    return complementRanges(session.received, session.fileSize);
  }

  /**
   * Commits a complete session (NativeImageStore `CommitUploadSessionAsyncOperation`, then the
   * FileStoreService's `processcommituploadsessionrequestasyncoperation.cpp`): nothing may be
   * expected any more; a session already committed commits again; the received ranges must be
   * exactly the file (`GetSortedStagingLocation`), and the joined chunk bodies exactly its size.
   * The file then exists at the normalised path, overwriting any previous one; the session stays.
   */
  commit(sessionId: string): CommitResult {
    const s = this.sessions.get(sessionId.toLowerCase());
    if (!s) return 'unknown';
    if (complementRanges(s.received, s.fileSize).length > 0) return 'incomplete';
    if (s.committed) return 'ok';
    const only = s.received.length === 1 ? s.received[0] : undefined;
    if (only === undefined || only.start !== 0 || only.end !== s.fileSize - 1) return 'bad_ranges';
    if (s.receivedBytes !== s.fileSize) return 'size_mismatch';
    s.committed = true;
    this.putFile(s.path, s.fileSize);
    return 'ok';
  }

  /** Removes a session; false if there was none. */
  delete(sessionId: string): boolean {
    return this.remove(sessionId.toLowerCase());
  }

  /** One cleanup tick: removes every session idle for at least the session timeout; returns how many. */
  expire(): number {
    const cutoff = this.now() - this.sessionTimeoutMs;
    let removed = 0;
    for (const [id, s] of this.sessions) {
      if (s.modifiedMs <= cutoff) {
        this.remove(id);
        removed++;
      }
    }
    return removed;
  }

  /** Number of sessions held. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Creates or replaces a session directly, without HTTP: for tests and the admin API. `received`
   * is merged; `modifiedMs` defaults to now.
   */
  putSession(input: {
    path: string;
    fileSize: number;
    sessionId?: string;
    received?: readonly Range[];
    /** Bytes of the chunk bodies received; by default exactly the received ranges. */
    receivedBytes?: number;
    modifiedMs?: number;
    committed?: boolean;
  }): SessionRecord {
    const id = input.sessionId !== undefined ? parseSessionId(input.sessionId) : randomGuid();
    if (id === undefined) throw new Error(`invalid session id: ${input.sessionId}`);
    if (!Number.isSafeInteger(input.fileSize) || input.fileSize < 0) throw new Error('fileSize must be a safe non-negative integer');
    for (const r of input.received ?? []) {
      if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end) || r.start < 0 || r.start > r.end || r.end >= input.fileSize) {
        throw new Error(`received range ${r.start}-${r.end} is outside a file of ${input.fileSize} bytes`);
      }
    }
    const session: MutableSession = {
      sessionId: id,
      path: input.path,
      fileSize: input.fileSize,
      received: mergeRanges(input.received ?? []),
      receivedBytes: input.receivedBytes ?? rangeBytes(mergeRanges(input.received ?? [])),
      modifiedMs: input.modifiedMs ?? this.now(),
      committed: input.committed ?? false,
    };
    this.set(session);
    return snapshot(session);
  }

  /**
   * Stores a whole file (a committed session or a non-chunked upload) at its normalised path,
   * replacing a file whose path differs only in case (the same key), whose spelling it takes.
   */
  putFile(path: string, size: number): StoreFile {
    const file: StoreFile = { path: normalizeStorePath(path), size, version: ++this.fileVersion, modifiedMs: this.now() };
    this.storeFiles.set(storeFileKey(path), file);
    return file;
  }

  /** Deletes a file or a folder with everything under it (in any case); false if nothing was there. */
  deleteContent(path: string): boolean {
    const p = storeFileKey(path);
    let removed = false;
    for (const key of [...this.storeFiles.keys()]) {
      if (key === p || key.startsWith(p + '\\')) {
        this.storeFiles.delete(key);
        removed = true;
      }
    }
    return removed;
  }

  /** Every stored file, in key order (the order of the store's metadata, and so of its listings). */
  files(): StoreFile[] {
    return [...this.storeFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
  }

  /**
   * The direct content of a store path ('' is the root), as the FileStoreService lists it
   * (`ProcessListRequestAsyncOperation.cpp`, `ListMetadata`): the file itself if the path names one
   * (looked up by key, so in any case; it is listed under its own spelling), otherwise its files and
   * its sub-folders with their recursive file counts.
   */
  list(path: string): StoreListing {
    const key = storeFileKey(path);
    const own = this.storeFiles.get(key);
    if (own) return { exists: true, files: [own], folders: [] };
    const prefix = key === '' ? '' : key + '\\';
    const files: StoreFile[] = [];
    const folderCounts = new Map<string, { path: string; fileCount: number }>();
    for (const [fileKey, f] of [...this.storeFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!fileKey.startsWith(prefix)) continue;
      const slash = fileKey.indexOf('\\', prefix.length);
      if (slash < 0) {
        files.push(f);
      } else {
        // Named as the first file under it spells it; a key has one length whatever its case.
        const folder = folderCounts.get(fileKey.slice(0, slash));
        if (folder) folder.fileCount += 1;
        else folderCounts.set(fileKey.slice(0, slash), { path: f.path.slice(0, slash), fileCount: 1 });
      }
    }
    const folders = [...folderCounts.values()];
    return { exists: key === '' || files.length > 0 || folders.length > 0, files, folders };
  }

  /** Removes every session (an image-store primary failover loses them all). */
  clearSessions(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    this.pathIndex.clear();
    return n;
  }

  /** Removes every session and every file. */
  reset(): void {
    this.sessions.clear();
    this.pathIndex.clear();
    this.storeFiles.clear();
  }
}

function snapshot(s: MutableSession): SessionRecord {
  return {
    sessionId: s.sessionId,
    path: s.path,
    fileSize: s.fileSize,
    received: [...s.received],
    receivedBytes: s.receivedBytes,
    modifiedMs: s.modifiedMs,
    committed: s.committed,
  };
}

/** A random lower-case GUID. */
function randomGuid(): string {
  return globalThis.crypto.randomUUID();
}
