import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig, ClusterTlsConfig } from '../../src/config/types.js';
import { createClusterClient, type ClusterClient } from '../../src/servicefabric/cluster-client.js';
import { ServiceFabricError } from '../../src/servicefabric/request-errors.js';
import { TlsMaterialError } from '../../src/servicefabric/tls.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { SimulatorTlsOptions } from '../../src/simulator/gateway-security.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { captureLog } from '../helpers/log-capture.js';

const PATH = 'MyAppPkg';
const SHARED = { requestTimeoutMs: 5000, userAgent: 'sf-upload-exporter-test' };

let certs: TestCerts;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  certs = makeTestCerts();
});

afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
  certs.cleanup();
});

async function simulator(tls: SimulatorTlsOptions): Promise<Simulator> {
  const sim = await startSimulator({ tls });
  open.push(sim);
  sim.store.addChunk(PATH, '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);
  return sim;
}

function client(sim: Simulator, tls: Partial<ClusterTlsConfig>, logger = captureLog().logger): ClusterClient {
  const cluster: ClusterConfig = { name: 'secure', endpoint: sim.url, contentPaths: [PATH], tls: { insecureSkipVerify: false, ...tls } };
  const c = createClusterClient(cluster, SHARED, logger);
  open.push(c);
  return c;
}

/** The reason of the failure a poll ends in, or 'ok'. */
async function outcome(c: ClusterClient): Promise<string> {
  try {
    const sessions = await c.getUploadSessions(PATH);
    expect(sessions).toHaveLength(1);
    return 'ok';
  } catch (error) {
    if (error instanceof ServiceFabricError) return error.reason;
    throw error;
  }
}

describe('mutual TLS to a simulator that requires client certificates', () => {
  it('polls with the right client certificate (PEM)', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert });
    expect(await outcome(client(sim, { caFile: certs.ca.certFile, certFile: certs.client.certFile, keyFile: certs.client.keyFile }))).toBe('ok');
  });

  it('fails with reason tls for a client certificate from another CA, or none', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert });
    expect(await outcome(client(sim, { caFile: certs.ca.certFile, certFile: certs.otherClient.certFile, keyFile: certs.otherClient.keyFile }))).toBe('tls');
    expect(await outcome(client(sim, { caFile: certs.ca.certFile }))).toBe('tls');
  });

  it('polls with a PFX whose passphrase comes from a file or an environment variable', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert });
    const passphraseFile = join(certs.dir, 'pfx.pass');
    writeFileSync(passphraseFile, `${certs.pfxPassphrase}\n`);
    expect(await outcome(client(sim, { caFile: certs.ca.certFile, pfxFile: certs.pfxFile, passphraseFile }))).toBe('ok');
    process.env.SF_TEST_PFX_PASSPHRASE = certs.pfxPassphrase;
    try {
      expect(await outcome(client(sim, { caFile: certs.ca.certFile, pfxFile: certs.pfxFile, passphraseEnv: 'SF_TEST_PFX_PASSPHRASE' }))).toBe('ok');
    } finally {
      delete process.env.SF_TEST_PFX_PASSPHRASE;
    }
  });

  it('refuses to start with a wrong PFX passphrase, naming the cluster and key but not the passphrase', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key });
    const passphraseFile = join(certs.dir, 'wrong.pass');
    writeFileSync(passphraseFile, 'not-the-passphrase');
    let caught: unknown;
    try {
      client(sim, { pfxFile: certs.pfxFile, passphraseFile });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TlsMaterialError);
    expect((caught as Error).message).toMatch(/^cluster "secure": tls\.pfx_file: cannot use: .*wrong passphrase/);
    expect((caught as Error).message).not.toContain('not-the-passphrase');
  });
});

