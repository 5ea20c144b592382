/**
 * The `clusters[].tls` and `clusters[].auth` sections: their schema, the checks that need the file
 * system (files readable, environment variables set) and their domain types. Secrets are only ever
 * named here (a file path, an environment variable name), never held: they are read when used.
 */
import { accessSync, constants, statSync } from 'node:fs';
import * as z from 'zod';
import { DEFAULT_AUTHORITY_HOST, isMicrosoftLoginHost, MICROSOFT_CLOUDS } from './authority-hosts.js';
import { formatPath, redactUrl } from './config-error.js';
import { managedIdentitySchema, toManagedIdentity, workloadIdentityProblem, workloadIdentitySchema } from './identity.js';
import { THUMBPRINT, noneOf, quietly, urlPattern } from './json-schema.js';
import { resolvePath } from './relative-path.js';
import { expecting, trimmedString } from './schema-common.js';

/** `clusters[].tls`: transport security towards one cluster's HTTP gateway. */
export interface ClusterTlsConfig {
  /** `ca_file`: PEM bundle the server certificate chain must lead to (instead of the system CAs). */
  readonly caFile?: string;
  /** `cert_file`: PEM client certificate (with `key_file`). */
  readonly certFile?: string;
  /** `key_file`: PEM private key of `cert_file`. */
  readonly keyFile?: string;
  /** `pfx_file`: PKCS#12 client certificate and key (instead of `cert_file`/`key_file`). */
  readonly pfxFile?: string;
  /** `passphrase_file`: file holding the `pfx_file` passphrase (trailing newline ignored). */
  readonly passphraseFile?: string;
  /** `passphrase_env`: environment variable holding the `pfx_file` passphrase. */
  readonly passphraseEnv?: string;
  /** `server_thumbprints`: accepted SHA-1 thumbprints of the server certificate, upper-case hex. */
  readonly serverThumbprints?: readonly string[];
  /** `server_common_names`: accepted subject common names of the server certificate. */
  readonly serverCommonNames?: readonly string[];
  /** `insecure_skip_verify`: accept any server certificate. */
  readonly insecureSkipVerify: boolean;
}

/** `clusters[].auth`: how the exporter proves who it is besides (or instead of) a client certificate. */
export interface ClusterAuthConfig {
  /** `type`: the one supported kind, Entra ID (Azure AD). */
  readonly type: 'entra_id';
  /** `client_id`: application (client) id of the exporter's app registration (with a client secret or certificate). */
  readonly clientId?: string;
  /** `tenant_id`: overrides the tenant named by the cluster's GetAadMetadata. */
  readonly tenantId?: string;
  /** `client_secret_file`: file holding the client secret (trailing newline ignored). */
  readonly clientSecretFile?: string;
  /** `client_certificate_file`: PEM certificate registered on the app (with `client_key_file`). */
  readonly clientCertificateFile?: string;
  /** `client_key_file`: PEM private key of `client_certificate_file`. */
  readonly clientKeyFile?: string;
  /**
   * `authority_host`: the login host tokens are requested from, e.g. `https://login.microsoftonline.us`;
   * the cluster's GetAadMetadata must name the same one.
   * @default 'https://login.microsoftonline.com'
   */
  readonly authorityHost?: string;
  /** `allow_custom_authority_host`: `authority_host` may be a host outside Microsoft's clouds. @default false */
  readonly allowCustomAuthorityHost?: boolean;
  /** `authority_ca_file`: PEM bundle for the authority's TLS certificate (instead of the system CAs). */
  readonly authorityCaFile?: string;
  /**
   * `managed_identity`: tokens from the platform's managed identity endpoint (through MSAL), the
   * system-assigned identity, or the user-assigned one whose client id is given.
   */
  readonly managedIdentity?: { readonly clientId?: string };
  /** `workload_identity`: AKS workload identity, from `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`. */
  readonly workloadIdentity?: boolean;
}

const fileName = z.string({ error: expecting('a file path') }).min(1);

