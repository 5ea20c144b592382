import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { ClusterAuthConfig, ClusterConfig } from '../../src/config/types.js';
import { fetchAadMetadata } from '../../src/servicefabric/aad-metadata.js';
import { createClusterClient, type ClusterClient } from '../../src/servicefabric/cluster-client.js';
import { EntraTokenSource, MAX_AUTHORITY_ANSWER_BYTES } from '../../src/servicefabric/entra.js';
import type { ServiceFabricError } from '../../src/servicefabric/request-errors.js';
import { AuthError } from '../../src/servicefabric/request-errors.js';
import { DEFAULT_AAD } from '../../src/simulator/gateway-security.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { captureLog } from '../helpers/log-capture.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';
import { pollFailure } from '../helpers/sf-client.js';

const PATH = 'MyAppPkg';
const SHARED = { requestTimeoutMs: 5000, userAgent: 'sf-upload-exporter-test' };
const CLIENT_ID = 'exporter-app';
const SECRET = `entra-secret-${Math.random().toString(36).slice(2)}`;

let certs: TestCerts;
let tokens: TokenServer;
let sim: Simulator;
let secretFile: string;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  certs = makeTestCerts();
  secretFile = join(certs.dir, 'entra.secret');
  writeFileSync(secretFile, `${SECRET}\n`);
  tokens = await startTokenServer({ tls: certs.server, clientId: CLIENT_ID, clientSecret: SECRET, clientCertificate: certs.entraClient.cert });
  sim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key }, aad: { tokenKey: tokens.publicKeyPem, login: tokens.url } });
  sim.store.addChunk(PATH, '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);
});

afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
  await sim.close();
  await tokens.close();
  certs.cleanup();
});

/** The loopback token server as the trusted authority: not a Microsoft host, so allowed explicitly. */
function trustTokens(): Partial<ClusterAuthConfig> {
  return { authorityHost: tokens.url, allowCustomAuthorityHost: true, authorityCaFile: certs.ca.certFile };
}

function client(auth: Partial<ClusterAuthConfig> | undefined, logger = captureLog().logger): ClusterClient {
  const cluster: ClusterConfig = {
    name: 'entra',
    endpoint: sim.url,
    contentPaths: [PATH],
    tls: { insecureSkipVerify: false, caFile: certs.ca.certFile },
    ...(auth === undefined ? {} : { auth: { type: 'entra_id', clientId: CLIENT_ID, ...trustTokens(), ...auth } }),
  };
  const c = createClusterClient(cluster, SHARED, logger);
  open.push(c);
  return c;
}

const failureOf = (c: ClusterClient): Promise<ServiceFabricError> => pollFailure(c, PATH);

