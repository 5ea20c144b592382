import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { captureLog } from '../helpers/log-capture.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));

const DEFAULT_POLL = {
  schedule: '*/30 * * * * *',
  concurrency: 8,
  requestTimeoutMs: 10_000,
  maxStalenessMs: 90_000,
  maxResponseBytes: 4 * 1024 * 1024,
  storeRecheckIntervalMs: 600_000,
  idleIntervalMs: 300_000,
};
// What the loader fills in for a file without `status:` and `path_files:` (the documented defaults).
const UNWRITTEN = { status: { stalledAfterMs: 600_000 }, pathFiles: { maxBytes: 1024 * 1024, maxEntries: 10_000, maxPathLength: 32_768, maxPaths: 100_000, maxPackageFiles: 200_000, followOutsideLinks: false }, defaulted: ['status', 'path_files'] } as const;
const DEV = { name: 'dev', endpoint: 'http://localhost:19080', contentPaths: ['MyAppPkg'] };

const SECURE = `${FIXTURES}secure/`;
const PLAIN_TLS = { insecureSkipVerify: false };

/** Every good-*.yaml fixture and the Config it must produce. */
const GOOD: Record<string, Config> = {
  'good-secure.yaml': {
    ...UNWRITTEN,
    poll: DEFAULT_POLL,
    clusters: [
      {
        name: 'mtls-pem',
        endpoint: 'https://sf-a.example.com:19080',
        contentPaths: ['MyAppPkg'],
        tls: {
          ...PLAIN_TLS,
          caFile: `${SECURE}ca.pem`,
          certFile: `${SECURE}client.crt`,
          keyFile: `${SECURE}client.key`,
          serverCommonNames: ['sf-a.example.com', 'sf-a-next.example.com'],
        },
      },
      {
        name: 'pfx-pinned',
        endpoint: 'https://10.0.0.4:19080',
        contentPaths: ['MyAppPkg'],
        tls: {
          ...PLAIN_TLS,
          pfxFile: `${SECURE}client.pfx`,
          passphraseFile: `${SECURE}pfx.pass`,
          serverThumbprints: ['3F2A1B4C5D6E7F8091A2B3C4D5E6F708192A3B4C', '3F2A1B4C5D6E7F8091A2B3C4D5E6F708192A3B4D'],
        },
      },
      {
        name: 'entra',
        endpoint: 'https://sf-c.example.com:19080',
        contentPaths: ['MyAppPkg'],
        tls: { ...PLAIN_TLS, caFile: `${SECURE}ca.pem` },
        auth: {
          type: 'entra_id',
          clientId: '11111111-2222-3333-4444-555555555555',
          tenantId: '66666666-7777-8888-9999-000000000000',
          clientSecretFile: `${SECURE}entra.secret`,
          authorityHost: 'https://login.microsoftonline.us',
          allowCustomAuthorityHost: false,
        },
      },
      {
        name: 'entra-certificate',
        endpoint: 'https://sf-d.example.com:19080',
        contentPaths: ['MyAppPkg'],
        auth: {
          type: 'entra_id',
          clientId: 'exporter',
          clientCertificateFile: `${SECURE}client.crt`,
          clientKeyFile: `${SECURE}client.key`,
          authorityCaFile: `${SECURE}ca.pem`,
          // Not named by the cluster: the public cloud unless the file says otherwise.
          authorityHost: 'https://login.microsoftonline.com',
          allowCustomAuthorityHost: false,
        },
      },
      {
        name: 'entra-custom-authority',
        endpoint: 'https://sf-e.example.com:19080',
        contentPaths: ['MyAppPkg'],
        auth: {
          type: 'entra_id',
          clientId: 'exporter',
          clientSecretFile: `${SECURE}entra.secret`,
          authorityHost: 'https://adfs.example.com/adfs',
          allowCustomAuthorityHost: true,
        },
      },
      { name: 'lab', endpoint: 'https://lab.example.com:19080', contentPaths: ['MyAppPkg'], tls: { insecureSkipVerify: true } },
    ],
  },
  'good-minimal.yaml': { ...UNWRITTEN, poll: DEFAULT_POLL, clusters: [DEV] },
  'good-path-files.yaml': {
    poll: DEFAULT_POLL,
    status: { stalledAfterMs: 15 * 60_000 },
    pathFiles: { maxBytes: 256 * 1024, maxEntries: 10_000, maxPathLength: 4096, maxPaths: 100_000, maxPackageFiles: 5000, followOutsideLinks: true },
    clusters: [
      { ...DEV, contentPaths: [], contentPathFiles: [join(FIXTURES, 'paths.d/*.yaml'), '/etc/sf-upload-exporter/paths.d/*.json'] },
      { ...DEV, name: 'both', contentPathFiles: [join(FIXTURES, 'pipelines.yaml')] },
    ],
  },
  'good-poll-partial.yaml': { ...UNWRITTEN, poll: { ...DEFAULT_POLL, requestTimeoutMs: 1500 }, clusters: [DEV] },
  'good-full.yaml': {
    ...UNWRITTEN,
    poll: { schedule: '*/5 * * * *', concurrency: 1024, requestTimeoutMs: 90_000, maxStalenessMs: 3_600_000, maxResponseBytes: 10_000_000, storeRecheckIntervalMs: 3_600_000, idleIntervalMs: 0 },
    clusters: [
      {
        name: 'prod-westeurope',
        endpoint: 'https://sf.example.com:19080/gateway',
        contentPaths: ['SwaggerTest\\Common.dll', 'SwaggerTest\\Plain.dll', 'Store/Forward/Slash.zip', 'MyAppPkg'],
      },
      { name: 'prod westeurope (backup)', endpoint: 'http://localhost:19080', contentPaths: ['MyAppPkg'] },
      { name: 'dev', endpoint: 'http://127.0.0.1', contentPaths: ['MyAppPkg'] },
    ],
  },
};

