/**
 * `--web.config.file`: the Prometheus exporter-toolkit web configuration (TLS for the exporter's
 * own listener, basic-auth users, security headers), validated strictly: unknown keys are errors,
 * and toolkit keys this exporter does not implement are named as such rather than ignored.
 * Relative paths are relative to the file's directory, as in the toolkit.
 */
import { readFileSync } from 'node:fs';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { createSecureContext } from 'node:tls';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, formatPath } from '../config/config-error.js';
import { configDir, resolvePath } from '../config/relative-path.js';
import { errorMap } from '../config/schema.js';

/** `tls_server_config.client_auth_type` values, as in exporter-toolkit (Go's `tls.ClientAuthType`). */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** `min_version` / `max_version` values and the Node names they stand for. */
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;

/**
 * The headers `http_server_config.headers` may set, and the values allowed where the toolkit
 * restricts them (its `extraHTTPHeaders`); undefined means any value.
 */
const ALLOWED_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** TLS for the exporter's listener, paths resolved. */
interface WebTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientAuthType: ClientAuthType;
  readonly clientCaFile?: string;
  readonly clientAllowedSans?: readonly string[];
  readonly minVersion: (typeof TLS_VERSIONS)[TlsVersionName];
  readonly maxVersion: (typeof TLS_VERSIONS)[TlsVersionName];
  readonly preferServerCipherSuites: boolean;
}

/** A validated web configuration. `users` holds bcrypt hashes: never log it. */
export interface WebConfig {
  readonly tls?: WebTlsConfig;
  readonly headers: Readonly<Record<string, string>>;
  readonly users: Readonly<Record<string, string>>;
  /** `allow_unauthenticated`: the file means to authenticate no client (see `authenticatesClients`). */
  readonly allowUnauthenticated: boolean;
}

/** Whether a configuration authenticates clients: basic-auth users, or client certificates verified against a CA. */
export function authenticatesClients(config: WebConfig): boolean {
  return Object.keys(config.users).length > 0 || config.tls?.clientAuthType === 'RequireAndVerifyClientCert';
}

/** The key material of `tls_server_config`, read from disk. Holds the private key: never log it. */
export interface WebTlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

const BCRYPT = /^\$2[abxy]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

const unsupported = (hint: string) =>
  z.unknown().superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: `not supported by sf-upload-exporter${hint}` }));

const file = z.string().min(1);
const version = z.enum(Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]], {
  // Stryker disable next-line ConditionalExpression: both keys have a default, so the enum never sees a missing value
  error: (issue) => (issue.input === undefined ? undefined : `expected one of TLS10, TLS11, TLS12, TLS13, got ${JSON.stringify(issue.input)}`),
});

const tlsSchema = z
  .strictObject({
    cert_file: file,
    key_file: file,
    client_auth_type: z
      .enum([...CLIENT_AUTH_TYPES, 'RequireClientCert'], {
        // Stryker disable next-line ConditionalExpression: the key has a default, so the enum never sees a missing value
        error: (issue) => (issue.input === undefined ? undefined : `expected one of ${CLIENT_AUTH_TYPES.join(', ')}, got ${JSON.stringify(issue.input)}`),
      })
      // The toolkit keeps the old name as an alias.
      .transform((v): ClientAuthType => (v === 'RequireClientCert' ? 'RequireAnyClientCert' : v))
      .default('NoClientCert'),
    client_ca_file: file.optional(),
    client_allowed_sans: z.array(z.string().min(1)).min(1).optional(),
    min_version: version.default('TLS12'),
    max_version: version.default('TLS13'),
    prefer_server_cipher_suites: z.boolean().default(true),
    cipher_suites: unsupported(' (Node negotiates OpenSSL\'s default suites)').optional(),
    curve_preferences: unsupported('').optional(),
    cert: unsupported(': give the certificate in cert_file').optional(),
    key: unsupported(': give the key in key_file (keeps the secret out of this file)').optional(),
    client_ca: unsupported(': give the CA in client_ca_file').optional(),
  })
  .superRefine((tls, ctx) => {
    if (tls.client_ca_file !== undefined && tls.client_auth_type === 'NoClientCert') {
      ctx.addIssue({ code: 'custom', path: ['client_ca_file'], message: 'needs a client_auth_type other than NoClientCert' });
    }
    const order = Object.keys(TLS_VERSIONS);
    if (order.indexOf(tls.min_version) > order.indexOf(tls.max_version)) {
      ctx.addIssue({ code: 'custom', path: ['min_version'], message: `must not be above max_version (${tls.max_version})` });
    }
  });