describe('server verification', () => {
  it('accepts a server certificate issued by ca_file and rejects one from another CA or the system CAs', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key });
    expect(await outcome(client(sim, { caFile: certs.ca.certFile }))).toBe('ok');
    expect(await outcome(client(sim, { caFile: certs.otherCa.certFile }))).toBe('tls');
    expect(await outcome(client(sim, {}))).toBe('tls');
  });

  it('pins a self-signed server certificate by thumbprint, accepting any of several and rejecting another', async () => {
    const sim = await simulator({ cert: certs.selfSigned.cert, key: certs.selfSigned.key });
    expect(await outcome(client(sim, { serverThumbprints: [certs.ca.thumbprint, certs.selfSigned.thumbprint] }))).toBe('ok');
    expect(await outcome(client(sim, { serverThumbprints: [certs.otherSelfSigned.thumbprint] }))).toBe('tls');
    const impostor = await simulator({ cert: certs.otherSelfSigned.cert, key: certs.otherSelfSigned.key });
    expect(await outcome(client(impostor, { serverThumbprints: [certs.selfSigned.thumbprint] }))).toBe('tls');
  });

  it('checks the common name instead of the host name, on top of a verified chain', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key });
    expect(await outcome(client(sim, { caFile: certs.ca.certFile, serverCommonNames: ['sf-test-server'] }))).toBe('ok');
    expect(await outcome(client(sim, { caFile: certs.ca.certFile, serverCommonNames: ['another-cluster'] }))).toBe('tls');
    // A matching name on an untrusted certificate is not enough.
    const selfSigned = await simulator({ cert: certs.selfSigned.cert, key: certs.selfSigned.key });
    expect(await outcome(client(selfSigned, { serverCommonNames: ['sf-selfsigned'] }))).toBe('tls');
  });

  it('accepts anything with insecure_skip_verify and warns when the client is built', async () => {
    const sim = await simulator({ cert: certs.otherSelfSigned.cert, key: certs.otherSelfSigned.key });
    const log = captureLog();
    expect(await outcome(client(sim, { insecureSkipVerify: true }, log.logger))).toBe('ok');
    expect(log.entries().filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual([
      expect.stringContaining('tls.insecure_skip_verify is set'),
    ]);
  });
});

describe('certificate rotation on disk', () => {
  it('picks up a new client certificate and CA bundle without a restart', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert });
    const files = { caFile: join(certs.dir, 'rot-ca.pem'), certFile: join(certs.dir, 'rot-client.crt'), keyFile: join(certs.dir, 'rot-client.key') };
    copyFileSync(certs.otherCa.certFile, files.caFile);
    copyFileSync(certs.otherClient.certFile, files.certFile);
    copyFileSync(certs.otherClient.keyFile, files.keyFile);
    const log = captureLog();
    const c = client(sim, files, log.logger);
    expect(await outcome(c)).toBe('tls');

    copyFileSync(certs.ca.certFile, files.caFile);
    copyFileSync(certs.client.certFile, files.certFile);
    copyFileSync(certs.client.keyFile, files.keyFile);
    expect(await outcome(c)).toBe('ok');
    expect(log.entries().map((e) => e.msg)).toContain('certificate files changed; reloaded them');
  });

  it('keeps the working pair while a rotation is half written, then takes the new pair', async () => {
    const sim = await simulator({ cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert });
    const files = { caFile: certs.ca.certFile, certFile: join(certs.dir, 'half.crt'), keyFile: join(certs.dir, 'half.key') };
    copyFileSync(certs.client.certFile, files.certFile);
    copyFileSync(certs.client.keyFile, files.keyFile);
    const log = captureLog();
    const c = client(sim, files, log.logger);
    expect(await outcome(c)).toBe('ok');

    // The new certificate has arrived, its key not yet: the pair does not match.
    copyFileSync(certs.client2.certFile, files.certFile);
    expect(await outcome(c)).toBe('ok');
    const warnings = log.entries().filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toContain('cannot be used; keeping the previous ones');
    expect(log.text()).not.toContain(certs.client.key.split('\n')[1]);

    copyFileSync(certs.client2.keyFile, files.keyFile);
    expect(await outcome(c)).toBe('ok');
    expect(log.entries().map((e) => e.msg)).toContain('certificate files changed; reloaded them');
  });
});