/** A Service Fabric thumbprint as admins paste it: hex, maybe with spaces or colons; stored upper-case. */
const thumbprint = z.string({ error: expecting('a string') }).transform((value, ctx) => {
  const hex = value.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(hex)) {
    ctx.addIssue({ code: 'custom', message: `expected a SHA-1 thumbprint (40 hexadecimal digits), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return hex;
}).meta(THUMBPRINT);

function nonEmptyList<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item, { error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? `expected a list of ${what}` : undefined) })
    .min(1, { error: `list at least one ${what.replace(/s$/, '')}, or leave the key out` });
}

/** Cross-key checks run even when a key is mistyped, so that every problem is reported at once (they only test presence). */
const EVEN_WITH_OTHER_ISSUES = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `tls:` mapping as written. */
export const tlsSchema = z
  .strictObject(
    {
      ca_file: fileName.optional(),
      cert_file: fileName.optional(),
      key_file: fileName.optional(),
      pfx_file: fileName.optional(),
      passphrase_file: fileName.optional(),
      // What is written here may be the passphrase itself by mistake: never echoed.
      passphrase_env: z
        .string({ error: (issue) => (issue.input === undefined ? undefined : `expected an environment variable name, got ${kindOf(issue.input)}`) })
        .regex(ENV_NAME, { error: 'expected an environment variable name (letters, digits and _, not starting with a digit); the value is not shown, in case it is the passphrase itself' })
        // For JSON Schema: the same check without the value in a validator's message.
        .meta({ pattern: undefined, ...quietly({ pattern: ENV_NAME.source }) })
        .optional(),
      server_thumbprints: nonEmptyList(thumbprint, 'thumbprints').optional(),
      server_common_names: nonEmptyList(trimmedString, 'common names').optional(),
      insecure_skip_verify: z.boolean({ error: expecting('a boolean') }).default(false),
    },
    { error: expecting('a mapping') },
  )
  .superRefine((tls, ctx) => {
    const problem = (key: string, message: string): void => ctx.addIssue({ code: 'custom', path: [key], message });
    if (tls.cert_file !== undefined && tls.key_file === undefined) problem('key_file', 'required with cert_file');
    if (tls.key_file !== undefined && tls.cert_file === undefined) problem('cert_file', 'required with key_file');
    if (tls.pfx_file !== undefined && (tls.cert_file !== undefined || tls.key_file !== undefined)) {
      problem('pfx_file', 'excludes cert_file and key_file: give the client certificate one way');
    }
    if (tls.passphrase_file !== undefined && tls.passphrase_env !== undefined) {
      problem('passphrase_env', 'excludes passphrase_file: give the passphrase one way');
    }
    for (const key of ['passphrase_file', 'passphrase_env'] as const) {
      if (tls[key] !== undefined && tls.pfx_file === undefined) problem(key, 'only used with pfx_file');
    }
    if (tls.insecure_skip_verify === true) {
      const verifying = (['ca_file', 'server_thumbprints', 'server_common_names'] as const).filter((k) => tls[k] !== undefined);
      if (verifying.length > 0) problem('insecure_skip_verify', `excludes ${verifying.join(', ')}: nothing would be verified`);
    }
  }, EVEN_WITH_OTHER_ISSUES)
  // The same cross-key rules for JSON Schema (json-schema.ts).
  .meta({
    dependencies: {
      cert_file: ['key_file'],
      key_file: ['cert_file'],
      pfx_file: noneOf('cert_file', 'key_file'),
      passphrase_file: { required: ['pfx_file'], ...noneOf('passphrase_env') },
      passphrase_env: ['pfx_file'],
    },
    if: { required: ['insecure_skip_verify'], properties: { insecure_skip_verify: { const: true } } },
    then: noneOf('ca_file', 'server_thumbprints', 'server_common_names'),
  });

/** What kind of value was found, without the value: for keys whose value may be a secret. */
function kindOf(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a mapping' : `a ${typeof input}`;
}

/** The normalised form of an `authority_host` value, or undefined when it is not a plain https URL. */
function authorityUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url.href.replace(/\/+$/, '');
}

const authorityHost = z.string({ error: expecting('an https:// URL') }).transform((value, ctx) => {
  const url = authorityUrl(value);
  if (url === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected an https:// URL without credentials, query or fragment, got ${JSON.stringify(redactUrl(value))}` });
    return z.NEVER;
  }
  return url;
}).meta(urlPattern('https only'));

