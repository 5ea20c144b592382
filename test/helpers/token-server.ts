/**
 * A loopback Entra ID stand-in for tests: HTTPS, OpenID discovery per tenant and the v2.0 token
 * endpoint for the client-credentials grant (client secret or certificate assertion). Access
 * tokens are RS256 JWTs whose audience is the requested scope's resource, as Entra ID issues them.
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { startServer, type TestServer } from './http-server.js';

interface TokenServerOptions {
  /** PEM certificate and key the server listens with (issued by a CA the client trusts). */
  tls: { cert: string; key: string };
  /** Accepted client id. */
  clientId: string;
  /** Accepted client secret (for the secret flow). */
  clientSecret?: string;
  /** PEM certificate whose key signs accepted client assertions (for the certificate flow). */
  clientCertificate?: string;
  /** `expires_in` of issued tokens, seconds. @default 3600 */
  expiresInSeconds?: number;
  /** Accepts a client assertion equal to what this returns (a workload identity's federated token). */
  federatedToken?: () => string;
}

export interface TokenServer {
  readonly url: string;
  /** PEM public key tokens are signed with: what the simulator's `aad.tokenKey` takes. */
  readonly publicKeyPem: string;
  /** Token requests answered (successful or not). */
  tokenRequests(): number;
  /** Every access token issued so far (for secrets scans). */
  issued(): string[];
  /** Every request path seen, e.g. for "no instance discovery against Microsoft". */
  paths(): string[];
  /** From now on answer token requests with 401 invalid_client (true) or normally (false). */
  failing(fail: boolean): void;
  /** From now on sign tokens with an unrelated key (the cluster must refuse them). */
  signWithWrongKey(wrong: boolean): void;
  /** While on, a token request is answered with a valid token padded to `bytes` of JSON (0: off). */
  padTokenAnswer(bytes: number): void;
  /** From now on issue tokens for this audience instead of the requested one (undefined: off). */
  audience(aud: string | undefined): void;
  /** Every client assertion received. */
  assertions(): string[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts the token server on 127.0.0.1. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const keys = await generateKeyPair('RS256');
  const wrongKeys = await generateKeyPair('RS256');
  const certificateKey: KeyObject | undefined = options.clientCertificate ? createPublicKey(options.clientCertificate) : undefined;
  let fail = false;
  let wrong = false;
  let padding = 0;
  let audience: string | undefined;
  const assertions: string[] = [];
  let tokenRequests = 0;
  const paths: string[] = [];
  const issued: string[] = [];
  let base = '';

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    paths.push(url.pathname);
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === 'GET' && discovery) {
      const tenant = discovery[1];
      return json(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        issuer: `${base}/${tenant}/v2.0`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      });
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === 'POST' && token) {
      tokenRequests += 1;
      const form = new URLSearchParams(await readBody(req));
      const invalid = (description: string): void =>
        json(res, 401, { error: 'invalid_client', error_description: `AADSTS7000215: ${description}`, error_codes: [7000215] });
      if (fail) return invalid('Invalid client secret provided.');
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== options.clientId) return invalid('Unknown client.');
      const secret = form.get('client_secret');
      const assertion = form.get('client_assertion');
      if (secret !== null) {
        if (options.clientSecret === undefined || secret !== options.clientSecret) return invalid('Invalid client secret provided.');
      } else if (assertion !== null && options.federatedToken !== undefined) {
        assertions.push(assertion);
        if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || assertion !== options.federatedToken()) {
          return invalid('Invalid client assertion.');
        }
      } else if (assertion !== null && certificateKey !== undefined) {
        try {
          // MSAL sets nbf a second after iat; Entra ID allows clock skew too.
          await jwtVerify(assertion, certificateKey, { audience: `${base}/${token[1]}/oauth2/v2.0/token`, clockTolerance: 30 });
        } catch {
          return invalid('Invalid client assertion.');
        }
      } else {
        return invalid('No client credential.');
      }
      const scope = form.get('scope') ?? '';
      const resource = scope.split(' ').find((s) => s.endsWith('/.default'))?.slice(0, -'/.default'.length) ?? '';
      const expiresIn = options.expiresInSeconds ?? 3600;
      const accessToken = await new SignJWT({ appid: options.clientId, roles: ['User'], jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256' })
        .setAudience(audience ?? resource)
        .setIssuer(`https://sts.windows.net/${token[1]}/`)
        .setIssuedAt()
        .setExpirationTime(`${expiresIn}s`)
        .sign(wrong ? wrongKeys.privateKey : keys.privateKey);
      issued.push(accessToken);
      const answer = { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken };
      return json(res, 200, padding > 0 ? { ...answer, padding: 'x'.repeat(padding) } : answer);
    }
    json(res, 404, { error: 'not_found' });
  };

  const server: TestServer = await startServer(
    (req, res) => {
      handler(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
    { tls: options.tls },
  );
  base = server.url.replace('127.0.0.1', 'localhost');
  return {
    url: base,
    publicKeyPem: await exportSPKI(keys.publicKey),
    tokenRequests: () => tokenRequests,
    paths: () => [...paths],
    issued: () => [...issued],
    failing: (f) => {
      fail = f;
    },
    signWithWrongKey: (w) => {
      wrong = w;
    },
    padTokenAnswer: (bytes) => {
      padding = bytes;
    },
    audience: (aud) => {
      audience = aud;
    },
    assertions: () => [...assertions],
    close: () => server.close(),
  };
}
