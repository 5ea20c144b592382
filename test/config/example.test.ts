import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../../src/config/schema.js';
import { formatDuration } from '../../src/config/duration.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';

const EXAMPLE = fileURLToPath(new URL('../../config/example.yaml', import.meta.url));

describe('config/example.yaml', () => {
  it('is valid and says what the spec example says', () => {
    expect(loadConfigFile(EXAMPLE)).toEqual({
      poll: { schedule: '*/30 * * * * *', concurrency: 8, requestTimeoutMs: 10_000, maxStalenessMs: 90_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000, idleIntervalMs: 300_000 },
      status: { stalledAfterMs: 600_000 },
      pathFiles: { maxBytes: 1024 * 1024, maxEntries: 10_000, maxPathLength: 32_768, maxPaths: 100_000, maxPackageFiles: 200_000, followOutsideLinks: false },
      defaulted: ['status', 'path_files'],
      clusters: [
        { name: 'prod-westeurope', endpoint: 'http://localhost:19080', contentPaths: ['SwaggerTest\\Common.dll', 'MyAppPkg'] },
      ],
    });
  });

  it('shows the real default of every poll key', () => {
    // The example's poll section must equal what an absent poll section yields.
    const withoutPoll = parseConfig('clusters: [{name: a, endpoint: "http://a", content_paths: [p]}]');
    expect(loadConfigFile(EXAMPLE).poll).toEqual(withoutPoll.poll);
  });

  it('documents each default in the comment above its key', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const documented = {
      schedule: 'every 30 seconds',
      concurrency: String(DEFAULTS.concurrency),
      request_timeout: formatDuration(10_000),
      max_staleness: DEFAULTS.max_staleness,
      max_response_size: DEFAULTS.max_response_size,
    };
    for (const [key, value] of Object.entries(documented)) {
      const block = new RegExp(`((?:\\n  #[^\\n]*)+)\\n  ${key}: `).exec(text);
      expect(block?.[1]).toContain(`Default: ${value}.`);
    }
  });
});
