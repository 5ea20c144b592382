/**
 * A loopback stand-in for a managed identity endpoint (IMDS's `/metadata/identity/oauth2/token`,
 * reached through AZURE_POD_IDENTITY_AUTHORITY_HOST as MSAL reads it): it answers a GET with an
 * RS256 access token for the requested resource, as the platform's token service does.
 */
import { randomUUID } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { startServer, type TestServer } from './http-server.js';

interface IdentityRequest {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly metadataHeader: string | undefined;
}

export interface IdentityServer {
  readonly url: string;
  /** PEM public key tokens are signed with (the simulator's `aad.tokenKey`). */
  readonly publicKeyPem: string;
  /** Every token request seen. */
  requests(): IdentityRequest[];
  /** Every access token issued so far. */
  issued(): string[];
  /** How the next answers go: a refusal, a padded answer, or tokens for another audience. */
  set(behaviour: { refuse?: boolean; padBytes?: number; audience?: string }): void;
  close(): Promise<void>;
}

/** Starts the identity endpoint on 127.0.0.1 (plain HTTP, as IMDS is). */
export async function startIdentityServer(expiresInSeconds = 3600): Promise<IdentityServer> {
  const keys = await generateKeyPair('RS256');
  const requests: IdentityRequest[] = [];
  const issued: string[] = [];
  let behaviour: { refuse?: boolean; padBytes?: number; audience?: string } = {};
  const server: TestServer = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const metadata = req.headers.metadata;
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), metadataHeader: Array.isArray(metadata) ? metadata[0] : metadata });
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    // MSAL's URL handling adds a trailing slash to the path.
    if (url.pathname.replace(/\/$/, '') !== '/metadata/identity/oauth2/token') return json(404, { error: 'not_found', error_description: url.pathname });
    if (behaviour.refuse) return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const resource = url.searchParams.get('resource') ?? '';
    const expiresOn = Math.floor(Date.now() / 1000) + expiresInSeconds;
    void new SignJWT({ jti: randomUUID(), roles: ['User'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience(behaviour.audience ?? resource)
      .setIssuer('https://sts.windows.net/identity/')
      .setIssuedAt()
      .setExpirationTime(expiresOn)
      .sign(keys.privateKey)
      .then((token) => {
        issued.push(token);
        const answer = { access_token: token, expires_in: String(expiresInSeconds), expires_on: String(expiresOn), resource, token_type: 'Bearer' };
        json(200, behaviour.padBytes ? { ...answer, padding: 'x'.repeat(behaviour.padBytes) } : answer);
      });
  });
  return {
    url: server.url,
    publicKeyPem: await exportSPKI(keys.publicKey),
    requests: () => [...requests],
    issued: () => [...issued],
    set: (b) => {
      behaviour = b;
    },
    close: () => server.close(),
  };
}