/** Every invalid-*.yaml fixture and the exact issues it must produce, in order. */
const INVALID: Record<string, string[]> = {
  'invalid-path-files.yaml': [
    'status.stalled_after: expected a duration such as "10s", got number 10',
    'clusters[0].content_paths: at least one content path is required (in content_paths, or from content_path_files)',
    'clusters[1].content_path_files: expected a list of file patterns, got string "paths.d/*.yaml"',
    'clusters[2].content_path_files[1]: duplicate file pattern "a.yaml" (also clusters[2].content_path_files[0])',
  ],
  'invalid-path-file-limits.yaml': [
    'path_files.max_size: must be between 1KiB and 16MiB, got 32MiB',
    'path_files.max_entries: must be at least 1, got 0',
    'path_files.max_path_length: must be at most 32768, got 40000',
    'path_files.max_paths: must be at least 1, got 0',
    'path_files.max_package_files: expected an integer, got string "many"',
    'path_files.follow_outside_links: expected a boolean, got string "yes"',
    'path_files.max_files: unknown key',
  ],
  'invalid-tls.yaml': [
    'clusters[0].tls.server_thumbprints[0]: expected a SHA-1 thumbprint (40 hexadecimal digits), got "not-hex"',
    'clusters[0].tls.server_thumbprints[1]: expected a SHA-1 thumbprint (40 hexadecimal digits), got "3F2A"',
    'clusters[0].tls.server_common_names: list at least one common name, or leave the key out',
    'clusters[0].tls.key_file: required with cert_file',
    'clusters[0].tls.pfx_file: excludes cert_file and key_file: give the client certificate one way',
    'clusters[0].tls.passphrase_env: excludes passphrase_file: give the passphrase one way',
    'clusters[1].tls.passphrase_env: expected an environment variable name (letters, digits and _, not starting with a digit); the value is not shown, in case it is the passphrase itself',
    'clusters[1].tls.cert_file: required with key_file',
    'clusters[1].tls.passphrase_env: only used with pfx_file',
    'clusters[1].tls.insecure_skip_verify: excludes ca_file: nothing would be verified',
    'clusters[2].tls.server_thumbprints: expected a list of thumbprints',
    'clusters[2].tls.insecure_skip_verify: expected a boolean, got string "yes"',
    'clusters[2].tls.passphrase_file: only used with pfx_file',
  ],
  'invalid-auth.yaml': [
    'clusters[0].auth.type: expected entra_id, got "aad"',
    'clusters[0].auth.client_id: must not be empty',
    'clusters[0].auth.authority_host: expected an https:// URL without credentials, query or fragment, got "http://login.example.com"',
    'clusters[0].auth.client_certificate_file: excludes client_secret_file: give the client credential one way',
    'clusters[0].auth.client_key_file: required with client_certificate_file',
    'clusters[1].auth: needs one client credential: client_secret_file, client_certificate_file with client_key_file, managed_identity or workload_identity',
    'clusters[2].auth.type: required key is missing',
    'clusters[2].auth.client_secret: unknown key',
    'clusters[2].auth.client_certificate_file: required with client_key_file',
  ],
  'invalid-identity.yaml': [
    'clusters[0].auth.managed_identity: excludes client_secret_file: give the client credential one way',
    'clusters[0].auth.client_id: not used with managed_identity: a user-assigned identity is named by managed_identity.client_id',
    'clusters[1].auth.managed_identity.client_id: expected the user-assigned identity\'s client id (a GUID), got "not-a-guid"',
    'clusters[2].auth.client_id: not used with managed_identity: a user-assigned identity is named by managed_identity.client_id',
    "clusters[2].auth.tenant_id: not used with managed_identity: the token is for the identity's own tenant",
    'clusters[2].auth.authority_host: not used with managed_identity: tokens come from the identity endpoint the platform provides',
    'clusters[3].auth.managed_identity: expected true, false or a mapping with client_id, got string "yes"',
    'clusters[3].auth.workload_identity: expected a boolean, got number 1',
    'clusters[4].auth.workload_identity: excludes managed_identity: give the client credential one way',
    'clusters[5].auth.client_id: not used with workload_identity: the client id comes from AZURE_CLIENT_ID',
    'clusters[6].auth: needs one client credential: client_secret_file, client_certificate_file with client_key_file, managed_identity or workload_identity',
    'clusters[6].auth.client_id: required key is missing',
  ],
  'invalid-authority-host.yaml': [
    "clusters[0].auth.authority_host: https://login.example.com is not a Microsoft cloud's login host (login.microsoftonline.com, login.microsoftonline.us, login-us.microsoftonline.com, login.chinacloudapi.cn, login.microsoftonline.de, login.sovcloud-identity.fr, login.sovcloud-identity.de, login.sovcloud-identity.sg); set allow_custom_authority_host: true to send the client credential to it",
    "clusters[1].auth.authority_host: https://login.microsoftonline.com:8443 is not a Microsoft cloud's login host (login.microsoftonline.com, login.microsoftonline.us, login-us.microsoftonline.com, login.chinacloudapi.cn, login.microsoftonline.de, login.sovcloud-identity.fr, login.sovcloud-identity.de, login.sovcloud-identity.sg); set allow_custom_authority_host: true to send the client credential to it",
    'clusters[2].auth.allow_custom_authority_host: only used with authority_host',
    'clusters[3].auth.allow_custom_authority_host: expected a boolean, got string "yes"',
  ],
  'invalid-secret-looking-values.yaml': [
    'clusters[0].endpoint: must not have a query or fragment, got "https://sf.example.com:19080/?[REDACTED]"',
    'clusters[1].endpoint: expected an absolute http:// or https:// URL, got "[REDACTED]@sf.example.com:19080"',
    'clusters[2].tls.passphrase_env: expected an environment variable name (letters, digits and _, not starting with a digit); the value is not shown, in case it is the passphrase itself',
    'clusters[3].tls.passphrase_env: expected an environment variable name, got a number',
    'clusters[4].auth.authority_host: expected an https:// URL without credentials, query or fragment, got "https://[REDACTED]@login.microsoftonline.com"',
  ],
  'invalid-secure-files.yaml': [
    'clusters[0].tls: needs an https:// endpoint, got http://a:19080',
    'clusters[0].tls.ca_file: cannot read secure/missing-ca.pem: no such file (ENOENT)',
    'clusters[0].tls.pfx_file: secure is a directory',
    'clusters[0].tls.passphrase_env: environment variable SF_TEST_UNSET_PASSPHRASE is not set or empty',
    'clusters[0].auth: needs an https:// endpoint (a token must not travel in clear text), got http://a:19080',
    'clusters[0].auth.client_secret_file: cannot read secure/missing.secret: no such file (ENOENT)',
  ],
  'invalid-empty.yaml': ['clusters: at least one cluster is required'],
  'invalid-content-path-dots.yaml': [
    'clusters[0].content_paths[0]: "." is not a file or folder path in the image store',
    'clusters[0].content_paths[1]: ".." is not a file or folder path in the image store',
  ],
  'invalid-not-a-mapping.yaml': ['(top level): expected a mapping with the keys poll and clusters, got a list'],
  'invalid-no-clusters.yaml': ['clusters: at least one cluster is required'],
  'invalid-unknown-keys.yaml': [
    'poll.interval: unknown key',
    'clusters[0].tls.ca_files: unknown key',
    'clusters[0].auth.secret: unknown key',
    'clusters[0]["content paths"]: unknown key',
    'global: unknown key',
  ],
  'invalid-types.yaml': [
    'poll.schedule: expected a cron expression string, got number 30',
    'poll.concurrency: expected an integer, got string "8"',
    'poll.request_timeout: expected a duration such as "10s", got number 10',
    'poll.max_staleness: expected a duration such as "10s", got boolean true',
    'clusters[0].name: expected a string, got number 12',
    'clusters[0].endpoint: expected a URL string, got a list',
    'clusters[0].content_paths: expected a list of content paths, got string "MyAppPkg"',
    'clusters[1].name: expected a string, got an empty value',
    'clusters[1].content_paths[0]: expected a string, got number 42',
    'clusters[2]: expected a mapping, got string "just a string"',
  ],
  'invalid-response-size.yaml': ['poll.max_response_size: invalid size "4 MB" (use e.g. 4MiB, 512KiB, 10MB or a number of bytes)'],
  'invalid-response-size-bounds.yaml': ['poll.max_response_size: must be between 1KiB and 1GiB, got 2GiB'],
  'invalid-durations.yaml': [
    'poll.request_timeout: invalid duration "10 seconds" (use e.g. 500ms, 10s, 2m)',
    'poll.max_staleness: invalid duration "1.5m" (use e.g. 500ms, 10s, 2m)',
  ],
  'invalid-duration-bounds.yaml': [
    'poll.request_timeout: must be at least 1s, got 999ms',
    'poll.max_staleness: invalid duration "-90s" (use e.g. 500ms, 10s, 2m)',
  ],
  'invalid-timeout-too-long.yaml': ['poll.request_timeout: must be at most 24d, got 4w'],
  'invalid-store-recheck.yaml': ['poll.store_recheck_interval: expected a duration such as "10s", got number 10'],
  'invalid-idle-interval.yaml': ['poll.idle_interval: must be at most 20m, got 30m'],
  'invalid-idle-interval-type.yaml': ['poll.idle_interval: invalid duration "5 minutes" (use e.g. 500ms, 10s, 2m)'],
  'invalid-staleness.yaml': ['poll.max_staleness: must be greater than poll.request_timeout (30s), got 30s'],
  'invalid-staleness-default-timeout.yaml': [
    'poll.max_staleness: must be greater than poll.request_timeout (10s), got 5s',
  ],
  'invalid-staleness-with-type-error.yaml': [
    'poll.concurrency: expected an integer, got string "8"',
    'poll.max_staleness: must be greater than poll.request_timeout (1m), got 30s',
  ],
  'invalid-cron.yaml': ['poll.schedule: invalid cron expression "61 * * * *" (bad minute field "61")'],
  'invalid-cron-fields.yaml': [
    'poll.schedule: invalid cron expression "every 30 seconds" (expected 5 or 6 fields but got 3)',
  ],
  'invalid-concurrency.yaml': ['poll.concurrency: must be at least 1, got 0'],
  'invalid-concurrency-fraction.yaml': ['poll.concurrency: expected an integer, got number 2.5'],
  'invalid-concurrency-too-high.yaml': ['poll.concurrency: must be at most 1024, got 1025'],
  'invalid-endpoints.yaml': [
    'clusters[0].endpoint: expected an absolute http:// or https:// URL, got "ftp://x"',
    'clusters[1].endpoint: expected an absolute http:// or https:// URL, got "localhost:19080"',
    'clusters[2].endpoint: expected an absolute http:// or https:// URL, got "http:localhost:19080"',
    'clusters[3].endpoint: must not have a query or fragment, got "http://localhost:19080/?[REDACTED]"',
    'clusters[4].endpoint: must not have a query or fragment, got "http://localhost:19080/#[REDACTED]"',
    'clusters[5].endpoint: must not contain credentials (user:password@)',
    'clusters[6].endpoint: required key is missing',
    'clusters[7].endpoint: expected an absolute http:// or https:// URL, got ""',
  ],
  'invalid-names.yaml': [
    'clusters[2].name: duplicate cluster name "prod" (also clusters[0].name)',
    'clusters[3].name: must not be empty',
    'clusters[4].name: must not start or end with whitespace, got "staging "',
    'clusters[5].name: required key is missing',
    'clusters[6].name: duplicate cluster name "prod" (also clusters[0].name)',
  ],
  'invalid-content-paths.yaml': [
    'clusters[0].content_paths[3]: must not be empty',
    'clusters[0].content_paths[4]: must not start or end with whitespace, got " Padded"',
    'clusters[0].content_paths[2]: duplicate content path "MyAppPkg" (also clusters[0].content_paths[0])',
    'clusters[1].content_paths: at least one content path is required (in content_paths, or from content_path_files)',
    'clusters[2].content_paths: at least one content path is required (in content_paths, or from content_path_files)',
    'clusters[3].content_paths[1]: duplicate content path "SwaggerTest\\\\Common.dll" (also clusters[3].content_paths[0])',
  ],
  'invalid-many.yaml': [
    'poll.concurrency: must be at least 1, got -1',
    'poll.request_timeout: invalid duration "soon" (use e.g. 500ms, 10s, 2m)',
    'poll.schedul: unknown key',
    'clusters[0].endpoint: expected an absolute http:// or https:// URL, got "ftp://prod"',
    'clusters[0].content_paths: at least one content path is required (in content_paths, or from content_path_files)',
    'clusters[1].timeout: unknown key',
    'clusters[1].name: duplicate cluster name "prod" (also clusters[0].name)',
    'clusters[1].content_paths[1]: duplicate content path "a" (also clusters[1].content_paths[0])',
  ],
  'invalid-yaml-double-quoted-backslash.yaml': [
    "line 5, column 21: invalid YAML: Invalid escape sequence \\C (a backslash in a double-quoted string starts an escape sequence; write paths with backslashes in single quotes, e.g. 'SwaggerTest\\Common.dll')",
  ],
  'invalid-yaml-duplicate-key.yaml': ['line 4, column 5: invalid YAML: Map keys must be unique'],
  'invalid-yaml-syntax.yaml': ['line 4, column 1: invalid YAML: Missing closing "quote'],
  'invalid-yaml-multiple-documents.yaml': [
    'line 5, column 1: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()',
  ],
  'invalid-yaml-unknown-alias.yaml': ['line 4, column 20: invalid YAML: unknown alias *paths (its anchor &paths must come first)'],
};

