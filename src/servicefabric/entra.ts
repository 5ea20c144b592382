/**
 * Entra ID (Azure AD) bearer tokens for one cluster: client-credentials flow through MSAL for the
 * cluster application that `GetAadMetadata` names, cached and renewed before it expires. The login
 * host is the configured one, never the cluster's (token-authority.ts). The credential is a client secret,
 * a certificate, an AKS workload identity's federated token (workload-identity.ts), or the token
 * comes from a managed identity instead (managed-identity.ts).
 *
 * The secret or key is read from its file for every token request, so a rotated credential is used
 * from the next renewal on without a restart. Nothing here logs; failures become an `AuthError`
 * whose message names the authority and MSAL's error code, never a credential or a token.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as MsalModule from '@azure/msal-node';
import type { Configuration } from '@azure/msal-node';
import type { ClusterAuthConfig } from '../config/types.js';
import type { AadMetadata } from './aad-metadata.js';
import { tokenAuthority } from './token-authority.js';
import { AuthError, ServiceFabricError } from './request-errors.js';
import { IdentityRequestError, managedIdentityToken, type IdentityToken } from './managed-identity.js';
import { NetworkClient, redact } from './msal-network.js';
import { clusterApplicationProblem, tokenAudienceProblem } from './token-audience.js';
import { readSecretFile } from './tls.js';
import { readFederatedToken, workloadIdentityFromEnv, type WorkloadIdentity } from './workload-identity.js';

export { MAX_AUTHORITY_ANSWER_BYTES } from './msal-network.js';

type Msal = typeof MsalModule;
let msal: Promise<Msal> | undefined;

/** MSAL, imported once, on first use. */
function loadMsal(): Promise<Msal> {
  msal ??= import('@azure/msal-node');
  return msal;
}

/** Renew a token when less than this is left of it (or half its lifetime, if that is shorter). */
const TOKEN_RENEW_BEFORE_MS = 5 * 60_000;
/** After a failed token request, calls within this time fail the same way without a new request. */
const DEFAULT_FAILURE_HOLD_MS = 10_000;

interface EntraTokenSourceOptions {
  readonly auth: ClusterAuthConfig;
  /** Fetches the cluster's `GetAadMetadata` (through the cluster's TLS settings). */
  readonly discover: (signal?: AbortSignal) => Promise<AadMetadata>;
  /** Deadline of each request to the authority. */
  readonly timeoutMs: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default DEFAULT_FAILURE_HOLD_MS */
  readonly failureHoldMs?: number;
}

interface CachedToken {
  readonly value: string;
  readonly renewAtMs: number;
  readonly expiresMs: number;
}

/** Tokens for one cluster; shares one request among concurrent callers. */
export class EntraTokenSource {
  readonly #options: EntraTokenSourceOptions;
  readonly #now: () => number;
  #metadata: AadMetadata | undefined;
  #token: CachedToken | undefined;
  #pending: Promise<string> | undefined;
  #failure: { error: ServiceFabricError; untilMs: number } | undefined;
  /** Token requests made (renewals included); for tests and debugging. */
  requests = 0;

