import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { loadWebConfigFile, parseWebConfig } from '../../src/web/webconfig.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';

const HASH = '$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG';

function issuesOf(text: string): readonly string[] {
  try {
    parseWebConfig(text, '/etc/exporter/web.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseWebConfig', () => {
  it('reads the exporter-toolkit format with its defaults, paths relative to the file', () => {
    const config = parseWebConfig(
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: /abs/server.key',
        '  client_ca_file: ca.crt',
        '  client_auth_type: RequireAndVerifyClientCert',
        'http_server_config:',
        '  http2: false',
        '  headers:',
        '    X-Frame-Options: deny',
        '    Strict-Transport-Security: max-age=31536000',
        'basic_auth_users:',
        `  alice: ${HASH}`,
      ].join('\n'),
      '/etc/exporter/web.yml',
    );
    expect(config).toEqual({
      tls: {
        certFile: '/etc/exporter/server.crt',
        keyFile: '/abs/server.key',
        clientCaFile: '/etc/exporter/ca.crt',
        clientAuthType: 'RequireAndVerifyClientCert',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        preferServerCipherSuites: true,
      },
      headers: { 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' },
      users: { alice: HASH },
      allowUnauthenticated: false,
    });
  });

  it('accepts an empty file (no TLS, no users) and the legacy RequireClientCert name', () => {
    expect(parseWebConfig('', '/w.yml')).toEqual({ headers: {}, users: {}, allowUnauthenticated: false });
    expect(parseWebConfig('allow_unauthenticated: true', '/w.yml')).toEqual({ headers: {}, users: {}, allowUnauthenticated: true });
    expect(parseWebConfig('tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireClientCert}', '/w.yml').tls?.clientAuthType).toBe(
      'RequireAnyClientCert',
    );
  });

  it.each<[string, string, string[]]>([
    ['unknown keys', 'tls_server_config: {cert_file: a, key_file: b, cert_fil: c}\nbasic_auth: {}', ['tls_server_config.cert_fil: unknown key', 'basic_auth: unknown key']],
    ['a missing key file', 'tls_server_config: {cert_file: a}', ['tls_server_config.key_file: required key is missing']],
    [
      'an unknown client_auth_type',
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: Always}',
      ['tls_server_config.client_auth_type: expected one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "Always"'],
    ],
    ['a CA without a policy', 'tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}', ['tls_server_config.client_ca_file: needs a client_auth_type other than NoClientCert']],
    ['versions out of order', 'tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}', ['tls_server_config.min_version: must not be above max_version (TLS12)']],
    ['a bad version', 'tls_server_config: {cert_file: a, key_file: b, min_version: TLS1.2}', ['tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got "TLS1.2"']],
    ['an inline key', 'tls_server_config: {cert_file: a, key_file: b, key: "-----BEGIN"}', ['tls_server_config.key: not supported by sf-upload-exporter: give the key in key_file (keeps the secret out of this file)']],
    ['cipher suites', 'tls_server_config: {cert_file: a, key_file: b, cipher_suites: [X]}', ["tls_server_config.cipher_suites: not supported by sf-upload-exporter (Node negotiates OpenSSL's default suites)"]],
    [
      'a header outside the allowed list',
      'http_server_config: {headers: {Server: x}}',
      ['http_server_config.headers.Server: this header cannot be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)'],
    ],
    ['a header value outside the allowed set', 'http_server_config: {headers: {X-Frame-Options: allow}}', ['http_server_config.headers["X-Frame-Options"]: expected one of deny, sameorigin, got "allow"']],
    ['rate limiting', 'rate_limit: {interval: 1s, burst: 1}', ['rate_limit: not supported by sf-upload-exporter']],
    [
      'a header value with a line break (which would start another header)',
      'http_server_config: {headers: {Content-Security-Policy: "default-src \'self\'\\nSet-Cookie: a=b"}}',
      ['http_server_config.headers["Content-Security-Policy"]: not a valid HTTP header value: it holds a line break, another control character or a character above U+00FF'],
    ],
    [
      'a header value with a character above U+00FF',
      'http_server_config: {headers: {Strict-Transport-Security: "max-age=31536000 \u2603"}}',
      ['http_server_config.headers["Strict-Transport-Security"]: not a valid HTTP header value: it holds a line break, another control character or a character above U+00FF'],
    ],
    ['a header name HTTP cannot carry', 'http_server_config: {headers: {"X Frame": deny}}', ['http_server_config.headers["X Frame"]: not a valid HTTP header name']],
    ['allow_unauthenticated with basic_auth_users', `allow_unauthenticated: true\nbasic_auth_users: {alice: "${HASH}"}`, ['allow_unauthenticated: contradicts basic_auth_users: remove one of the two']],
    [
      'allow_unauthenticated with verified client certificates',
      'allow_unauthenticated: true\ntls_server_config: {cert_file: a, key_file: b, client_ca_file: c, client_auth_type: RequireAndVerifyClientCert}',
      ['allow_unauthenticated: contradicts client_auth_type RequireAndVerifyClientCert: remove one of the two'],
    ],
    ['a non-boolean allow_unauthenticated', 'allow_unauthenticated: yes please', ['allow_unauthenticated: expected a boolean, got string "yes please"']],
  ])('rejects %s, naming the field', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('rejects a file that is no mapping, repeats a key or is not YAML', () => {
    expect(issuesOf('- a\n')).toEqual(['(top level): expected a mapping']);
    expect(issuesOf('basic_auth_users:\n  a: x\nbasic_auth_users:\n  b: y\n')).toEqual(['invalid YAML: Map keys must be unique']);
    expect(issuesOf('tls_server_config: [\n')).toEqual([expect.stringMatching(/^invalid YAML: /)]);
  });

  it('allows min_version equal to max_version, and keeps client_allowed_sans', () => {
    const config = parseWebConfig(
      'tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS13\n  max_version: TLS13\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  client_allowed_sans: [a.example, b.example]\n',
      '/etc/exporter/web.yml',
    );
    expect(config.tls).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', clientAllowedSans: ['a.example', 'b.example'], clientCaFile: '/etc/exporter/ca.crt' });
  });

  it('rejects a plain-text password without echoing it', () => {
    const issues = issuesOf('basic_auth_users:\n  alice: hunter2-plain-text\n');
    expect(issues).toEqual(['basic_auth_users.alice: expected a bcrypt hash such as $2y$10$... (a plain-text password is not accepted)']);
    expect(issues.join()).not.toContain('hunter2');
  });
});

describe('loadWebConfigFile', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs.cleanup());

  it('loads the certificate files and refuses a key that does not match, naming the keys', () => {
    const good = join(certs.dir, 'web-good.yml');
    writeFileSync(good, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n`);
    expect(loadWebConfigFile(good).material?.cert.toString()).toBe(certs.server.cert);

    const mismatched = join(certs.dir, 'web-bad.yml');
    writeFileSync(mismatched, `tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n`);
    expect(() => loadWebConfigFile(mismatched)).toThrow(/web-bad\.yml: tls_server_config: cannot use cert_file, key_file or client_ca_file/);

    const missing = join(certs.dir, 'web-missing.yml');
    writeFileSync(missing, `tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n`);
    expect(() => loadWebConfigFile(missing)).toThrow(`tls_server_config.cert_file: cannot read ${join(certs.dir, 'nope.crt')}: ENOENT`);
    const missingKey = join(certs.dir, 'web-missing-key.yml');
    writeFileSync(missingKey, `tls_server_config:\n  cert_file: server.crt\n  key_file: nope.key\n`);
    expect(() => loadWebConfigFile(missingKey)).toThrow(new ConfigError([`tls_server_config.key_file: cannot read ${join(certs.dir, 'nope.key')}: ENOENT`], missingKey));
    const missingCa = join(certs.dir, 'web-missing-ca.yml');
    writeFileSync(missingCa, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope-ca.crt\n`);
    expect(() => loadWebConfigFile(missingCa)).toThrow(new ConfigError([`tls_server_config.client_ca_file: cannot read ${join(certs.dir, 'nope-ca.crt')}: ENOENT`], missingCa));
    const withCa = join(certs.dir, 'web-ca.yml');
    writeFileSync(withCa, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n`);
    expect(loadWebConfigFile(withCa).material?.ca?.toString()).toBe(certs.ca.cert);
  });

  it('names a web configuration file it cannot read, with the error code', () => {
    expect(() => loadWebConfigFile(join(certs.dir, 'absent.yml'))).toThrow(new ConfigError(['cannot read file: ENOENT'], join(certs.dir, 'absent.yml')));
  });
});
