import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBuilt } from './helpers/dist.js';
import { MAIN, runCli, startDaemon, type Daemon } from './helpers/run-cli.js';
import { startSimulator, type Simulator } from '../src/simulator/server.js';
import { parseExposition, seriesOf } from './helpers/exposition.js';
import { REFERENCE_EXAMPLE, uploadChunk } from './helpers/upload.js';

const GOOD = fileURLToPath(new URL('./fixtures/config/good-minimal.yaml', import.meta.url));
const INVALID = fileURLToPath(new URL('./fixtures/config/invalid-names.yaml', import.meta.url));

function run(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const children: ChildProcess[] = [];
const sims: Simulator[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** Starts the daemon; it is killed after the test. */
async function daemon(args: string[]): Promise<Daemon> {
  const started = await startDaemon(args);
  children.push(started.child);
  return started;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, attempts = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('command line', () => {
  it('refuses to start without --config.file or --demo, showing both', () => {
    const { status, stderr } = run([]);
    expect(status).toBe(1);
    expect(stderr).toContain('--config.file <path>');
    expect(stderr).toContain('--demo');
  });

  it('exits 1 on an invalid configuration with messages that name the fields', () => {
    const { status, stderr } = run(['--config.file', INVALID]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/invalid configuration/);
    expect(stderr).toMatch(/clusters\[\d+\]\.name: /);
  });

  it('checks a configuration with --config.check: 0 valid, 1 invalid', () => {
    const good = run(['--config.file', GOOD, '--config.check']);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('configuration is valid');
    expect(run(['--config.file', INVALID, '--config.check']).status).toBe(1);
  });

  it('exits 1 at start-up, naming the field, when the web configuration sets a header HTTP cannot carry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfue-cli-'));
    const web = join(dir, 'web.yml');
    writeFileSync(web, 'http_server_config:\n  headers:\n    Content-Security-Policy: "default-src \'self\'\\r\\nX-Injected: 1"\n');
    const { status, stdout, stderr } = run(['--config.file', GOOD, '--web.config.file', web, '--web.listen-address', '127.0.0.1:0']);
    expect(status).toBe(1);
    expect(stdout + stderr).toContain(`${web}: http_server_config.headers[\\"Content-Security-Policy\\"]: not a valid HTTP header value`);
  });

  it('names an unreadable configuration file', () => {
    const { status, stderr } = run(['--config.file', '/nonexistent/cfg.yaml']);
    expect(status).toBe(1);
    expect(stderr).toContain('/nonexistent/cfg.yaml');
  });

  it('prints its version and documents every flag in --help', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = run(['--help']).stdout;
    for (const flag of [
      '--config.file',
      '--config.check',
      '--web.listen-address',
      '--web.telemetry-path',
      '--web.disable-exporter-metrics',
      '--web.config.file',
      '--web.enable-lifecycle',
      '--web.allowed-host',
      '--web.read-header-timeout',
      '--web.read-timeout',
      '--web.write-timeout',
      '--web.idle-timeout',
      '--web.max-connections',
      '--log.level',
      '--log.format',
      '--demo',
      '--version',
      'simulate',
    ]) {
      expect(help).toContain(flag);
    }
  });

  it('rejects a bad listen address, a bad log level and bad listener limits before starting', () => {
    expect(run(['--demo', '--web.listen-address', 'nonsense']).status).toBe(1);
    const timeout = run(['--demo', '--web.write-timeout', '2 minutes']);
    expect(timeout).toMatchObject({ status: 1, stderr: expect.stringContaining('--web.write-timeout: invalid duration "2 minutes"') });
    expect(run(['--demo', '--web.max-connections', 'many'])).toMatchObject({ status: 1, stderr: expect.stringContaining('--web.max-connections') });
    expect(run(['--demo', '--web.allowed-host', 'exporter.example', '--web.allowed-host', 'https://exporter.example'])).toMatchObject({
      status: 1,
      stderr: 'error: --web.allowed-host: "https://exporter.example" is not a host name or address (no scheme, port or path), e.g. --web.allowed-host=exporter.example.com\n',
    });
    const level = run(['--demo', '--log.level', 'verbose']);
    expect(level.status).not.toBe(0);
    expect(level.stderr).toContain('verbose');
  });

  it('polls a configured cluster, serves /metrics, and exits 0 on SIGTERM', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const s = REFERENCE_EXAMPLE.sessions[0];
    await uploadChunk(sim.url, REFERENCE_EXAMPLE.path, s.sessionId, { ...s.received, fileSize: REFERENCE_EXAMPLE.fileSize });
    const dir = mkdtempSync(join(tmpdir(), 'sfue-cli-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `poll:\n  schedule: "*/1 * * * * *"\n  request_timeout: 2s\nclusters:\n  - name: sim\n    endpoint: ${sim.url}\n    content_paths: ['${REFERENCE_EXAMPLE.path}']\n`,
    );
    const { child, address, lines } = await daemon(['--config.file', config]);
    const started = lines().find((l) => l.msg === 'sf-upload-exporter started');
    expect(started).toMatchObject({ level: 'info', version: expect.any(String), listen_address: address });
    const remaining = await waitFor(async () => {
      const text = await (await fetch(`http://${address}/metrics`)).text();
      const found = seriesOf(parseExposition(text), 'servicefabric_imagestore_upload_session_remaining_bytes');
      return found.length > 0 ? found : undefined;
    }, 'the session on /metrics');
    expect(remaining.map((r) => r.value)).toEqual([s.remaining]);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('leaves the modules of optional features unloaded until they are used', async () => {
    // Each one costs memory in every exporter process, held to 1.5 × the minimal holder's RSS in the bench: the simulator and demo, path
    // files' globbing, the status table, Entra ID's MSAL.
    const sim = await startSimulator();
    sims.push(sim);
    const dir = mkdtempSync(join(tmpdir(), 'sfue-cli-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `poll:\n  schedule: "*/1 * * * * *"\nclusters:\n  - name: sim\n    endpoint: ${sim.url}\n    content_paths: ['${REFERENCE_EXAMPLE.path}']\n`);
    const preload = new URL('./fixtures/cli/log-imports.mjs', import.meta.url).href;
    const started = await startDaemon(['--config.file', config], { env: { ...process.env, NODE_OPTIONS: `--import=${preload}` } });
    children.push(started.child);
    await waitFor(async () => {
      const text = await (await fetch(`http://${started.address}/metrics`)).text();
      return seriesOf(parseExposition(text), 'servicefabric_imagestore_polls_total').some((s) => s.value >= 2) ? true : undefined;
    }, 'two polls on /metrics');
    const imported = started
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('import: '))
      .map((line) => line.slice('import: '.length));
    // The hook saw the exporter's own modules: the list is not empty for some other reason.
    expect(imported.some((url) => url.endsWith('/dist/src/exporter.js'))).toBe(true);
    const optional = ['/node_modules/jose/', '/node_modules/fast-glob/', '/node_modules/cli-table3/', '/node_modules/@azure/msal-node/', '/dist/src/simulator/server.js', '/dist/src/demo.js', '/dist/src/status/table.js'];
    expect(imported.filter((url) => optional.some((part) => url.includes(part)))).toEqual([]);
  });

  it('exits 70 with the error on standard error when a promise rejection goes unhandled', async () => {
    const preload = new URL('./fixtures/cli/reject-unhandled.mjs', import.meta.url).href;
    const result = await runCli(['--demo', '--web.listen-address', '127.0.0.1:0'], { env: { ...process.env, NODE_OPTIONS: `--import=${preload}` } });
    expect(result.stderr).toContain('fatal: unhandled promise rejection: Error: injected by the test');
    expect(result.status).toBe(70);
  });

  it('exits 1 when shutdown hangs, once the 5 s deadline has passed, and says so', async () => {
    const preload = new URL('./fixtures/cli/hang-on-close.mjs', import.meta.url).href;
    const started = await startDaemon(['--demo'], { env: { ...process.env, NODE_OPTIONS: `--import=${preload}` } });
    children.push(started.child);
    const exited = once(started.child, 'exit');
    const signalledMs = Date.now();
    started.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(1);
    expect(started.lines().find((l) => l.msg === 'shutdown took too long; exiting anyway')).toMatchObject({ level: 'error', deadline_ms: 5000 });
    // Not before the deadline: a slow but healthy shutdown gets its 5 s.
    expect(Date.now() - signalledMs).toBeGreaterThanOrEqual(4_900);
  });

  it('runs the built-in demo: announces it, and shows moving uploads on /metrics', async () => {
    const { child, address, lines } = await daemon(['--demo', '--web.idle-timeout', '7s']);
    // The listener limits reach the server: it announces the keep-alive time it keeps.
    const [host, port] = address.split(':');
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      request({ host, port: Number(port), path: '/-/healthy', agent: false, headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        resolve(String(res.headers['keep-alive']));
      })
        .on('error', reject)
        .end();
    });
    expect(keepAlive).toBe('timeout=7');
    expect(lines().some((l) => l.level === 'warn' && String(l.msg).includes('DEMO MODE'))).toBe(true);
    const sessions = await waitFor(async () => {
      const text = await (await fetch(`http://${address}/metrics`)).text();
      const found = seriesOf(parseExposition(text), 'servicefabric_imagestore_upload_session_remaining_bytes');
      return found.length > 0 ? found : undefined;
    }, 'demo sessions on /metrics');
    expect(sessions.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