function fixturesNamed(prefix: string): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.yaml'))
    .sort();
}

function issuesOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

describe('fixtures', () => {
  it('every fixture file has an expectation and every expectation a file', () => {
    expect(fixturesNamed('good-')).toEqual(Object.keys(GOOD).sort());
    expect(fixturesNamed('invalid-')).toEqual(Object.keys(INVALID).sort());
  });

  it.each(Object.entries(GOOD))('%s is valid', (name, expected) => {
    expect(loadConfigFile(join(FIXTURES, name))).toEqual(expected);
  });

  it.each(Object.entries(INVALID))('%s is rejected with exactly the expected issues', (name, expected) => {
    const path = join(FIXTURES, name);
    expect(issuesOf(() => loadConfigFile(path))).toEqual(expected);
  });
});

describe('ConfigError', () => {
  it('prefixes every issue with the source in its message', () => {
    const path = join(FIXTURES, 'invalid-durations.yaml');
    let caught: unknown;
    try {
      loadConfigFile(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.source).toBe(path);
    expect(error.message).toBe(
      `${path}: poll.request_timeout: invalid duration "10 seconds" (use e.g. 500ms, 10s, 2m)\n` +
        `${path}: poll.max_staleness: invalid duration "1.5m" (use e.g. 500ms, 10s, 2m)`,
    );
    // A user's mistake: printing the error must not add a stack trace to the message.
    expect(error.stack).toBe(`ConfigError: ${error.message}`);
  });

  it('joins the bare issues when there is no source', () => {
    expect(() => parseConfig('clusters: []\nextra: 1\n')).toThrow(
      new ConfigError(['clusters: at least one cluster is required', 'extra: unknown key']),
    );
    try {
      parseConfig('clusters: []\nextra: 1\n');
    } catch (error) {
      expect((error as ConfigError).message).toBe('clusters: at least one cluster is required\nextra: unknown key');
    }
  });
});

describe('loadConfigFile', () => {
  it('names the path of a missing file', () => {
    const path = join(FIXTURES, 'does-not-exist.yaml');
    expect(() => loadConfigFile(path)).toThrow(`${path}: cannot read file: no such file (ENOENT)`);
    expect(issuesOf(() => loadConfigFile(path))).toEqual(['cannot read file: no such file (ENOENT)']);
  });

  it('warns, once per load, when the file is world-writable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfue-config-'));
    try {
      const path = join(dir, 'config.yaml');
      writeFileSync(path, 'clusters:\n  - name: dev\n    endpoint: http://localhost:19080\n    content_paths: [p]\n');
      chmodSync(path, 0o666);
      const log = captureLog();
      loadConfigFile(path, log.logger);
      const warned = log.entries().filter((e) => e.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ config_file: path });
      expect(String(warned[0]?.msg)).toMatch(/^configuration file is world-writable/);
      chmodSync(path, 0o644);
      loadConfigFile(path, log.logger);
      expect(log.entries().filter((e) => e.level === 'warn')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the path of a directory', () => {
    expect(() => loadConfigFile(FIXTURES)).toThrow(`${FIXTURES}: cannot read file: is a directory (EISDIR)`);
  });
});

