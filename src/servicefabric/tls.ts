/**
 * TLS towards one cluster: reads the `clusters[].tls` files, checks them, and builds the undici
 * connector that presents the client certificate and verifies the server the way Service Fabric
 * tools do (CA bundle, SHA-1 thumbprint pinning, common-name pinning, or nothing at all).
 *
 * Node calls `checkServerIdentity` only after the chain has verified, so a pinned self-signed
 * certificate could never pass through it; the connector therefore lets the handshake finish
 * without Node's verdict and applies every check itself before the socket carries a request.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { ClusterTlsConfig } from '../config/types.js';

/** The key material of one cluster as read from disk. Holds secrets: never log it. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly pfx?: Buffer;
  readonly passphrase?: string;
}

/** A `tls:` file or variable that cannot be used; the message names the key, never the content. */
export class TlsMaterialError extends Error {
  override readonly name = 'TlsMaterialError';
}

/** Every file a `tls:` section names, for change detection. */
export function tlsFiles(tls: ClusterTlsConfig): Array<string | undefined> {
  return [tls.caFile, tls.certFile, tls.keyFile, tls.pfxFile, tls.passphraseFile];
}

/** A secret kept in a file: the whole file, less one trailing line break (editors add one). */
export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message;
}

/** Reads the material a `tls:` section names, and proves OpenSSL can use it. Throws TlsMaterialError. */
export function loadTlsMaterial(tls: ClusterTlsConfig, env: NodeJS.ProcessEnv = process.env): TlsMaterial {
  const read = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TlsMaterialError(`tls.${key}: cannot read ${path}: ${fsReason(error)}`);
    }
  };
  let passphrase: string | undefined;
  if (tls.passphraseFile !== undefined) {
    try {
      passphrase = readSecretFile(tls.passphraseFile);
    } catch (error) {
      throw new TlsMaterialError(`tls.passphrase_file: cannot read ${tls.passphraseFile}: ${fsReason(error)}`);
    }
  } else if (tls.passphraseEnv !== undefined) {
    passphrase = env[tls.passphraseEnv];
    if (!passphrase) throw new TlsMaterialError(`tls.passphrase_env: environment variable ${tls.passphraseEnv} is not set or empty`);
  }
  const material: TlsMaterial = {
    ca: read('ca_file', tls.caFile),
    cert: read('cert_file', tls.certFile),
    key: read('key_file', tls.keyFile),
    pfx: read('pfx_file', tls.pfxFile),
    passphrase,
  };
  // OpenSSL's messages name the failing step ("mac verify failure", "no start line"), never the
  // bytes, so they are safe to pass on.
  const check = (what: string, options: Parameters<typeof createSecureContext>[0]): void => {
    try {
      createSecureContext(options);
    } catch (error) {
      const hint = /mac verify failure/i.test((error as Error).message) ? ' (wrong passphrase?)' : '';
      throw new TlsMaterialError(`${what}: cannot use: ${(error as Error).message}${hint}`);
    }
  };
  if (material.ca) check('tls.ca_file', { ca: material.ca });
  if (material.cert) check('tls.cert_file and tls.key_file', { cert: material.cert, key: material.key });
  if (material.pfx) check('tls.pfx_file', { pfx: material.pfx, passphrase: material.passphrase });
  return material;
}

/** The SHA-1 thumbprint of a certificate, upper-case hex, as Service Fabric shows it. */
function thumbprintOf(cert: PeerCertificate): string {
  return createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
}

function commonNamesOf(cert: PeerCertificate): string[] {
  const cn: unknown = cert.subject?.CN;
  if (Array.isArray(cn)) return cn.filter((v): v is string => typeof v === 'string');
  return typeof cn === 'string' ? [cn] : [];
}

function tlsError(code: string, message: string): Error {
  // An ERR_TLS_ code makes the client classify the failure as `tls`.
  return Object.assign(new Error(message), { code });
}

/**
 * Checks a connected socket against the `tls:` rules; returns the reason to refuse it, or undefined.
 *
 * - The chain must verify (against `ca_file` or the system CAs) unless thumbprints are pinned
 *   without a `ca_file`: a pinned thumbprint names the very certificate, so self-signed is fine.
 * - Thumbprints, when given, must include the server certificate's.
 * - Common names, when given, replace the host name check; otherwise the host name is checked,
 *   except for a pinned certificate (cluster certificates rarely name the host they are reached by).
 */
function verifyServer(tls: ClusterTlsConfig, socket: TLSSocket, host: string): Error | undefined {
  if (tls.insecureSkipVerify) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || cert.raw === undefined) return tlsError('ERR_TLS_NO_PEER_CERTIFICATE', 'the server presented no certificate');
  const pinned = tls.serverThumbprints !== undefined;
  if (!socket.authorized && !(pinned && tls.caFile === undefined)) {
    const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    return tlsError(code, `server certificate not trusted: ${code}`);
  }
  if (pinned) {
    const thumbprint = thumbprintOf(cert);
    if (!tls.serverThumbprints.includes(thumbprint)) {
      return tlsError('ERR_TLS_CERT_THUMBPRINT_MISMATCH', `server certificate thumbprint ${thumbprint} is not one of tls.server_thumbprints`);
    }
  }
  if (tls.serverCommonNames !== undefined) {
    const names = commonNamesOf(cert);
    if (!names.some((name) => tls.serverCommonNames?.includes(name))) {
      return tlsError('ERR_TLS_CERT_COMMON_NAME_MISMATCH', `server certificate common name ${JSON.stringify(names.join(', '))} is not one of tls.server_common_names`);
    }
  } else if (!pinned) {
    const mismatch = checkServerIdentity(host, cert);
    if (mismatch) return mismatch;
  }
  return undefined;
}

/** An undici connector for one cluster: presents `material`, verifies the server by `tls`. */
export function createTlsConnector(
  tls: ClusterTlsConfig,
  material: TlsMaterial,
  timeoutMs: number,
  extra: Partial<buildConnector.BuildOptions> = {},
): buildConnector.connector {
  const base = buildConnector({
    timeout: timeoutMs,
    ...extra,
    ca: material.ca,
    cert: material.cert,
    key: material.key,
    pfx: material.pfx,
    passphrase: material.passphrase,
    // Verification happens in verifyServer (see the module comment).
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    // A resumed session skips certificate exchange; every connection is verified in full instead.
    maxCachedSessions: 0,
  });
  return (options, callback) => {
    base(options, (error, socket) => {
      if (error !== null) return callback(error, null);
      if (options.protocol !== 'https:') return callback(null, socket);
      const host = options.servername ?? options.hostname;
      const problem = verifyServer(tls, socket as TLSSocket, host.replace(/^\[|\]$/g, ''));
      if (problem !== undefined) {
        socket.destroy();
        return callback(problem, null);
      }
      return callback(null, socket);
    });
  };
}
