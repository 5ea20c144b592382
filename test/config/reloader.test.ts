import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.js';
import { ConfigReloader } from '../../src/config/reloader.js';
import { captureLog } from '../helpers/log-capture.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const INITIAL = parseConfig('clusters:\n  - name: dev\n    endpoint: http://localhost:19080\n    content_paths: [p]\n');

describe('ConfigReloader', () => {
  it('never echoes a secret-looking value in the reload response or the log, and names every field', () => {
    const log = captureLog();
    const reloader = new ConfigReloader({ file: `${FIXTURES}invalid-secret-looking-values.yaml`, initial: INITIAL, apply: () => undefined, logger: log.logger });
    const result = reloader.reload('test');
    expect(result.ok).toBe(false);
    const response = result.ok ? '' : result.error;
    for (const shown of [response, log.text()]) {
      for (const secret of ['SAS-SECRET-1', 'PASSWORD-SECRET-2', 'PASSPHRASE-SECRET-3', '461738', 'AUTHORITY-SECRET-4']) expect(shown).not.toContain(secret);
      for (const field of ['clusters[0].endpoint', 'clusters[1].endpoint', 'clusters[2].tls.passphrase_env', 'clusters[3].tls.passphrase_env', 'clusters[4].auth.authority_host']) {
        expect(shown).toContain(field);
      }
    }
    expect(reloader.current()).toBe(INITIAL);
  });
});