  constructor(options: EntraTokenSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A valid access token, from the cache or a new request. Throws AuthError (or the discovery's error). */
  token(signal?: AbortSignal): Promise<string> {
    const now = this.#now();
    if (this.#token !== undefined && now < this.#token.renewAtMs) return Promise.resolve(this.#token.value);
    if (this.#failure !== undefined && now < this.#failure.untilMs) return Promise.reject(this.#failure.error);
    this.#pending ??= this.#acquire(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Drops the cached token and metadata (after the cluster refused the token). */
  invalidate(): void {
    this.#token = undefined;
    this.#metadata = undefined;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<string> {
    try {
      this.#metadata ??= await this.#options.discover(signal);
      const token = await this.#request(this.#metadata);
      this.#token = token;
      this.#failure = undefined;
      return token.value;
    } catch (error) {
      // The metadata may be what changed (a moved tenant): discover again next time.
      this.#metadata = undefined;
      // A still-valid token outlives a failed early renewal.
      if (this.#token !== undefined && this.#now() < this.#token.expiresMs) return this.#token.value;
      const failure =
        error instanceof ServiceFabricError ? error : new AuthError(`Entra ID token request failed: ${(error as Error).message}`, { cause: error });
      this.#failure = { error: failure, untilMs: this.#now() + (this.#options.failureHoldMs ?? DEFAULT_FAILURE_HOLD_MS) };
      throw failure;
    }
  }

  /** A cached token from a new one, renewed before it expires. */
  #cache(value: string, expiresOn: Date): CachedToken {
    const obtainedMs = this.#now();
    const expiresMs = expiresOn.getTime();
    this.requests += 1;
    const renewBefore = Math.min(TOKEN_RENEW_BEFORE_MS, Math.max(0, (expiresMs - obtainedMs) / 2));
    return { value, expiresMs, renewAtMs: expiresMs - renewBefore };
  }

  async #fromManagedIdentity(metadata: AadMetadata, clientId: string | undefined): Promise<CachedToken> {
    const fail = (what: string): AuthError => new AuthError(`Entra ID token request to the managed identity failed: ${what}`);
    const unusable = clusterApplicationProblem(metadata.cluster);
    if (unusable !== undefined) throw fail(unusable);
    let token: IdentityToken;
    try {
      token = await managedIdentityToken(clientId, metadata.cluster, this.#options.timeoutMs);
    } catch (error) {
      this.requests += 1;
      throw fail(error instanceof IdentityRequestError ? error.message : 'unknown error');
    }
    const problem = tokenAudienceProblem(token.accessToken, metadata.cluster);
    if (problem !== undefined) {
      this.requests += 1;
      throw fail(problem);
    }
    return this.#cache(token.accessToken, token.expiresOn);
  }

  async #request(metadata: AadMetadata): Promise<CachedToken> {
    const { timeoutMs } = this.#options;
    if (this.#options.auth.managedIdentity !== undefined) return this.#fromManagedIdentity(metadata, this.#options.auth.managedIdentity.clientId);
    let workload: WorkloadIdentity | undefined;
    if (this.#options.auth.workloadIdentity === true) {
      try {
        workload = workloadIdentityFromEnv();
      } catch (error) {
        throw new AuthError(`Entra ID: ${(error as Error).message}`);
      }
    }
    const auth: ClusterAuthConfig = workload === undefined ? this.#options.auth : { ...this.#options.auth, clientId: workload.clientId, tenantId: workload.tenantId };
    // Throws before any credential is read when the cluster names another login host.
    const { host, authority } = tokenAuthority(auth, metadata);
    /** The last federated token read, to keep it out of messages. */
    let assertion: string | undefined;
    const fail = (what: string, cause?: unknown, secrets: ReadonlyArray<string | undefined> = []): AuthError =>
      new AuthError(redact(`Entra ID token request to ${authority} failed: ${what}`, [...secrets, assertion]), { cause, url: authority });
    if (workload !== undefined) {
      const unusable = clusterApplicationProblem(metadata.cluster);
      if (unusable !== undefined) throw fail(unusable);
    }

    let secret: string | undefined;
    let certificate: { thumbprintSha256: string; privateKey: string; x5c: string } | undefined;
    let ca: Buffer | undefined;
    try {
      if (auth.clientSecretFile !== undefined) secret = readSecretFile(auth.clientSecretFile);
      if (auth.clientCertificateFile !== undefined && auth.clientKeyFile !== undefined) {
        const pem = readFileSync(auth.clientCertificateFile, 'utf8');
        certificate = {
          thumbprintSha256: new X509Certificate(pem).fingerprint256.replace(/:/g, ''),
          privateKey: readFileSync(auth.clientKeyFile, 'utf8'),
          x5c: pem,
        };
      }
      if (auth.authorityCaFile !== undefined) ca = readFileSync(auth.authorityCaFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw fail(`cannot read a credential file: ${code ?? 'invalid certificate'}`);
    }
    const network = new NetworkClient(ca, timeoutMs);
    // Loaded at the first token request: MSAL is several megabytes of heap and code that an exporter
    // of clusters without Entra ID (most of them) never runs.
    const { ConfidentialClientApplication, LogLevel } = await loadMsal();
    const config: Configuration = {
      auth: {
        clientId: auth.clientId ?? '',
        authority,
        // Only ever the trusted host (tokenAuthority): a known authority is used as it is, with no
        // instance discovery against Microsoft's cloud.
        knownAuthorities: [new URL(host).host],
        ...(secret !== undefined ? { clientSecret: secret } : {}),
        ...(certificate !== undefined ? { clientCertificate: certificate } : {}),
        ...(workload !== undefined
          ? {
              // Read at each token request: Kubernetes rotates the projected token.
              clientAssertion: () => {
                try {
                  assertion = readFederatedToken(workload.tokenFile);
                  return Promise.resolve(assertion);
                } catch (error) {
                  return Promise.reject(new AuthError(`Entra ID token request to ${authority} failed: ${(error as Error).message}`, { url: authority }));
                }
              },
            }
          : {}),
      },
      system: {
        networkClient: network,
        loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false, logLevel: LogLevel.Error },
      },
    };
    try {
      const app = new ConfidentialClientApplication(config);
      const result = await app.acquireTokenByClientCredential({ scopes: [`${metadata.cluster}/.default`], skipCache: true });
      if (result === null || result.accessToken === '' || result.expiresOn === null) throw fail('no token in the answer');
      if (workload !== undefined) {
        const problem = tokenAudienceProblem(result.accessToken, metadata.cluster);
        if (problem !== undefined) throw fail(problem);
      }
      return this.#cache(result.accessToken, result.expiresOn);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      this.requests += 1;
      const e = error as { errorCode?: string; errorMessage?: string; message?: string };
      const detail = network.refused ?? [e.errorCode, (e.errorMessage ?? e.message ?? '').split('\n')[0]?.slice(0, 300)].filter((s) => s).join(': ');
      throw fail(detail || 'unknown error', undefined, [secret, certificate?.privateKey]);
    } finally {
      await network.close();
    }
  }
}
