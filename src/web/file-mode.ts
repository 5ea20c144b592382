/**
 * Whether a file anyone on the host may rewrite: for the web configuration that means anyone may
 * change who can read the exporter's pages and metrics. Only the file's own mode bits are read.
 */
import { statSync } from 'node:fs';

/** True when `path` exists and its mode lets every user write it; false otherwise (including when it cannot be read). */
export function isWorldWritable(path: string): boolean {
  try {
    return (statSync(path).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
