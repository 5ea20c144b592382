/**
 * The secrets scan: the exporter runs at debug level through every auth path (mutual TLS with a
 * PEM key, a PFX with a passphrase from a file and from the environment, Entra ID with a client
 * secret, a rejected client secret, bearer tokens, basic auth and TLS on its own listener), and
 * nothing it writes or serves may contain any secret it was given or obtained.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Agent, request } from 'undici';
import { loadConfigFile } from '../src/config/load.js';
import { startExporter } from '../src/exporter.js';
import { startSimulator, type Simulator } from '../src/simulator/server.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { captureLog } from './helpers/log-capture.js';
import { startDaemon } from './helpers/run-cli.js';
import { startTokenServer, type TokenServer } from './helpers/token-server.js';

const random = (): string => Math.random().toString(36).slice(2);
const CLIENT_SECRET = `client-secret-${random()}`;
const WRONG_SECRET = `revoked-secret-${random()}`;
const PASSWORD = `basic-password-${random()}`;
const PASSPHRASE_ENV = 'SF_SECRETS_TEST_PFX_PASSPHRASE';

let certs: TestCerts;
let tokens: TokenServer;
let mtlsSim: Simulator;
let entraSim: Simulator;
let configFile: string;
let webConfigFile: string;
let bcryptHash: string;

beforeAll(async () => {
  certs = makeTestCerts();
  tokens = await startTokenServer({ tls: certs.server, clientId: 'exporter', clientSecret: CLIENT_SECRET });
  mtlsSim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca.cert } });
  entraSim = await startSimulator({ tls: { cert: certs.server.cert, key: certs.server.key }, aad: { tokenKey: tokens.publicKeyPem, login: tokens.url } });
  for (const sim of [mtlsSim, entraSim]) sim.store.addChunk('MyAppPkg', '2032ac6c-a348-4594-86da-dab0f2bb1ae1', 0, 9, 100);

  const file = (name: string, text: string): string => {
    const path = join(certs.dir, name);
    writeFileSync(path, text);
    return path;
  };
  file('pfx.pass', `${certs.pfxPassphrase}\n`);
  file('client.secret', `${CLIENT_SECRET}\n`);
  file('wrong.secret', WRONG_SECRET);
  // The loopback token server is not a Microsoft login host: trusted explicitly, as an operator would.
  const authority = `      authority_host: ${tokens.url}\n      allow_custom_authority_host: true\n      authority_ca_file: ca.crt\n`;
  const cluster = (name: string, endpoint: string, extra: string): string =>
    `  - name: ${name}\n    endpoint: ${endpoint}\n    content_paths: [MyAppPkg]\n${extra}`;
  configFile = file(
    'secrets.yaml',
    [
      'poll:',
      '  schedule: "*/1 * * * * *"',
      'clusters:',
      cluster('pem', mtlsSim.url, '    tls:\n      ca_file: ca.crt\n      cert_file: client.crt\n      key_file: client.key\n'),
      cluster('pfx-file', mtlsSim.url, '    tls:\n      ca_file: ca.crt\n      pfx_file: client.pfx\n      passphrase_file: pfx.pass\n'),
      cluster('pfx-env', mtlsSim.url, `    tls:\n      ca_file: ca.crt\n      pfx_file: client.pfx\n      passphrase_env: ${PASSPHRASE_ENV}\n`),
      cluster('entra', entraSim.url, `    tls:\n      ca_file: ca.crt\n    auth:\n      type: entra_id\n      client_id: exporter\n      client_secret_file: client.secret\n${authority}`),
      cluster('entra-cert', entraSim.url, `    tls:\n      ca_file: ca.crt\n    auth:\n      type: entra_id\n      client_id: exporter\n      client_certificate_file: client.crt\n      client_key_file: client.key\n${authority}`),
      cluster('entra-revoked', entraSim.url, `    tls:\n      ca_file: ca.crt\n    auth:\n      type: entra_id\n      client_id: exporter\n      client_secret_file: wrong.secret\n${authority}`),
    ].join('\n'),
  );
  bcryptHash = bcrypt.hashSync(PASSWORD, 4);
  webConfigFile = file('web.yml', `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: ${bcryptHash}\n`);
});