describe('Entra ID client credentials against a loopback token endpoint', () => {
  it('discovers the authority from GetAadMetadata, gets a token with the client secret, and reuses it', async () => {
    const before = tokens.tokenRequests();
    const c = client({ clientSecretFile: secretFile });
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    expect(tokens.tokenRequests() - before).toBe(1);
    // The authority was the configured one; nothing asked Microsoft's cloud for instance metadata.
    expect(tokens.paths().every((p) => p.startsWith(`/${DEFAULT_AAD.tenant}/`))).toBe(true);
  });

  it('gets a token with a client certificate', async () => {
    const before = tokens.tokenRequests();
    const c = client({ clientCertificateFile: certs.entraClient.certFile, clientKeyFile: certs.entraClient.keyFile });
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    expect(tokens.tokenRequests() - before).toBe(1);
  });

  it('is refused with 403 and no body without a token, or with a token the cluster does not trust', async () => {
    const none = await failureOf(client(undefined));
    expect(none.reason).toBe('http_status');
    expect(none.status).toBe(403);

    tokens.signWithWrongKey(true);
    try {
      const c = client({ clientSecretFile: secretFile });
      const refused = await failureOf(c);
      expect(refused.reason).toBe('http_status');
      expect(refused.status).toBe(403);
      // The refused token is dropped: once the issuer is right again, the next poll gets a new one.
      tokens.signWithWrongKey(false);
      const before = tokens.tokenRequests();
      expect(await c.getUploadSessions(PATH)).toHaveLength(1);
      expect(tokens.tokenRequests() - before).toBe(1);
    } finally {
      tokens.signWithWrongKey(false);
    }
  });

  it('looks a path up in the store with the same token, and drops a token the cluster refuses there too', async () => {
    sim.store.putFile('Store\\entra.bin', 42);
    const before = tokens.tokenRequests();
    const c = client({ clientSecretFile: secretFile });
    expect((await c.getStoreFile('Store\\entra.bin'))?.fileSize).toBe(42);
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    expect(tokens.tokenRequests() - before).toBe(1);

    tokens.signWithWrongKey(true);
    try {
      const refusedClient = client({ clientSecretFile: secretFile });
      await expect(refusedClient.getStoreFile('Store\\entra.bin')).rejects.toMatchObject({ reason: 'http_status', status: 403 });
      tokens.signWithWrongKey(false);
      const again = tokens.tokenRequests();
      expect((await refusedClient.getStoreFile('Store\\entra.bin'))?.fileSize).toBe(42);
      expect(tokens.tokenRequests() - again).toBe(1);
    } finally {
      tokens.signWithWrongKey(false);
    }
  });

  it('turns a failing token endpoint into a poll failure with reason auth, without the secret', async () => {
    tokens.failing(true);
    try {
      const log = captureLog();
      const failure = await failureOf(client({ clientSecretFile: secretFile }, log.logger));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain('invalid_client');
      expect(failure.message).not.toContain(SECRET);
      expect(log.text()).not.toContain(SECRET);
    } finally {
      tokens.failing(false);
    }
  });

  it('reads a token answer up to MAX_AUTHORITY_ANSWER_BYTES, and fails with reason auth past it without buffering the rest', async () => {
    try {
      // Some tens of KiB: a token with many group claims.
      tokens.padTokenAnswer(64 * 1024);
      await expect(client({ clientSecretFile: secretFile }).getUploadSessions(PATH)).resolves.toHaveLength(1);
      tokens.padTokenAnswer(MAX_AUTHORITY_ANSWER_BYTES);
      const log = captureLog();
      const failure = await failureOf(client({ clientSecretFile: secretFile }, log.logger));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`the answer to POST ${new URL(tokens.url).origin} is larger than 1048576 bytes`);
      expect(failure.message).not.toContain(SECRET);
    } finally {
      tokens.padTokenAnswer(0);
    }
  });

  it('fails with reason auth when the cluster is not an Entra ID cluster', async () => {
    const plain = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key } });
    open.push(plain);
    const c = createClusterClient(
      {
        name: 'plain',
        endpoint: plain.url,
        contentPaths: [PATH],
        tls: { insecureSkipVerify: false, caFile: certs.ca.certFile },
        auth: { type: 'entra_id', clientId: CLIENT_ID, clientSecretFile: secretFile, ...trustTokens() },
      },
      SHARED,
      captureLog().logger,
    );
    open.push(c);
    const failure = await failureOf(c);
    expect(failure.reason).toBe('auth');
    expect(failure.message).toContain('does not use Entra ID');
  });
});