/** The first name of each Microsoft cloud, for messages. */
const CLOUD_HOSTS = MICROSOFT_CLOUDS.map((names) => names[0]).join(', ');

/** The `auth:` mapping as written. */
export const authSchema = z
  .strictObject(
    {
      type: z.literal('entra_id', { error: (issue) => (issue.input === undefined ? 'required key is missing' : `expected entra_id, got ${JSON.stringify(issue.input)}`) }),
      client_id: trimmedString.optional(),
      tenant_id: trimmedString.optional(),
      client_secret_file: fileName.optional(),
      client_certificate_file: fileName.optional(),
      client_key_file: fileName.optional(),
      authority_host: authorityHost.optional(),
      allow_custom_authority_host: z.boolean({ error: expecting('a boolean') }).default(false),
      authority_ca_file: fileName.optional(),
      managed_identity: managedIdentitySchema.optional(),
      workload_identity: workloadIdentitySchema.optional(),
    },
    { error: expecting('a mapping') },
  )
  .superRefine((auth, ctx) => {
    const problem = (key: string, message: string): void => ctx.addIssue({ code: 'custom', path: [key], message });
    const secret = auth.client_secret_file !== undefined;
    const certificate = auth.client_certificate_file !== undefined;
    const managed = auth.managed_identity !== undefined && auth.managed_identity !== false;
    const workload = auth.workload_identity === true;
    // Exactly one credential: with two, which one a token came from would depend on the code's order.
    const given: string[] = [];
    for (const [key, present] of [['client_secret_file', secret], ['client_certificate_file', certificate], ['managed_identity', managed], ['workload_identity', workload]] as const) {
      if (present && given.length > 0) problem(key, `excludes ${given.join(', ')}: give the client credential one way`);
      if (present) given.push(key);
    }
    if (given.length === 0 && auth.client_key_file === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs one client credential: client_secret_file, client_certificate_file with client_key_file, managed_identity or workload_identity' });
    }
    if (!managed && !workload && auth.client_id === undefined) problem('client_id', 'required key is missing');
    if (managed || workload) {
      const which = managed ? 'managed_identity' : 'workload_identity';
      const from = managed ? 'the identity endpoint the platform provides' : 'AZURE_CLIENT_ID';
      if (auth.client_id !== undefined) {
        problem('client_id', `not used with ${which}: ${managed ? 'a user-assigned identity is named by managed_identity.client_id' : 'the client id comes from AZURE_CLIENT_ID'}`);
      }
      if (auth.tenant_id !== undefined) problem('tenant_id', `not used with ${which}: ${managed ? "the token is for the identity's own tenant" : 'the tenant comes from AZURE_TENANT_ID'}`);
      if (managed) {
        for (const key of ['authority_host', 'authority_ca_file'] as const) {
          if (auth[key] !== undefined) problem(key, `not used with managed_identity: tokens come from ${from}`);
        }
      }
    }
    if (certificate && auth.client_key_file === undefined) problem('client_key_file', 'required with client_certificate_file');
    if (auth.client_key_file !== undefined && !certificate) problem('client_certificate_file', 'required with client_key_file');
    // The host that receives the client credential is chosen here, never by the cluster.
    // Checked on the normalised URL only: a malformed value has its own (redacted) issue.
    const host = typeof auth.authority_host === 'string' ? authorityUrl(auth.authority_host) : undefined;
    if (host !== undefined && auth.allow_custom_authority_host === false && !isMicrosoftLoginHost(host)) {
      problem(
        'authority_host',
        `${host} is not a Microsoft cloud's login host (${CLOUD_HOSTS}); set allow_custom_authority_host: true to send the client credential to it`,
      );
    }
    if (auth.allow_custom_authority_host === true && auth.authority_host === undefined) problem('allow_custom_authority_host', 'only used with authority_host');
  }, EVEN_WITH_OTHER_ISSUES)
  // The same cross-key rules for JSON Schema (json-schema.ts); which login hosts are Microsoft's is
  // left to the exporter.
  .meta({
    anyOf: [
      { required: ['client_id', 'client_secret_file'] },
      { required: ['client_id', 'client_certificate_file'] },
      { required: ['client_id', 'client_key_file'] },
      { required: ['managed_identity'] },
      { required: ['workload_identity'] },
    ],
    dependencies: {
      client_certificate_file: { required: ['client_key_file'], ...noneOf('client_secret_file') },
      client_key_file: ['client_certificate_file'],
    },
    allOf: [
      {
        if: { required: ['allow_custom_authority_host'], properties: { allow_custom_authority_host: { const: true } } },
        then: { required: ['authority_host'] },
      },
      // `false` is no credential, so only `true` or a mapping excludes the others.
      {
        if: { required: ['managed_identity'], properties: { managed_identity: { not: { const: false } } } },
        then: noneOf('client_id', 'tenant_id', 'client_secret_file', 'client_certificate_file', 'client_key_file', 'authority_host', 'authority_ca_file', 'workload_identity'),
      },
      {
        if: { required: ['workload_identity'], properties: { workload_identity: { const: true } } },
        then: noneOf('client_id', 'tenant_id', 'client_secret_file', 'client_certificate_file', 'client_key_file'),
      },
    ],
  });

