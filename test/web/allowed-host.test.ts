/**
 * DNS rebinding: a hostile page points a name of its own at the exporter, so its requests carry
 * that name in `Host` and nothing else gives them away. The exporter refuses them where they could
 * change something (`POST /-/reload`) or read the status while no client is authenticated, and
 * never on `/metrics` or the health endpoints, which Prometheus and probes reach by any name.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Config } from '../../src/config/types.js';
import { startExporter, type Exporter, type ExporterOptions } from '../../src/exporter.js';
import { parseAllowedHosts } from '../../src/web/allowed-host.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { captureLog } from '../helpers/log-capture.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

let sim: Simulator;
let dir: string;
let configFile: string;
const running: Exporter[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'sfue-host-'));
  configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, `poll:\n  schedule: "0 0 1 1 *"\nclusters:\n  - name: sim\n    endpoint: ${sim.url}\n    content_paths: [MyAppPkg]\n`);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exporter(extra: Partial<ExporterOptions> = {}, host = '127.0.0.1'): Promise<Exporter> {
  const config: Config = {
    ...UNWRITTEN_SECTIONS,
    poll: { schedule: '0 0 1 1 *', concurrency: 1, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
    clusters: [{ name: 'sim', endpoint: sim.url, contentPaths: ['MyAppPkg'] }],
  };
  const exp = await startExporter({
    config,
    listen: { host, port: 0 },
    telemetryPath: '/metrics',
    disableExporterMetrics: true,
    logger: captureLog().logger,
    configFile,
    enableLifecycle: true,
    ...extra,
  });
  running.push(exp);
  return exp;
}

/** Sends a request to `address` (host:port) with `host` as its Host header, as a rebinding browser would. */
function send(address: string, path: string, host: string, options: { method?: string; connectTo?: string; authorization?: string } = {}): Promise<{ status: number; body: string }> {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (options.authorization) headers.authorization = options.authorization;
    request({ host: options.connectTo ?? '127.0.0.1', port, path, method: options.method ?? 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the Host header', () => {
  it('refuses POST /-/reload from a name that is not the exporter\'s, and accepts its address and loopback names', async () => {
    const exp = await exporter();
    const port = exp.address.slice(exp.address.lastIndexOf(':') + 1);
    const refused = await send(exp.address, '/-/reload', `rebind.attacker.example:${port}`, { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('Host "rebind.attacker.example" is not an address or name of this exporter: if it is one, start the exporter with --web.allowed-host=rebind.attacker.example\n');
    // The same request by the address it arrived on, or by a loopback name, reloads.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `127.1:${port}`]) {
      expect({ host, ...(await send(exp.address, '/-/reload', host, { method: 'POST' })) }).toEqual({ host, status: 200, body: 'configuration reloaded; it takes effect at the next poll cycle\n' });
    }
  });

  it('accepts the names given with --web.allowed-host, in any case and with a trailing dot', async () => {
    const exp = await exporter({ allowedHosts: parseAllowedHosts(['Exporter.Example.com', '10.1.2.3']) });
    for (const host of ['exporter.example.com:18922', 'EXPORTER.example.com.', '10.1.2.3:80']) {
      expect({ host, status: (await send(exp.address, '/-/reload', host, { method: 'POST' })).status }).toEqual({ host, status: 200 });
    }
    for (const host of ['other.example.com', 'exporter.example.com.attacker.example', '10.1.2.4', 'not a host']) {
      expect({ host, status: (await send(exp.address, '/-/reload', host, { method: 'POST' })).status }).toEqual({ host, status: 403 });
    }
  });

  it('refuses the status page and /api/v1/sessions to another name while no client is authenticated, never /metrics or the health endpoints', async () => {
    const exp = await exporter();
    for (const path of ['/', '/?state=stalled', '/api/v1/sessions']) {
      expect({ path, status: (await send(exp.address, path, 'rebind.attacker.example')).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await send(exp.address, path, exp.address)).status }).toEqual({ path, status: 200 });
    }
    for (const path of ['/metrics', '/-/healthy']) {
      expect({ path, status: (await send(exp.address, path, 'sf-upload-exporter.monitoring.svc:18922')).status }).toEqual({ path, status: 200 });
    }
    expect([200, 503]).toContain((await send(exp.address, '/-/ready', 'sf-upload-exporter.monitoring.svc')).status);
  });

  it('leaves the status page to basic auth when the web configuration has users, but still checks POST /-/reload', async () => {
    const password = 'correct horse';
    const web = join(dir, 'web.yml');
    writeFileSync(web, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(password, 4)}\n`);
    const exp = await exporter({ webConfigFile: web });
    const authorization = `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}`;
    expect((await send(exp.address, '/api/v1/sessions', 'exporter.corp.example', { authorization })).status).toBe(200);
    expect((await send(exp.address, '/', 'exporter.corp.example', { authorization })).status).toBe(200);
    expect((await send(exp.address, '/-/reload', 'exporter.corp.example', { method: 'POST', authorization })).status).toBe(403);
    expect((await send(exp.address, '/-/reload', 'localhost', { method: 'POST', authorization })).status).toBe(200);
  });

  it('compares an IPv4 client of a dual-stack listener by its IPv4 address', async () => {
    let exp: Exporter;
    try {
      exp = await exporter({}, '::');
    } catch {
      // No IPv6 on this machine: the IPv4-mapped form never occurs then.
      return;
    }
    const port = exp.address.slice(exp.address.lastIndexOf(':') + 1);
    // The socket's local address reads ::ffff:127.0.0.1 here; the browser's Host says 127.0.0.1.
    expect((await send(exp.address, '/-/reload', `127.0.0.1:${port}`, { method: 'POST' })).status).toBe(200);
  });
});

describe('--web.allowed-host values', () => {
  it('are names or addresses, canonical', () => {
    expect(parseAllowedHosts(['Exporter.Example.com.', '10.0.0.1', '[::1]', 'bücher.example'])).toEqual(['exporter.example.com', '10.0.0.1', '[::1]', 'xn--bcher-kva.example']);
  });

  it.each(['http://exporter', 'exporter:18922', '[::1]:80', 'exporter/metrics', '', 'a b', 'user@exporter'])('refuse %j, naming the flag', (value) => {
    expect(() => parseAllowedHosts([value])).toThrow(/^--web\.allowed-host: /);
  });
});
