/**
 * The built exporter started as Service Fabric starts it: no flags but what the service manifest
 * gives, and the environment of a code package.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'sfue-sfcli-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A port nothing listens on right now, on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the exporter and resolves with its start-up log line, or rejects with what it wrote if it exits. */
function start(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (line.includes('"sf-upload-exporter started"')) resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}${out}`)));
  });
}

describe('the exporter under Service Fabric', () => {
  it('listens on the port of Fabric_Endpoint_MetricsEndpoint when no --web.listen-address is given', async () => {
    const port = await freePort();
    const started = await start(['--demo'], { Fabric_Endpoint_MetricsEndpoint: String(port) });
    expect(started.listen_address).toMatch(new RegExp(`:${port}$`));
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
  });

  it('listens where --web.listen-address says when it is given', async () => {
    const started = await start(['--demo', '--web.listen-address', '127.0.0.1:0'], { Fabric_Endpoint_MetricsEndpoint: '1' });
    expect(started.listen_address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(started.listen_address).not.toBe('127.0.0.1:1');
  });

  it('stops at start-up naming the variable when the port is not one', async () => {
    const { status, stderr } = await runCli(['--demo'], { env: { ...process.env, Fabric_Endpoint_MetricsEndpoint: 'http' } });
    expect(status).toBe(1);
    expect(stderr).toBe('error: Fabric_Endpoint_MetricsEndpoint must be a port from 1 to 65535, got "http"\n');
  });

  it('reads config.yaml from its config package without --config.file, and says where from', async () => {
    const app = join(tmp, 'app');
    mkdirSync(join(app, 'SfUploadExporterPkg.Config.1.0.0'), { recursive: true });
    writeFileSync(
      join(app, 'SfUploadExporterPkg.Package.Current.xml'),
      '<ServicePackage xmlns="http://schemas.microsoft.com/2011/01/fabric" Name="SfUploadExporterPkg" ManifestVersion="1.0.0"><DigestedConfigPackage RolloutVersion="1.0"><ConfigPackage Name="Config" Version="1.0.0"/></DigestedConfigPackage></ServicePackage>',
    );
    const configFile = join(app, 'SfUploadExporterPkg.Config.1.0.0', 'config.yaml');
    writeFileSync(configFile, 'clusters:\n  - name: from-the-config-package\n    endpoint: http://127.0.0.1:9\n    content_paths: [A]\n');
    const started = await start(['--web.listen-address', '127.0.0.1:0'], { Fabric_Folder_Application: app, Fabric_ServicePackageName: 'SfUploadExporterPkg' });
    expect(JSON.stringify(started.config)).toContain('from-the-config-package');
  });

  it('still says there is nothing to poll outside Service Fabric', async () => {
    const env = { ...process.env };
    delete env.Fabric_Folder_Application;
    const { status, stderr } = await runCli([], { env });
    expect(status).toBe(1);
    expect(stderr).toContain('nothing to poll');
  });
});
