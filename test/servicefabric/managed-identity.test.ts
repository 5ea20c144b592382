import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
import { startIdentityServer, type IdentityServer } from '../helpers/identity-server.js';
import { captureLog } from '../helpers/log-capture.js';
import { pollFailure } from '../helpers/sf-client.js';

const PATH = 'MyAppPkg';
const SHARED = { requestTimeoutMs: 5000, userAgent: 'sf-upload-exporter-test' };
const USER_ASSIGNED = '2f3e4d5c-6b7a-4988-9aab-bccddeeff001';
/** Every variable MSAL reads to pick a source: only the IMDS override is set while these tests run. */
const MSAL_ENV = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET', 'AZURE_POD_IDENTITY_AUTHORITY_HOST'];

let certs: TestCerts;
let identity: IdentityServer;
let sim: Simulator;
let saved: Record<string, string | undefined>;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  saved = Object.fromEntries(MSAL_ENV.map((name) => [name, process.env[name]]));
  for (const name of MSAL_ENV) delete process.env[name];
  certs = makeTestCerts();
  identity = await startIdentityServer();
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = identity.url.replace(/\/+$/, '');
  sim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key }, aad: { tokenKey: identity.publicKeyPem } });
  sim.store.addChunk(PATH, '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);
});

afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
  await sim.close();
  await identity.close();
  certs.cleanup();
  for (const name of MSAL_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function client(managedIdentity: ClusterAuthConfig['managedIdentity'], logger = captureLog().logger): ClusterClient {
  const cluster: ClusterConfig = {
    name: 'managed',
    endpoint: sim.url,
    contentPaths: [PATH],
    tls: { insecureSkipVerify: false, caFile: certs.ca.certFile },
    auth: { type: 'entra_id', managedIdentity },
  };
  const c = createClusterClient(cluster, SHARED, logger);
  open.push(c);
  return c;
}

const failureOf = (c: ClusterClient): Promise<ServiceFabricError> => pollFailure(c, PATH);

describe('managed identity against a loopback identity endpoint', () => {
  it('polls with a system-assigned identity token for the cluster application, and reuses it', async () => {
    const before = identity.requests().length;
    const c = client({});
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    expect(await c.getUploadSessions(PATH)).toHaveLength(1);
    const made = identity.requests().slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]).toEqual({
      path: '/metadata/identity/oauth2/token/',
      query: { 'api-version': '2018-02-01', resource: DEFAULT_AAD.clusterApp },
      metadataHeader: 'true',
    });
  });

  it('names a user-assigned identity by its client id', async () => {
    const before = identity.requests().length;
    expect(await client({ clientId: USER_ASSIGNED }).getUploadSessions(PATH)).toHaveLength(1);
    expect(identity.requests().slice(before).map((r) => r.query.client_id)).toEqual([USER_ASSIGNED]);
  });

  it('fails with reason auth when the endpoint refuses, without a token or header value in the message or log', async () => {
    identity.set({ refuse: true });
    try {
      const log = captureLog();
      const failure = await failureOf(client({}, log.logger));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toBe(
        `Entra ID token request to the managed identity failed: managed identity (DefaultToImds) at ${new URL(identity.url).origin}: invalid_request: Identity not found`,
      );
      for (const token of identity.issued()) expect(log.text()).not.toContain(token);
    } finally {
      identity.set({});
    }
  });

  it('refuses an answer larger than MAX_AUTHORITY_ANSWER_BYTES with reason auth', async () => {
    identity.set({ padBytes: MAX_AUTHORITY_ANSWER_BYTES });
    try {
      const failure = await failureOf(client({}));
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`the answer to GET ${new URL(identity.url).origin} is larger than 1048576 bytes`);
      for (const token of identity.issued()) expect(failure.message).not.toContain(token);
    } finally {
      identity.set({});
    }
  });

  it('does not send the cluster a token for another audience: the poll fails with reason auth, not 403', async () => {
    identity.set({ audience: 'https://management.azure.com/' });
    try {
      const failure = await failureOf(client({}));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(
        `the token is for "https://management.azure.com/", not for the cluster application ${DEFAULT_AAD.clusterApp}, so it was not sent to the cluster`,
      );
      for (const token of identity.issued()) expect(failure.message).not.toContain(token);
    } finally {
      identity.set({});
    }
  });

  it('asks for no token when the cluster names an application that is not an application id', async () => {
    const rogue = await startSimulator({
      tls: { cert: certs.server.cert, key: certs.server.key },
      aad: { tokenKey: identity.publicKeyPem, clusterApp: 'https://management.azure.com/' },
    });
    open.push(rogue);
    const before = identity.requests().length;
    const c = createClusterClient(
      { name: 'rogue', endpoint: rogue.url, contentPaths: [PATH], tls: { insecureSkipVerify: false, caFile: certs.ca.certFile }, auth: { type: 'entra_id', managedIdentity: {} } },
      SHARED,
      captureLog().logger,
    );
    open.push(c);
    const failure = await failureOf(c);
    expect(failure.reason).toBe('auth');
    expect(failure.message).toContain('names a cluster application that is not an application id (a GUID); no token was requested');
    expect(identity.requests().length).toBe(before);
  });
});

describe('EntraTokenSource with a managed identity', () => {
  it('renews the token once less than five minutes of it are left', async () => {
    const dispatcher = new Agent({ connect: { ca: certs.ca.cert } });
    open.push(dispatcher);
    let offset = 0;
    const s = new EntraTokenSource({
      auth: { type: 'entra_id', managedIdentity: {} },
      discover: (signal) => fetchAadMetadata(sim.url, dispatcher, { timeoutMs: 5000, userAgent: 'test', signal }),
      timeoutMs: 5000,
      now: () => Date.now() + offset,
    });
    const first = await s.token();
    offset = 50 * 60_000;
    expect(await s.token()).toBe(first);
    expect(s.requests).toBe(1);
    offset = 61 * 60_000; // expired
    const renewed = await s.token();
    expect(s.requests).toBe(2);
    expect(renewed).not.toBe(first);
  });
});
