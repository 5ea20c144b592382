import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { connect as connectTcp } from 'node:net';
import bcrypt from 'bcryptjs';
import { Agent, request } from 'undici';
import type { Config } from '../../src/config/types.js';
import { startExporter, type Exporter, type ExporterOptions } from '../../src/exporter.js';
import { DUMMY_PASSWORD } from '../../src/web/auth.js';
import { DEFAULT_FAILURE_BUDGET } from '../../src/web/failure-budget.js';
import { DEFAULT_SERVER_LIMITS } from '../../src/web/limits.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { makeTestCerts, type CertFiles, type TestCerts } from '../helpers/certs.js';
import { captureLog, type CapturedLog } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
let certs: TestCerts;
let sim: Simulator;
let hash: string;
const running: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  certs = makeTestCerts();
  sim = await startSimulator();
  hash = bcrypt.hashSync(PASSWORD, 4);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await sim.close();
  certs.cleanup();
});

function webConfig(name: string, text: string): string {
  const path = join(certs.dir, name);
  writeFileSync(path, text);
  return path;
}

async function exporter(webConfigFile: string, log: CapturedLog = captureLog(), extra: Partial<ExporterOptions> = {}): Promise<Exporter> {
  const config: Config = {
    ...UNWRITTEN_SECTIONS,
    poll: { schedule: '0 0 1 1 *', concurrency: 1, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
    clusters: [{ name: 'sim', endpoint: sim.url, contentPaths: ['MyAppPkg'] }],
  };
  const exp = await startExporter({ config, listen: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', disableExporterMetrics: true, logger: log.logger, webConfigFile, ...extra });
  running.push(exp);
  return exp;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET with optional client certificate and basic-auth credentials; rejects when TLS refuses. */
async function get(url: string, options: { client?: CertFiles; user?: string; password?: string; authorization?: string; method?: 'GET' | 'POST' } = {}): Promise<Answer> {
  const agent = new Agent({ connect: { ca: certs.ca.cert, cert: options.client?.cert, key: options.client?.key } });
  try {
    const headers: Record<string, string> =
      options.authorization !== undefined
        ? { authorization: options.authorization }
        : options.user === undefined
          ? {}
          : { authorization: `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}` };
    const res = await request(url, { dispatcher: agent, headers, method: options.method ?? 'GET' });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

describe('basic auth (basic_auth_users)', () => {
  it('admits the right password and answers 401 with WWW-Authenticate: Basic to a wrong password, an unknown user or none', async () => {
    const exp = await exporter(webConfig('basic.yml', `basic_auth_users:\n  prometheus: ${hash}\n`));
    const url = `http://${exp.address}/metrics`;
    const ok = await get(url, { user: 'prometheus', password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('servicefabric_imagestore_');
    // An unknown user is checked against a dummy hash (so that it costs as much as a known one): its password admits no one.
    for (const attempt of [{ user: 'prometheus', password: 'wrong' }, { user: 'mallory', password: PASSWORD }, { user: 'mallory', password: DUMMY_PASSWORD }, {}]) {
      const refused = await get(url, attempt);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Basic realm="sf-upload-exporter"');
      expect(refused.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(refused.body).toBe('Unauthorized\n');
    }
    // The status page is protected too; health and readiness are not (Kubernetes probes).
    expect((await get(`http://${exp.address}/`)).status).toBe(401);
    expect((await get(`http://${exp.address}/-/healthy`)).status).toBe(200);
    expect([200, 503]).toContain((await get(`http://${exp.address}/-/ready`)).status);
  });

  it('asks for credentials on /-/reload and /api/v1/sessions as on every path but /-/healthy and /-/ready', async () => {
    const configFile = join(certs.dir, 'exporter.yml');
    writeFileSync(configFile, `poll:\n  schedule: "0 0 1 1 *"\nclusters:\n  - name: sim\n    endpoint: ${sim.url}\n    content_paths: [MyAppPkg]\n`);
    const exp = await exporter(webConfig('paths.yml', `basic_auth_users:\n  prometheus: ${hash}\n`), captureLog(), { configFile, enableLifecycle: true });
    const base = `http://${exp.address}`;
    const right = { user: 'prometheus', password: PASSWORD };
    for (const [path, method] of [['/-/reload', 'POST'], ['/api/v1/sessions', 'GET'], ['/-/healthy/', 'GET'], ['/-/other', 'GET'], ['/-/', 'GET']] as const) {
      expect({ path, status: (await get(`${base}${path}`, { method })).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await get(`${base}${path}`, { method, user: 'prometheus', password: 'wrong' })).status }).toEqual({ path, status: 401 });
    }
    expect((await get(`${base}/-/reload`, { method: 'POST', ...right })).status).toBe(200);
    const sessions = await get(`${base}/api/v1/sessions`, right);
    expect(sessions.status).toBe(200);
    expect(JSON.parse(sessions.body)).toMatchObject({ clusters: [{ name: 'sim' }] });
    // A query string does not make a protected path an exempt one, nor an exempt one protected.
    expect((await get(`${base}/metrics?x=/-/healthy`)).status).toBe(401);
    expect((await get(`${base}/-/healthy?probe=1`)).status).toBe(200);
  });

  it('reads the credentials as strict base64: anything after the padding is refused, not ignored', async () => {
    const exp = await exporter(webConfig('strict.yml', `basic_auth_users:\n  prometheus: ${hash}\n`));
    const url = `http://${exp.address}/metrics`;
    const right = Buffer.from(`prometheus:${PASSWORD}`).toString('base64');
    expect((await get(url, { authorization: `Basic ${right}` })).status).toBe(200);
    // Node's decoder stops at the first '=' and ignores the rest; the toolkit (Go) refuses all of these.
    for (const authorization of [`Basic ${right}=junk`, `Basic ${right}==`, `Basic ${right}=${right}`]) {
      expect({ authorization, status: (await get(url, { authorization })).status }).toEqual({ authorization, status: 401 });
    }
  });

  it('sets only the configured security headers, on refusals too', async () => {
    const exp = await exporter(
      webConfig('headers.yml', `basic_auth_users:\n  prometheus: ${hash}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n`),
    );
    const refused = await get(`http://${exp.address}/metrics`);
    expect(refused.headers['x-frame-options']).toBe('deny');
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
    expect(refused.headers['strict-transport-security']).toBeUndefined();
  });

  it('re-reads the file when it changes: a new user works at once, and a broken file keeps the last good one', async () => {
    const path = webConfig('changing.yml', `basic_auth_users:\n  prometheus: ${hash}\n`);
    const log = captureLog();
    const exp = await exporter(path, log);
    const url = `http://${exp.address}/metrics`;
    expect((await get(url, { user: 'grafana', password: PASSWORD })).status).toBe(401);
    writeFileSync(path, `basic_auth_users:\n  prometheus: ${hash}\n  grafana: ${hash}\n`);
    expect((await get(url, { user: 'grafana', password: PASSWORD })).status).toBe(200);
    expect(log.entries().filter((e) => e.msg === 'web configuration reloaded')).toEqual([expect.objectContaining({ level: 'info', file: path })]);
    writeFileSync(path, `basic_auth_users:\n  grafana: not-a-hash\n`);
    expect((await get(url, { user: 'grafana', password: PASSWORD })).status).toBe(200);
    expect(log.entries().filter((e) => e.level === 'error')).toEqual([
      expect.objectContaining({ file: path, msg: expect.stringContaining('web configuration changed but is not usable; keeping the previous one') }),
    ]);
  });

  it('keeps plain HTTP when the file turns to HTTPS, which takes a restart, and says so', async () => {
    const path = webConfig('to-https.yml', `basic_auth_users:\n  prometheus: ${hash}\n`);
    const log = captureLog();
    const exp = await exporter(path, log);
    writeFileSync(path, `basic_auth_users:\n  prometheus: ${hash}\ntls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n`);
    expect((await get(`http://${exp.address}/metrics`)).status).toBe(401);
    expect((await get(`http://${exp.address}/metrics`, { user: 'prometheus', password: PASSWORD })).status).toBe(200);
    expect(log.entries().filter((e) => e.level === 'error')).toEqual([
      expect.objectContaining({ file: path, msg: 'web configuration changed between HTTP and HTTPS; that takes a restart, keeping the previous one' }),
    ]);
  });
});

describe('basic auth under wrong-password floods', () => {
  it('answers 429 past ten failed attempts from one client, known user or not, and lets the right password in', async () => {
    const exp = await exporter(webConfig('budget.yml', `basic_auth_users:\n  prometheus: ${hash}\n`));
    const url = `http://${exp.address}/metrics`;
    for (const user of ['prometheus', 'mallory']) {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await get(url, { user, password: `guess-${user}-${i}` })).status);
      // The budget is per client: the second user starts where the first left it.
      expect(statuses).toEqual(user === 'prometheus' ? [...Array(10).fill(401), 429] : Array(11).fill(429));
    }
    const refused = await get(url, { user: 'prometheus', password: 'one-more' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(refused.body).toBe('Too many failed authentication attempts: try again later\n');
    // Nothing to check without credentials: a browser's first request still gets its 401 prompt.
    expect((await get(url)).status).toBe(401);
  });

  it('keeps /-/healthy and a scraper with verified credentials answered while a flood is being checked', async () => {
    // Cost 10, as htpasswd makes them: about 100 ms of the event loop per check in bcryptjs.
    const costly = bcrypt.hashSync(PASSWORD, 10);
    const exp = await exporter(webConfig('flood.yml', `basic_auth_users:\n  prometheus: ${costly}\n`));
    const base = `http://${exp.address}`;
    expect((await get(`${base}/metrics`, { user: 'prometheus', password: PASSWORD })).status).toBe(200);

    // Connected before the flood, so that what is measured is the answer, not the connection.
    const [host, port] = exp.address.split(':');
    const probe = connectTcp({ host, port: Number(port) });
    await once(probe, 'connect');
    let pending = 40;
    const floodStartedMs = Date.now();
    const flood = Array.from({ length: 40 }, (_, i) =>
      get(`${base}/metrics`, { user: i % 2 === 0 ? 'prometheus' : `user-${i}`, password: `wrong-${i}` }).finally(() => (pending -= 1)),
    );
    // Once the server has answered part of the flood, and so is checking the rest.
    await waitFor('the first answers to the flood', () => pending < 40, { intervalMs: 5 });
    probe.write('GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [healthy] = (await once(probe, 'data')) as [Buffer];
    const pendingWhenHealthy = pending;
    probe.destroy();
    const scrape = await get(`${base}/metrics`, { user: 'prometheus', password: PASSWORD });
    const statuses = (await Promise.all(flood)).map((a) => a.status);
    const floodMs = Date.now() - floodStartedMs;
    expect(healthy.toString()).toMatch(/^HTTP\/1\.1 200/);
    expect(pendingWhenHealthy).toBeGreaterThan(0);
    expect(scrape.status).toBe(200);
    // Past the client's budget the flood is refused without a check: at most the budget, plus one
    // attempt per refill interval the flood lasted (a loaded machine stretches it), is checked.
    const { capacity, refillMs } = DEFAULT_FAILURE_BUDGET;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(capacity + Math.ceil(floodMs / refillMs));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});

describe('reloads that would weaken the listener', () => {
  it('keeps the previous file when a header value has a line break or a non-Latin-1 character, and answers on', async () => {
    const path = webConfig('bad-header.yml', `http_server_config:\n  headers:\n    Content-Security-Policy: "default-src 'self'"\n`);
    const log = captureLog();
    const exp = await exporter(path, log);
    for (const value of [`"default-src 'self'\\nSet-Cookie: session=1"`, `"default-src 'self' \\u2603"`]) {
      writeFileSync(path, `http_server_config:\n  headers:\n    Content-Security-Policy: ${value}\n`);
      const res = await get(`http://${exp.address}/-/healthy`);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toBe("default-src 'self'");
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const errors = log.entries().filter((e) => e.level === 'error').map((e) => String(e.msg));
    expect(errors).toHaveLength(2);
    for (const msg of errors) expect(msg).toContain('keeping the previous one: ' + path + ': http_server_config.headers["Content-Security-Policy"]: not a valid HTTP header value');
  });

  it('refuses to drop basic auth (an emptied file, basic_auth_users: {}) unless the file says allow_unauthenticated: true', async () => {
    const path = webConfig('drop-basic.yml', `basic_auth_users:\n  prometheus: ${hash}\n`);
    const log = captureLog();
    const exp = await exporter(path, log);
    const url = `http://${exp.address}/metrics`;
    for (const text of ['', 'basic_auth_users: {}\n', 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n']) {
      writeFileSync(path, text);
      expect((await get(url)).status).toBe(401);
      expect((await get(url, { user: 'prometheus', password: PASSWORD })).status).toBe(200);
    }
    const refusals = log.entries().filter((e) => e.level === 'error');
    expect(refusals).toHaveLength(3);
    for (const e of refusals) expect(e).toMatchObject({ file: path, msg: expect.stringMatching(/authenticates no client.*keeping the previous one.*allow_unauthenticated: true/) });

    writeFileSync(path, 'allow_unauthenticated: true\n');
    expect((await get(url)).status).toBe(200);
    expect(log.entries().filter((e) => String(e.msg).startsWith('web configuration reloaded'))).toEqual([
      expect.objectContaining({ level: 'warn', file: path, msg: expect.stringMatching(/^web configuration reloaded without authentication/) }),
    ]);
  });

  it('refuses to drop verified client certificates unless the file says allow_unauthenticated: true', async () => {
    const mtls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n';
    const path = webConfig('drop-mtls.yml', mtls);
    const log = captureLog();
    const exp = await exporter(path, log);
    const url = `https://${exp.address}/metrics`;
    writeFileSync(path, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n');
    await expect(get(url)).rejects.toThrow();
    expect((await get(url, { client: certs.client })).status).toBe(200);
    expect(log.entries().filter((e) => e.level === 'error').map((e) => e.msg)).toEqual([expect.stringMatching(/authenticates no client/)]);

    writeFileSync(path, 'allow_unauthenticated: true\ntls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n');
    expect((await get(url)).status).toBe(200);
  });

  it('warns when the file is writable by every user of the host, at start and on reload', async () => {
    const path = webConfig('writable.yml', `basic_auth_users:\n  prometheus: ${hash}\n`);
    chmodSync(path, 0o644);
    const log = captureLog();
    const exp = await exporter(path, log);
    const warnings = (): unknown[] => log.entries().filter((e) => e.level === 'warn' && String(e.msg).startsWith('web configuration file is world-writable'));
    expect(warnings()).toHaveLength(0);
    chmodSync(path, 0o666);
    await get(`http://${exp.address}/-/healthy`);
    expect(warnings()).toEqual([expect.objectContaining({ file: path })]);

    const startLog = captureLog();
    await exporter(path, startLog);
    expect(startLog.entries().filter((e) => e.level === 'warn' && String(e.msg).includes('chmod o-w'))).toHaveLength(1);
  });
});

describe('TLS (tls_server_config)', () => {
  it('serves /metrics over HTTPS with the configured certificate', async () => {
    const exp = await exporter(webConfig('tls.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n'));
    const res = await get(`https://${exp.address}/metrics`);
    expect(res.status).toBe(200);
    await expect(get(`http://${exp.address}/metrics`)).rejects.toThrow();
  });

  it('requires a client certificate from client_ca_file with RequireAndVerifyClientCert, health included', async () => {
    const exp = await exporter(
      webConfig('mtls.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n'),
    );
    expect((await get(`https://${exp.address}/metrics`, { client: certs.client })).status).toBe(200);
    await expect(get(`https://${exp.address}/metrics`, { client: certs.otherClient })).rejects.toThrow();
    await expect(get(`https://${exp.address}/-/healthy`)).rejects.toThrow();
  });

  it('checks a given certificate but admits none with VerifyClientCertIfGiven', async () => {
    const log = captureLog();
    const exp = await exporter(
      webConfig('ifgiven.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n'),
      log,
    );
    expect((await get(`https://${exp.address}/metrics`)).status).toBe(200);
    expect((await get(`https://${exp.address}/metrics`, { client: certs.client })).status).toBe(200);
    await expect(get(`https://${exp.address}/metrics`, { client: certs.otherClient })).rejects.toThrow();
    expect(log.entries().filter((e) => String(e.msg).startsWith('client certificate refused')).map((e) => e.msg)).toEqual([
      'client certificate refused: not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ]);
  });

  it('requires a certificate but checks none with RequireAnyClientCert, and asks for one but needs none with RequestClientCert', async () => {
    const anyLog = captureLog();
    const any = await exporter(webConfig('any.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n'), anyLog);
    await expect(get(`https://${any.address}/metrics`)).rejects.toThrow();
    expect(anyLog.entries().filter((e) => String(e.msg).startsWith('client certificate refused'))).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'client certificate refused: a client certificate is required' }),
    ]);
    await expect(get(`https://${any.address}/-/healthy`)).rejects.toThrow();
    expect((await get(`https://${any.address}/metrics`, { client: certs.otherClient })).status).toBe(200);
    expect((await get(`https://${any.address}/metrics`, { client: certs.client })).status).toBe(200);

    const request = await exporter(webConfig('request.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequestClientCert\n'));
    expect((await get(`https://${request.address}/metrics`)).status).toBe(200);
    expect((await get(`https://${request.address}/metrics`, { client: certs.otherClient })).status).toBe(200);
  });

  it('admits only client certificates with a subject alternative name in client_allowed_sans', async () => {
    const sansLog = captureLog();
    const exp = await exporter(
      webConfig(
        'sans.yml',
        'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n  client_allowed_sans: [spiffe://example.org/prometheus, grafana.monitoring.svc]\n',
      ),
      sansLog,
    );
    const url = `https://${exp.address}/metrics`;
    expect((await get(url, { client: certs.clientWithSans })).status).toBe(200);
    // Trusted, but no SAN in the list, or none at all.
    await expect(get(url, { client: certs.clientOtherSan })).rejects.toThrow();
    await expect(get(url, { client: certs.client })).rejects.toThrow();
    expect(sansLog.entries().filter((e) => String(e.msg).startsWith('client certificate refused')).map((e) => e.msg)).toEqual([
      'client certificate refused: no subject alternative name is in client_allowed_sans',
      'client certificate refused: no subject alternative name is in client_allowed_sans',
    ]);

    // With VerifyClientCertIfGiven the list applies to a certificate given; none given is still admitted.
    const ifGiven = await exporter(
      webConfig(
        'sans-ifgiven.yml',
        'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [prometheus.monitoring.svc]\n',
      ),
    );
    expect((await get(`https://${ifGiven.address}/metrics`, { client: certs.clientWithSans })).status).toBe(200);
    await expect(get(`https://${ifGiven.address}/metrics`, { client: certs.clientOtherSan })).rejects.toThrow();
    expect((await get(`https://${ifGiven.address}/metrics`)).status).toBe(200);
  });

  it('picks up a renewed server certificate on disk for new connections', async () => {
    copyFileSync(certs.server.certFile, join(certs.dir, 'live.crt'));
    copyFileSync(certs.server.keyFile, join(certs.dir, 'live.key'));
    const exp = await exporter(webConfig('rotate.yml', 'tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n'));
    /** The thumbprint of the certificate a fresh TLS connection is served. */
    const serial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const [host, port] = exp.address.split(':');
        const socket = connect({ host, port: Number(port), ca: certs.ca.cert, servername: 'localhost' }, () => {
          resolve(socket.getPeerCertificate().fingerprint.replace(/:/g, ''));
          socket.end();
        });
        socket.on('error', reject);
      });
    expect(await serial()).toBe(certs.server.thumbprint);
    copyFileSync(certs.server2.certFile, join(certs.dir, 'live.crt'));
    copyFileSync(certs.server2.keyFile, join(certs.dir, 'live.key'));
    expect(await serial()).toBe(certs.server2.thumbprint);
  });

  it('closes a connection that never starts its TLS handshake after --web.read-header-timeout', async () => {
    const exp = await exporter(webConfig('handshake.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n'), captureLog(), {
      serverLimits: { ...DEFAULT_SERVER_LIMITS, readHeaderTimeoutMs: 200, readTimeoutMs: 1000 },
    });
    const [host, port] = exp.address.split(':');
    const socket = connectTcp({ host, port: Number(port) });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    expect(socket.bytesRead).toBe(0);
  });

  it('refuses to start with an unusable web configuration, naming the file and field', async () => {
    const path = webConfig('broken.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: missing.key\n');
    await expect(exporter(path)).rejects.toThrow(`${path}: tls_server_config.key_file: cannot read`);
  });
});