describe('parseConfig', () => {
  const cluster = (paths: string): string =>
    `clusters:\n  - name: dev\n    endpoint: http://localhost:19080\n    content_paths:\n${paths}`;

  it('keeps backslashes of single-quoted and plain paths exactly', () => {
    const config = parseConfig(cluster("      - 'SwaggerTest\\Common.dll'\n      - Plain\\Path\\x.dll\n"));
    expect(config.clusters[0]?.contentPaths).toEqual(['SwaggerTest\\Common.dll', 'Plain\\Path\\x.dll']);
    expect(config.clusters[0]?.contentPaths[0]).toHaveLength('SwaggerTest\\Common.dll'.length);
  });

  it('explains a backslash in a double-quoted path', () => {
    expect(issuesOf(() => parseConfig(cluster('      - "SwaggerTest\\Common.dll"\n')))).toEqual([
      "line 5, column 21: invalid YAML: Invalid escape sequence \\C (a backslash in a double-quoted string starts an escape sequence; write paths with backslashes in single quotes, e.g. 'SwaggerTest\\Common.dll')",
    ]);
  });

  it('accepts an escaped backslash in a double-quoted path', () => {
    const config = parseConfig(cluster('      - "SwaggerTest\\\\Common.dll"\n'));
    expect(config.clusters[0]?.contentPaths).toEqual(['SwaggerTest\\Common.dll']);
  });

  it.each<[string, string]>([
    ['http://localhost:19080/', 'http://localhost:19080'],
    ['http://localhost:19080//', 'http://localhost:19080'],
    ['https://Example.COM:443/sf/', 'https://example.com/sf'],
    ['http://[::1]:19080', 'http://[::1]:19080'],
  ])('normalises the endpoint %s to %s', (endpoint, normalised) => {
    const config = parseConfig(`clusters:\n  - name: a\n    endpoint: "${endpoint}"\n    content_paths: [p]\n`);
    expect(config.clusters[0]?.endpoint).toBe(normalised);
  });

  it('takes names verbatim, including characters a label value allows', () => {
    const config = parseConfig('clusters:\n  - name: "prod / west, eu=1"\n    endpoint: http://a\n    content_paths: [p]\n');
    expect(config.clusters[0]?.name).toBe('prod / west, eu=1');
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(issuesOf(() => parseConfig(bomb.join('\n')))).toEqual([
      'invalid YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
  });

  it('refuses a content path that cannot be encoded in a URL (lone surrogate)', () => {
    const yaml = 'clusters:\n  - name: a\n    endpoint: http://h:19080\n    content_paths: ["bad\\uD800path"]\n';
    expect(() => parseConfig(yaml)).toThrow('clusters[0].content_paths[0]: contains a lone UTF-16 surrogate and cannot be sent in a URL');
  });

  it('names .inf and .nan as numbers in every section, the TLS and Entra ID sections too', () => {
    const yaml =
      'clusters:\n  - name: .inf\n    endpoint: https://h:19080\n    content_paths: [p]\n' +
      '    tls: {server_common_names: [.nan]}\n    auth: {type: entra_id, client_id: .inf, client_secret_file: s}\n';
    expect(issuesOf(() => parseConfig(yaml))).toEqual([
      'clusters[0].name: expected a string, got number Infinity',
      'clusters[0].tls.server_common_names[0]: expected a string, got number NaN',
      'clusters[0].auth.client_id: expected a string, got number Infinity',
    ]);
  });

  it('returns a frozen configuration', () => {
    const config = loadConfigFile(join(FIXTURES, 'good-minimal.yaml'));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.poll)).toBe(true);
    expect(Object.isFrozen(config.clusters)).toBe(true);
    expect(Object.isFrozen(config.clusters[0])).toBe(true);
    expect(Object.isFrozen(config.clusters[0]?.contentPaths)).toBe(true);
  });
});