describe('a cluster that names another login host', () => {
  let rogue: TokenServer;
  let rogueSim: Simulator;

  beforeAll(async () => {
    // A host with a certificate the exporter trusts, ready to accept the secret and issue tokens.
    rogue = await startTokenServer({ tls: certs.server, clientId: CLIENT_ID, clientSecret: SECRET, clientCertificate: certs.entraClient.cert });
    rogueSim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key }, aad: { tokenKey: rogue.publicKeyPem, login: rogue.url } });
    rogueSim.store.addChunk(PATH, '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);
  });

  afterAll(async () => {
    await rogueSim.close();
    await rogue.close();
  });

  function rogueClient(auth: Partial<ClusterAuthConfig>): ClusterClient {
    const c = createClusterClient(
      {
        name: 'rogue',
        endpoint: rogueSim.url,
        contentPaths: [PATH],
        tls: { insecureSkipVerify: false, caFile: certs.ca.certFile },
        auth: { type: 'entra_id', clientId: CLIENT_ID, authorityCaFile: certs.ca.certFile, ...auth },
      },
      SHARED,
      captureLog().logger,
    );
    open.push(c);
    return c;
  }

  it.each([
    ['a client secret', () => ({ clientSecretFile: secretFile })],
    ['a client certificate', () => ({ clientCertificateFile: certs.entraClient.certFile, clientKeyFile: certs.entraClient.keyFile })],
  ])('never sends the token request there with %s, whatever authority is configured', async (_what, credential) => {
    const trustedBefore = tokens.tokenRequests();
    for (const authority of [trustTokens(), {}]) {
      const failure = await failureOf(rogueClient({ ...credential(), ...authority }));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`names the login host ${new URL(rogue.url).origin}`);
      expect(failure.message).toContain('the client credential was not sent');
      expect(failure.message).not.toContain(SECRET);
    }
    expect(rogue.tokenRequests()).toBe(0);
    expect(rogue.paths()).toEqual([]);
    // Nor to the trusted one: a token for a cluster that expects another issuer is refused anyway.
    expect(tokens.tokenRequests()).toBe(trustedBefore);
  });

  it('says that the default authority is the public cloud when none is configured', async () => {
    const failure = await failureOf(rogueClient({ clientSecretFile: secretFile }));
    expect(failure.message).toContain('tokens are only requested from https://login.microsoftonline.com (the default');
  });
});

describe('EntraTokenSource', () => {
  function source(now: () => number, auth: Partial<ClusterAuthConfig> = {}): EntraTokenSource {
    const dispatcher = new Agent({ connect: { ca: certs.ca.cert } });
    open.push(dispatcher);
    return new EntraTokenSource({
      auth: { type: 'entra_id', clientId: CLIENT_ID, clientSecretFile: secretFile, ...trustTokens(), ...auth },
      discover: (signal) => fetchAadMetadata(sim.url, dispatcher, { timeoutMs: 5000, userAgent: 'test', signal }),
      timeoutMs: 5000,
      now,
      failureHoldMs: 10_000,
    });
  }

  it('renews the token once less than five minutes of it are left, not before', async () => {
    let offset = 0;
    const s = source(() => Date.now() + offset);
    const first = await s.token();
    offset = 50 * 60_000; // 10 minutes left of a one-hour token
    expect(await s.token()).toBe(first);
    expect(s.requests).toBe(1);
    offset = 56 * 60_000; // 4 minutes left
    const renewed = await s.token();
    expect(s.requests).toBe(2);
    expect(renewed).not.toBe(first);
  });

  it('keeps a still-valid token when an early renewal fails, and holds a failure instead of hammering the endpoint', async () => {
    let offset = 0;
    const s = source(() => Date.now() + offset);
    const first = await s.token();
    tokens.failing(true);
    try {
      offset = 56 * 60_000;
      expect(await s.token()).toBe(first);
      offset = 61 * 60_000; // expired
      await expect(s.token()).rejects.toMatchObject({ reason: 'auth' });
      const made = tokens.tokenRequests();
      await expect(s.token()).rejects.toMatchObject({ reason: 'auth' });
      expect(tokens.tokenRequests()).toBe(made);
      offset += 11_000;
      tokens.failing(false);
      expect(await s.token()).not.toBe(first);
    } finally {
      tokens.failing(false);
    }
  });

  it('reads a rotated client secret from its file at the next token request', async () => {
    const rotating = join(certs.dir, 'rotating.secret');
    writeFileSync(rotating, 'old-secret-the-app-no-longer-has');
    let offset = 0;
    const s = source(() => Date.now() + offset, { clientSecretFile: rotating });
    await expect(s.token()).rejects.toMatchObject({ reason: 'auth' });
    writeFileSync(rotating, SECRET);
    offset += 11_000;
    await expect(s.token()).resolves.toEqual(expect.any(String));
  });
});
