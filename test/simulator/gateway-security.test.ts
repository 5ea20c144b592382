import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { DEFAULT_AAD } from '../../src/simulator/gateway-security.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { makeTestCerts, type CertFiles, type TestCerts } from '../helpers/certs.js';
import { assertBuilt } from '../helpers/dist.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const SESSIONS = '/ImageStore/MyAppPkg/$/GetUploadSession?api-version=6.0';

let certs: TestCerts;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let sim: Simulator;

beforeAll(async () => {
  certs = makeTestCerts();
  keys = await generateKeyPair('RS256');
  // Either credential admits: a client certificate from the CA, or a token from the issuer.
  sim = await startSimulator({
    tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert },
    aad: { tokenKey: await exportSPKI(keys.publicKey), login: 'https://login.example.test' },
  });
});

afterAll(async () => {
  await sim.close();
  certs.cleanup();
});

function token(audience: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setAudience(audience).setExpirationTime('1h').sign(keys.privateKey);
}

async function get(path: string, options: { client?: CertFiles; bearer?: string } = {}) {
  const agent = new Agent({ connect: { ca: certs.ca.cert, cert: options.client?.cert, key: options.client?.key } });
  try {
    const res = await request(`${sim.url}${path}`, { dispatcher: agent, headers: options.bearer ? { authorization: `Bearer ${options.bearer}` } : {} });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

describe('simulated secure gateway', () => {
  it('answers GetAadMetadata anonymously with the cluster application and authority', async () => {
    const res = await get('/$/GetAadMetadata?api-version=6.0');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      type: 'aad',
      metadata: {
        login: 'https://login.example.test',
        authority: `https://login.example.test/${DEFAULT_AAD.tenant}`,
        tenant: DEFAULT_AAD.tenant,
        cluster: DEFAULT_AAD.clusterApp,
        client: DEFAULT_AAD.clientApp,
        redirect: 'urn:ietf:wg:oauth:2.0:oob',
      },
    });
  });

  it('parses the URL before checking credentials: 400 for a bad route, 403 with an empty body for no credential', async () => {
    expect((await get('/ImageStore/MyAppPkg/$/NoSuchFunction?api-version=6.0')).status).toBe(400);
    const refused = await get(SESSIONS);
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('');
  });

  it('admits a client certificate from the CA, or a token for the cluster application; refuses a token for another audience', async () => {
    expect((await get(SESSIONS, { client: certs.client })).status).toBe(204);
    expect((await get(SESSIONS, { client: certs.otherClient })).status).toBe(403);
    expect((await get(SESSIONS, { bearer: await token(DEFAULT_AAD.clusterApp) })).status).toBe(204);
    expect((await get(SESSIONS, { bearer: await token('some-other-app') })).status).toBe(403);
  });

  it('answers a non-Entra ID cluster with a metadata type other than aad', async () => {
    const plain = await startSimulator();
    try {
      const res = await fetch(`${plain.url}/$/GetAadMetadata?api-version=6.0`);
      expect((await res.json()) as unknown).toMatchObject({ type: '' });
    } finally {
      await plain.close();
    }
  });
});

describe('simulate flags', () => {
  it('refuses credentials without HTTPS, and names a flag whose file is unreadable', () => {
    assertBuilt();
    const noTls = spawnSync(process.execPath, [MAIN, 'simulate', '--client-ca', certs.ca.certFile, '--admin-listen', 'none'], { encoding: 'utf8', timeout: 20_000 });
    expect(noTls.status).toBe(1);
    expect(noTls.stderr).toContain('--client-ca and --token-key need --tls-cert and --tls-key');
    const missing = spawnSync(process.execPath, [MAIN, 'simulate', '--tls-cert', '/nonexistent.crt', '--tls-key', certs.server.keyFile, '--admin-listen', 'none'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('--tls-cert: cannot read /nonexistent.crt: ENOENT');
  });
});
