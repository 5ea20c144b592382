import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { ClusterConfig } from '../../src/config/types.js';
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
const CLIENT_ID = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';
const ENV = ['AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID'] as const;

let certs: TestCerts;
let tokens: TokenServer;
let sim: Simulator;
let tokenFile: string;
/** What the login host accepts as the federated token: the file's content as Kubernetes last wrote it. */
let federated = `eyJhbGciOiJSUzI1NiJ9.federated-${Math.random().toString(36).slice(2)}.sig`;
let saved: Record<string, string | undefined>;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
  certs = makeTestCerts();
  tokenFile = join(certs.dir, 'azure-identity-token');
  writeFileSync(tokenFile, federated);
  tokens = await startTokenServer({ tls: certs.server, clientId: CLIENT_ID, federatedToken: () => federated });
  sim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key }, aad: { tokenKey: tokens.publicKeyPem, login: tokens.url } });
  sim.store.addChunk(PATH, '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);
  process.env.AZURE_FEDERATED_TOKEN_FILE = tokenFile;
  process.env.AZURE_CLIENT_ID = CLIENT_ID;
  process.env.AZURE_TENANT_ID = DEFAULT_AAD.tenant;
});

afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
  await sim.close();
  await tokens.close();
  certs.cleanup();
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const auth = () => ({ type: 'entra_id' as const, workloadIdentity: true, authorityHost: tokens.url, allowCustomAuthorityHost: true, authorityCaFile: certs.ca.certFile });

function client(logger = captureLog().logger): ClusterClient {
  const cluster: ClusterConfig = { name: 'wi', endpoint: sim.url, contentPaths: [PATH], tls: { insecureSkipVerify: false, caFile: certs.ca.certFile }, auth: auth() };
  const c = createClusterClient(cluster, SHARED, logger);
  open.push(c);
  return c;
}

const failureOf = (c: ClusterClient): Promise<ServiceFabricError> => pollFailure(c, PATH);

describe('workload identity against a loopback login host', () => {
  it('sends the federated token as the client assertion to the configured host and tenant, and polls with the token', async () => {
    const before = tokens.tokenRequests();
    expect(await client().getUploadSessions(PATH)).toHaveLength(1);
    expect(tokens.tokenRequests() - before).toBe(1);
    expect(tokens.assertions().at(-1)).toBe(federated);
    expect(tokens.paths().every((p) => p.startsWith(`/${DEFAULT_AAD.tenant}/`))).toBe(true);
  });

  it('reads the token file again at the next token request, after Kubernetes rotated it', async () => {
    const dispatcher = new Agent({ connect: { ca: certs.ca.cert } });
    open.push(dispatcher);
    let offset = 0;
    const s = new EntraTokenSource({
      auth: auth(),
      discover: (signal) => fetchAadMetadata(sim.url, dispatcher, { timeoutMs: 5000, userAgent: 'test', signal }),
      timeoutMs: 5000,
      now: () => Date.now() + offset,
    });
    const first = await s.token();
    federated = `${federated}-rotated`;
    writeFileSync(tokenFile, `${federated}\n`);
    offset = 61 * 60_000; // the first token expired
    const renewed = await s.token();
    expect(renewed).not.toBe(first);
    expect(tokens.assertions().at(-1)).toBe(federated);
  });

  it('fails with reason auth when the login host refuses, without the assertion in the message or log', async () => {
    tokens.failing(true);
    try {
      const log = captureLog();
      const failure = await failureOf(client(log.logger));
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain('invalid_client');
      expect(failure.message).not.toContain(federated);
      expect(log.text()).not.toContain(federated);
    } finally {
      tokens.failing(false);
    }
  });

  it('refuses an answer larger than MAX_AUTHORITY_ANSWER_BYTES with reason auth', async () => {
    tokens.padTokenAnswer(MAX_AUTHORITY_ANSWER_BYTES);
    try {
      const failure = await failureOf(client());
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`the answer to POST ${new URL(tokens.url).origin} is larger than 1048576 bytes`);
    } finally {
      tokens.padTokenAnswer(0);
    }
  });

  it('does not send the cluster a token for another audience', async () => {
    tokens.audience('https://management.azure.com/');
    try {
      const failure = await failureOf(client());
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`the token is for "https://management.azure.com/", not for the cluster application ${DEFAULT_AAD.clusterApp}`);
      for (const token of tokens.issued()) expect(failure.message).not.toContain(token);
    } finally {
      tokens.audience(undefined);
    }
  });

  it('reads at most 64 KiB of the token file, and sends nothing when it is larger', async () => {
    const before = tokens.tokenRequests();
    writeFileSync(tokenFile, 'x'.repeat(64 * 1024 + 1));
    try {
      const failure = await failureOf(client());
      expect(failure.reason).toBe('auth');
      expect(failure.message).toContain(`the federated token file ${tokenFile} is larger than 65536 bytes`);
      expect(tokens.tokenRequests()).toBe(before);
    } finally {
      writeFileSync(tokenFile, federated);
    }
  });

  it('names the missing variables when the environment lost them', async () => {
    delete process.env.AZURE_CLIENT_ID;
    try {
      const failure = await failureOf(client());
      expect(failure.reason).toBe('auth');
      expect(failure.message).toBe('Entra ID: workload identity: environment variable AZURE_CLIENT_ID not set or empty');
    } finally {
      process.env.AZURE_CLIENT_ID = CLIENT_ID;
    }
  });
});