type TlsFile = z.output<typeof tlsSchema>;
type AuthFile = z.output<typeof authSchema>;

/** The file keys of each section, in the order they are checked and reported. */
const TLS_FILES = ['ca_file', 'cert_file', 'key_file', 'pfx_file', 'passphrase_file'] as const;
const AUTH_FILES = ['client_secret_file', 'client_certificate_file', 'client_key_file', 'authority_ca_file'] as const;

/** Why a file cannot be read, naming it as written in the configuration; undefined if it can. */
function fileProblem(written: string, baseDir: string): string | undefined {
  const path = resolvePath(written, baseDir);
  try {
    if (statSync(path).isDirectory()) return `${written} is a directory`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `cannot read ${written}: no such file (ENOENT)`;
    if (code === 'EACCES' || code === 'EPERM') return `cannot read ${written}: permission denied (${code})`;
    return `cannot read ${written}: ${code ?? (error as Error).message}`;
  }
}

/**
 * Start-up checks of one validated cluster that need the outside world: every named file readable,
 * every named environment variable set, and TLS or a token only over https. `at` is the cluster's
 * path (`['clusters', 0]`).
 */
export function securityIssues(
  cluster: { endpoint: string; tls?: TlsFile; auth?: AuthFile },
  at: readonly PropertyKey[],
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const issues: string[] = [];
  const https = cluster.endpoint.toLowerCase().startsWith('https:');
  if (cluster.tls !== undefined) {
    if (!https) issues.push(`${formatPath([...at, 'tls'])}: needs an https:// endpoint, got ${cluster.endpoint}`);
    for (const key of TLS_FILES) {
      const path = cluster.tls[key];
      const problem = path === undefined ? undefined : fileProblem(path, baseDir);
      if (problem !== undefined) issues.push(`${formatPath([...at, 'tls', key])}: ${problem}`);
    }
    const variable = cluster.tls.passphrase_env;
    if (variable !== undefined && !env[variable]) {
      issues.push(`${formatPath([...at, 'tls', 'passphrase_env'])}: environment variable ${variable} is not set or empty`);
    }
  }
  if (cluster.auth !== undefined) {
    // A bearer token sent in clear text can be replayed by anyone on the path.
    if (!https) issues.push(`${formatPath([...at, 'auth'])}: needs an https:// endpoint (a token must not travel in clear text), got ${cluster.endpoint}`);
    for (const key of AUTH_FILES) {
      const path = cluster.auth[key];
      const problem = path === undefined ? undefined : fileProblem(path, baseDir);
      if (problem !== undefined) issues.push(`${formatPath([...at, 'auth', key])}: ${problem}`);
    }
    if (cluster.auth.workload_identity === true) {
      const problem = workloadIdentityProblem(env);
      if (problem !== undefined) issues.push(`${formatPath([...at, 'auth', 'workload_identity'])}: ${problem}`);
    }
  }
  return issues;
}

