/** The configuration module's public surface. */
export { parseConfig, loadConfigFile } from './load.js';
export { ConfigError } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseSize, formatSize } from './size.js';
export { describeConfig } from './describe.js';
export { DEFAULTS } from './schema.js';
export type { Config, ClusterConfig, PathFilesConfig, PollConfig, StatusConfig, ClusterTlsConfig, ClusterAuthConfig } from './types.js';
