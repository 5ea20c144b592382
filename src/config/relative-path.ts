/**
 * Paths written in a configuration file are relative to that file's folder, as in Prometheus and
 * its exporter toolkit: `--config.file` (TLS and credential files, path-file patterns) and
 * `--web.config.file` resolve them the same way.
 */
import { dirname, isAbsolute, resolve } from 'node:path';

/** The folder that relative paths in `source` are resolved against; the working directory for text that has no file. */
export function configDir(source: string | undefined): string {
  return source === undefined ? process.cwd() : dirname(resolve(source));
}

/** A configured path (or glob pattern) resolved against `baseDir`; an absolute one as written. */
export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
