/**
 * Whether a file anyone on the host may rewrite. For the configuration, the web configuration and
 * path files that means anyone may choose where credentials go, who reads the metrics, or what is
 * polled; each is warned about where it is loaded. Only the file's own mode bits are read.
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