const webConfigSchema = z.strictObject(
  {
    tls_server_config: tlsSchema.optional(),
    http_server_config: z
      .strictObject({
        // HTTP/2 is not served (Prometheus scrapes over HTTP/1.1); the key is accepted for files shared with other exporters.
        http2: z.boolean().optional(),
        headers: z
          .record(z.string(), z.string())
          .superRefine((headers, ctx) => {
            for (const [name, value] of Object.entries(headers)) {
              // Node refuses such a header when it is set, on every request: found here, it is a
              // bad file rather than a crash at the first request.
              try {
                validateHeaderName(name);
              } catch {
                ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid HTTP header name' });
                continue;
              }
              try {
                validateHeaderValue(name, value);
              } catch {
                ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid HTTP header value: it holds a line break, another control character or a character above U+00FF' });
                continue;
              }
              if (!(name in ALLOWED_HEADERS)) {
                ctx.addIssue({ code: 'custom', path: [name], message: `this header cannot be configured (allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')})` });
                continue;
              }
              const allowed = ALLOWED_HEADERS[name];
              if (allowed !== undefined && !allowed.includes(value)) {
                ctx.addIssue({ code: 'custom', path: [name], message: `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}` });
              }
            }
          })
          .optional(),
      })
      .optional(),
    basic_auth_users: z
      .record(
        z.string().min(1),
        // The value is never echoed: a mistyped entry may well be a plain-text password.
        z.string({ error: 'expected a bcrypt hash' }).regex(BCRYPT, { error: 'expected a bcrypt hash such as $2y$10$... (a plain-text password is not accepted)' }),
      )
      .optional(),
    rate_limit: unsupported('').optional(),
    // Not a toolkit key: a reload may only drop every authentication when the file says so.
    allow_unauthenticated: z.boolean().default(false),
  },
  // Stryker disable next-line ConditionalExpression,LogicalOperator: at the top level zod raises only invalid_type (this message) and unrecognized_keys (whose message parseWebConfig does not use), and the input is never undefined (toJS() ?? {})
  { error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a mapping' : undefined) },
).superRefine((file, ctx) => {
  if (!file.allow_unauthenticated) return;
  // A file that says it authenticates nobody and then does would leave the reader unsure which is meant.
  if (Object.keys(file.basic_auth_users ?? {}).length > 0) {
    ctx.addIssue({ code: 'custom', path: ['allow_unauthenticated'], message: 'contradicts basic_auth_users: remove one of the two' });
  }
  if (file.tls_server_config?.client_auth_type === 'RequireAndVerifyClientCert') {
    ctx.addIssue({ code: 'custom', path: ['allow_unauthenticated'], message: 'contradicts client_auth_type RequireAndVerifyClientCert: remove one of the two' });
  }
});

/** Parses web configuration text; `source` names the file in messages and anchors relative paths. */
export function parseWebConfig(text: string, source: string): WebConfig {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) throw new ConfigError(document.errors.map((e) => `invalid YAML: ${e.message}`), source);
  const result = webConfigSchema.safeParse(document.toJS() ?? {}, { error: errorMap });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`) : [`${formatPath(issue.path)}: ${issue.message}`],
      ),
      source,
    );
  }
  const baseDir = configDir(source);
  const tls = result.data.tls_server_config;
  return Object.freeze({
    ...(tls === undefined
      ? {}
      : {
          tls: Object.freeze({
            certFile: resolvePath(tls.cert_file, baseDir),
            keyFile: resolvePath(tls.key_file, baseDir),
            clientAuthType: tls.client_auth_type,
            ...(tls.client_ca_file === undefined ? {} : { clientCaFile: resolvePath(tls.client_ca_file, baseDir) }),
            ...(tls.client_allowed_sans === undefined ? {} : { clientAllowedSans: Object.freeze([...tls.client_allowed_sans]) }),
            minVersion: TLS_VERSIONS[tls.min_version],
            maxVersion: TLS_VERSIONS[tls.max_version],
            preferServerCipherSuites: tls.prefer_server_cipher_suites,
          }),
        }),
    headers: Object.freeze({ ...result.data.http_server_config?.headers }),
    users: Object.freeze({ ...result.data.basic_auth_users }),
    allowUnauthenticated: result.data.allow_unauthenticated,
  });
}

/** Reads the files `tls_server_config` names and proves OpenSSL can use them; throws ConfigError naming the key. */
function loadWebTlsMaterial(tls: WebTlsConfig, source: string): WebTlsMaterial {
  const read = (key: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError([`tls_server_config.${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], source);
    }
  };
  const material = {
    cert: read('cert_file', tls.certFile),
    key: read('key_file', tls.keyFile),
    ...(tls.clientCaFile === undefined ? {} : { ca: read('client_ca_file', tls.clientCaFile) }),
  };
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (error) {
    throw new ConfigError([`tls_server_config: cannot use cert_file, key_file or client_ca_file: ${(error as Error).message}`], source);
  }
  return material;
}

/** Reads, validates and (for TLS) loads a web configuration file; throws ConfigError. */
export function loadWebConfigFile(path: string): { config: WebConfig; material: WebTlsMaterial | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], path);
  }
  const config = parseWebConfig(text, path);
  return { config, material: config.tls === undefined ? undefined : loadWebTlsMaterial(config.tls, path) };
}
