/**
 * The simulated gateway's security, as a secure cluster's: HTTPS, client certificates verified
 * against a CA, Entra ID bearer tokens checked for signature and audience, and the anonymous
 * `GET /$/GetAadMetadata`. A request without an accepted credential gets what the real gateway
 * sends: 403 "Client certificate required" with an empty body. Either credential admits.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

/** HTTPS for the simulated gateway. */
export interface SimulatorTlsOptions {
  /** PEM server certificate (chain). */
  cert: string | Buffer;
  /** PEM private key of `cert`. */
  key: string | Buffer;
  /**
   * PEM CA bundle client certificates must chain to. Alone, the handshake requires a verified
   * client certificate (a missing or foreign one fails the TLS handshake); together with `aad`, the
   * handshake only asks for one and a request with neither credential gets 403.
   */
  clientCa?: string | Buffer;
}

/** Entra ID for the simulated gateway: what GetAadMetadata says and how tokens are checked. */
export interface SimulatorAadOptions {
  /** PEM public key or certificate of the test token issuer; tokens must be signed with its key. */
  tokenKey: string | Buffer;
  /** @default '6b1ae1c5-0b4e-4d05-9a3c-3f0e1c7a5d11' */
  tenant?: string;
  /** The cluster application id: the audience tokens must carry. @default 'c1a5e7b0-5f3e-4c1d-8a6b-2d9e4f7a8c01' */
  clusterApp?: string;
  /** @default 'd2b6f8c1-6a4f-4d2e-9b7c-3e0f5a8b9d02' */
  clientApp?: string;
  /** Login host named in the metadata. @default 'https://login.microsoftonline.com' */
  login?: string;
}

export const DEFAULT_AAD = {
  tenant: '6b1ae1c5-0b4e-4d05-9a3c-3f0e1c7a5d11',
  clusterApp: 'c1a5e7b0-5f3e-4c1d-8a6b-2d9e4f7a8c01',
  clientApp: 'd2b6f8c1-6a4f-4d2e-9b7c-3e0f5a8b9d02',
  login: 'https://login.microsoftonline.com',
} as const;

/** The `GetAadMetadata` body (research §5): `type` `aad` with authority, tenant and applications. */
export interface AadMetadataWire {
  type: string;
  metadata: { login: string; authority: string; client: string; cluster: string; redirect: string; tenant: string } | null;
}

/** What `GET /$/GetAadMetadata` answers: an Entra ID description, or an empty `type` without one. */
export function aadMetadataBody(aad: SimulatorAadOptions | undefined): AadMetadataWire {
  if (aad === undefined) {
    // Not an Entra ID cluster: sfctl only checks that `type` is not "aad".
    return { type: '', metadata: null };
  }
  const login = (aad.login ?? DEFAULT_AAD.login).replace(/\/+$/, '');
  const tenant = aad.tenant ?? DEFAULT_AAD.tenant;
  return {
    type: 'aad',
    metadata: {
      login,
      authority: `${login}/${tenant}`,
      client: aad.clientApp ?? DEFAULT_AAD.clientApp,
      cluster: aad.clusterApp ?? DEFAULT_AAD.clusterApp,
      redirect: 'urn:ietf:wg:oauth:2.0:oob',
      tenant,
    },
  };
}

function publicKeyOf(pem: string | Buffer): KeyObject {
  const text = pem.toString();
  return text.includes('BEGIN CERTIFICATE') ? new X509Certificate(text).publicKey : createPublicKey(text);
}

/** Decides whether a request carries an accepted credential; undefined when the gateway is open. */
export function createAuthorizer(
  tls: SimulatorTlsOptions | undefined,
  aad: SimulatorAadOptions | undefined,
): ((req: IncomingMessage) => Promise<boolean>) | undefined {
  const checksCert = tls?.clientCa !== undefined;
  if (!checksCert && aad === undefined) return undefined;
  const key = aad === undefined ? undefined : publicKeyOf(aad.tokenKey);
  const audience = aad?.clusterApp ?? DEFAULT_AAD.clusterApp;
  return async (req) => {
    if (checksCert && (req.socket as TLSSocket).authorized === true) return true;
    if (key === undefined) return false;
    // As the gateway: everything after the first "Bearer ".
    const header = req.headers.authorization ?? '';
    const at = header.indexOf('Bearer ');
    if (at < 0) return false;
    try {
      // Loaded at the first token: jose is only needed by a simulator that checks tokens.
      const { jwtVerify } = await import('jose');
      await jwtVerify(header.slice(at + 'Bearer '.length).trim(), key, { audience });
      return true;
    } catch {
      return false;
    }
  };
}
