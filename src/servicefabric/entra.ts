/**
 * Entra ID (Azure AD) bearer tokens for one cluster: client-credentials flow through MSAL for the
 * cluster application that `GetAadMetadata` names, cached and renewed before it expires. The login
 * host is the configured one, never the cluster's (authority.ts).
 *
 * The secret or key is read from its file for every token request, so a rotated credential is used
 * from the next renewal on without a restart. Nothing here logs; failures become an `AuthError`
 * whose message names the authority and MSAL's error code, never a credential or a token.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as MsalModule from '@azure/msal-node';
import type { Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import ky, { type Options } from 'ky';
import { Agent } from 'undici';
import type { ClusterAuthConfig } from '../config/types.js';
import type { AadMetadata } from './aad-metadata.js';
import { tokenAuthority } from './authority.js';
import { readBoundedBody } from './body.js';
import { AuthError, ServiceFabricError } from './errors.js';
import { readSecretFile } from './tls.js';

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

/** Replaces every occurrence of each secret in `text` (defence in depth for third-party messages). */
function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/**
 * Requests to the authority (made for MSAL, below): no retries (MSAL decides what to do with a
 * failure, and a failed token request is held, not repeated), and every status handed back to MSAL,
 * which reads its error out of the body.
 */
const authority = ky.create({ retry: 0, throwHttpErrors: false });

/**
 * The largest answer read from the authority (its OpenID configuration, a token): Entra ID's are a
 * few KiB, a token with many group claims some tens. A misbehaving or hostile host must not make us
 * buffer any amount.
 */
export const MAX_AUTHORITY_ANSWER_BYTES = 1024 * 1024;

/** MSAL's HTTP, through ky on an undici Agent so that `authority_ca_file` and our deadline apply. */
class NetworkClient implements INetworkModule {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  /** Why this client refused an answer: MSAL reports only `network_error` for it. */
  refused: string | undefined;

  constructor(ca: Buffer | undefined, timeoutMs: number) {
    this.#agent = new Agent({ connect: { ca, timeout: timeoutMs } });
    this.#timeoutMs = timeoutMs;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const response = await authority(url, {
      method,
      headers: options?.headers,
      body: options?.body,
      timeout: this.#timeoutMs,
      // ky's timeout ends with the headers; this deadline covers the body too.
      signal: AbortSignal.timeout(this.#timeoutMs),
      // ky hands the dispatcher to the global fetch; the cast bridges undici's and Node's types.
      ...({ dispatcher: this.#agent } as unknown as Options),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const read = await readBoundedBody(response, MAX_AUTHORITY_ANSWER_BYTES);
    if (read.tooLarge) {
      this.refused = `the answer to ${method} ${new URL(url).origin} is larger than ${MAX_AUTHORITY_ANSWER_BYTES} bytes`;
      throw new Error(this.refused);
    }
    const text = Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // MSAL reads an error out of the body; a non-JSON one becomes an empty object and its status.
      body = {};
    }
    return { headers, body: body as T, status: response.status };
  }
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

  async #request(metadata: AadMetadata): Promise<CachedToken> {
    const { auth, timeoutMs } = this.#options;
    // Throws before any credential is read when the cluster names another login host.
    const { host, authority } = tokenAuthority(auth, metadata);
    const fail = (what: string, cause?: unknown, secrets: ReadonlyArray<string | undefined> = []): AuthError =>
      new AuthError(redact(`Entra ID token request to ${authority} failed: ${what}`, secrets), { cause, url: authority });

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
        clientId: auth.clientId,
        authority,
        // Only ever the trusted host (tokenAuthority): a known authority is used as it is, with no
        // instance discovery against Microsoft's cloud.
        knownAuthorities: [new URL(host).host],
        ...(secret !== undefined ? { clientSecret: secret } : {}),
        ...(certificate !== undefined ? { clientCertificate: certificate } : {}),
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
      const obtainedMs = this.#now();
      const expiresMs = result.expiresOn.getTime();
      this.requests += 1;
      const renewBefore = Math.min(TOKEN_RENEW_BEFORE_MS, Math.max(0, (expiresMs - obtainedMs) / 2));
      return { value: result.accessToken, expiresMs, renewAtMs: expiresMs - renewBefore };
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
