/**
 * Parsed, validated domain objects for upload sessions. Produced from the wire format by
 * `parse.ts`; the poller, snapshot and metrics use only these.
 */

/** A byte range still missing from an upload; `end` inclusive, `start <= end < fileSize`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One upload session, validated: every number is a safe non-negative integer. */
export interface UploadSession {
  /** `StoreRelativePath` as the gateway echoed it (the path as requested). */
  readonly storeRelativePath: string;
  /** `SessionId`, lower-case UUID. */
  readonly sessionId: string;
  /** `FileSize` in bytes. */
  readonly fileSize: number;
  /** `ModifiedDate` as milliseconds since the Unix epoch. */
  readonly modifiedMs: number;
  /** `ExpectedRanges`: the gaps not yet received, ascending, disjoint. */
  readonly expectedRanges: readonly ByteRange[];
  /** Σ (end − start + 1) over `expectedRanges`. */
  readonly remainingBytes: number;
}