function definedOnly<T extends object>(value: T): T {
  return Object.freeze(Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))) as T;
}

/** The domain form of `tls:`, paths resolved against `baseDir`. */
export function toTlsConfig(tls: TlsFile, baseDir: string): ClusterTlsConfig {
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolvePath(p, baseDir));
  return definedOnly({
    caFile: path(tls.ca_file),
    certFile: path(tls.cert_file),
    keyFile: path(tls.key_file),
    pfxFile: path(tls.pfx_file),
    passphraseFile: path(tls.passphrase_file),
    passphraseEnv: tls.passphrase_env,
    serverThumbprints: tls.server_thumbprints && Object.freeze([...tls.server_thumbprints]),
    serverCommonNames: tls.server_common_names && Object.freeze([...tls.server_common_names]),
    insecureSkipVerify: tls.insecure_skip_verify,
  });
}

/** The domain form of `auth:`, paths resolved against `baseDir`. */
export function toAuthConfig(auth: AuthFile, baseDir: string): ClusterAuthConfig {
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolvePath(p, baseDir));
  return definedOnly({
    type: auth.type,
    clientId: auth.client_id,
    tenantId: auth.tenant_id,
    clientSecretFile: path(auth.client_secret_file),
    clientCertificateFile: path(auth.client_certificate_file),
    clientKeyFile: path(auth.client_key_file),
    // A managed identity's tokens come from its identity endpoint: no login host is used.
    authorityHost: toManagedIdentity(auth.managed_identity) !== undefined ? undefined : (auth.authority_host ?? DEFAULT_AUTHORITY_HOST),
    allowCustomAuthorityHost: auth.allow_custom_authority_host,
    authorityCaFile: path(auth.authority_ca_file),
    managedIdentity: toManagedIdentity(auth.managed_identity),
    workloadIdentity: auth.workload_identity === true ? true : undefined,
  });
}

/** What the start-up log shows of `tls:`: file paths and names, never what the files or variables hold. */
export function describeTls(tls: ClusterTlsConfig): Record<string, unknown> {
  return {
    ca_file: tls.caFile,
    cert_file: tls.certFile,
    key_file: tls.keyFile,
    pfx_file: tls.pfxFile,
    passphrase_file: tls.passphraseFile,
    passphrase_env: tls.passphraseEnv,
    server_thumbprints: tls.serverThumbprints && [...tls.serverThumbprints],
    server_common_names: tls.serverCommonNames && [...tls.serverCommonNames],
    insecure_skip_verify: tls.insecureSkipVerify,
  };
}

/** What the start-up log shows of `auth:`: ids and file paths, never the secret or key. */
export function describeAuth(auth: ClusterAuthConfig): Record<string, unknown> {
  return {
    type: auth.type,
    client_id: auth.clientId,
    tenant_id: auth.tenantId,
    client_secret_file: auth.clientSecretFile,
    client_certificate_file: auth.clientCertificateFile,
    client_key_file: auth.clientKeyFile,
    authority_host: auth.authorityHost,
    allow_custom_authority_host: auth.allowCustomAuthorityHost,
    authority_ca_file: auth.authorityCaFile,
    managed_identity: auth.managedIdentity && (auth.managedIdentity.clientId === undefined ? true : { client_id: auth.managedIdentity.clientId }),
    workload_identity: auth.workloadIdentity,
  };
}
