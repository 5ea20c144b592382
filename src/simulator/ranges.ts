/**
 * Inclusive byte ranges, as the FileStoreService keeps them for an upload session: the received
 * ranges are merged, sorted and disjoint; `ExpectedRanges` is their complement within the file.
 */

/** A byte range with both ends inclusive. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Sorts and merges ranges; adjacent ranges coalesce (`[0,9]` and `[10,19]` become `[0,19]`). */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + 1) {
      if (r.end > last.end) merged[merged.length - 1] = { start: last.start, end: r.end };
    } else {
      merged.push({ start: r.start, end: r.end });
    }
  }
  return merged;
}

/** Adds one range to a merged list and returns the new merged list. */
export function addRange(received: readonly Range[], range: Range): Range[] {
  return mergeRanges([...received, range]);
}

/**
 * The gaps of `[0, fileSize-1]` not covered by `received` (which must be merged), ascending.
 * A zero-byte file reports `[{0,0}]`, the runtime's quirk: its session can never complete.
 */
export function complementRanges(received: readonly Range[], fileSize: number): Range[] {
  if (fileSize === 0) return [{ start: 0, end: 0 }];
  const gaps: Range[] = [];
  let next = 0;
  for (const r of received) {
    if (r.start > next) gaps.push({ start: next, end: Math.min(r.start - 1, fileSize - 1) });
    next = Math.max(next, r.end + 1);
    if (next >= fileSize) break;
  }
  if (next <= fileSize - 1) gaps.push({ start: next, end: fileSize - 1 });
  return gaps;
}

/**
 * Whether a chunk lies wholly inside one of `ranges` (NativeImageStore's check of a chunk against
 * the session's `ExpectedRanges`: a chunk across two gaps is refused even if both are missing).
 */
export function fitsOneRange(ranges: readonly Range[], chunk: Range): boolean {
  return ranges.some((r) => chunk.start >= r.start && chunk.end <= r.end);
}

/** Total bytes covered by a list of disjoint ranges. */
export function rangeBytes(ranges: readonly Range[]): number {
  return ranges.reduce((sum, r) => sum + (r.end - r.start + 1), 0);
}