afterAll(async () => {
  await Promise.all([mtlsSim.close(), entraSim.close(), tokens.close()]);
  certs.cleanup();
});

/** Every secret the exporter was given or obtained, with a name for the failure message. */
function secrets(): Array<[string, string]> {
  const keyLines = (pem: string): string[] => pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
  return [
    ['PFX passphrase', certs.pfxPassphrase],
    ['client secret', CLIENT_SECRET],
    ['revoked client secret', WRONG_SECRET],
    ['basic-auth password', PASSWORD],
    ['bcrypt hash', bcryptHash],
    ...keyLines(certs.client.key).map((l): [string, string] => ['client private key', l]),
    ...keyLines(certs.server.key).map((l): [string, string] => ['listener private key', l]),
    ...tokens.issued().map((t): [string, string] => ['bearer token', t]),
  ];
}

function expectNoSecrets(where: string, text: string): void {
  const found = secrets()
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
  expect({ where, found }).toEqual({ where, found: [] });
}

async function get(url: string, auth?: string): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connect: { ca: certs.ca.cert } });
  try {
    const res = await request(url, { dispatcher: agent, headers: auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

/** Scrapes until every cluster has been polled and the revoked one has failed with reason auth. */
async function scrapeWhenPolled(address: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await get(`https://${address}/metrics`, `prometheus:${PASSWORD}`);
    expect(res.status).toBe(200);
    const ok = ['pem', 'pfx-file', 'pfx-env', 'entra'].every((c) =>
      res.body.includes(`servicefabric_imagestore_poll_success{sf_cluster="${c}",content_path="MyAppPkg"} 1`),
    );
    if (ok && /poll_failures_total\{sf_cluster="entra-revoked",content_path="MyAppPkg",reason="auth"\} [1-9]/.test(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the clusters were not all polled');
}

/** Pages a user could look at, fetched with and without credentials. */
async function pages(address: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const path of ['/', '/api/v1/sessions', '/metrics', '/-/healthy', '/-/ready']) {
    out.push([`${path} (authorised)`, (await get(`https://${address}${path}`, `prometheus:${PASSWORD}`)).body]);
    out.push([`${path} (wrong password)`, (await get(`https://${address}${path}`, 'prometheus:nope')).body]);
  }
  return out;
}

describe('secrets never appear in output', () => {
  it('in-process, with a debug logger capturing everything', async () => {
    process.env[PASSPHRASE_ENV] = certs.pfxPassphrase;
    const log = captureLog('debug');
    const exporter = await startExporter({
      config: loadConfigFile(configFile),
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      disableExporterMetrics: false,
      logger: log.logger,
      webConfigFile,
    });
    try {
      const metrics = await scrapeWhenPolled(exporter.address);
      expectNoSecrets('/metrics', metrics);
      for (const [where, body] of await pages(exporter.address)) expectNoSecrets(where, body);
    } finally {
      await exporter.close();
      delete process.env[PASSPHRASE_ENV];
    }
    expect(tokens.issued().length).toBeGreaterThan(0);
    expect(log.text()).toContain('entra-revoked');
    expectNoSecrets('log', log.text());
  });

  it('from the command line at --log.level debug, stdout and stderr included', async () => {
    const daemon = await startDaemon(['--config.file', configFile, '--web.config.file', webConfigFile, '--log.level', 'debug'], {
      env: { ...process.env, [PASSPHRASE_ENV]: certs.pfxPassphrase },
    });
    const exited = once(daemon.child, 'exit');
    try {
      const address = daemon.address;
      const metrics = await scrapeWhenPolled(address);
      expectNoSecrets('/metrics', metrics);
      for (const [where, body] of await pages(address)) expectNoSecrets(where, body);
    } finally {
      daemon.child.kill('SIGTERM');
      await exited;
    }
    expect(daemon.stdout()).toContain('"level":"debug"');
    expectNoSecrets('stdout', daemon.stdout());
    expectNoSecrets('stderr', daemon.stderr());
  });
});
