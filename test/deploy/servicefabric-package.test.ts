/**
 * The Service Fabric application package `npm run package:sf` writes (scripts/package-sf.mjs), built
 * here from this checkout's dist/ with a stand-in node.exe (the registry's is 30 MB and tests stay
 * off the network): its manifests validate against Service Fabric's own schema with xmllint, they
 * say what the docs say, the exporter's `paths --package` reads the package, and the shipped
 * config.yaml finds the certificate the setup entry point writes through its relative paths.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parsePathFile } from '../../src/pathfiles/path-file-format.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { runCli } from '../helpers/run-cli.js';
import { repoFile } from './paths.js';

// @ts-expect-error: a plain .mjs script without type declarations
const { writePackage, NAMES } = (await import('../../scripts/package-sf.mjs')) as {
  writePackage: (options: { out: string; version: string; code: string; nodeExe: string; config: string }) => string;
  NAMES: Record<string, string>;
};

const SCHEMA = repoFile('test/fixtures/servicefabric-schema/ServiceFabricServiceModel.xsd');
const VERSION = (JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as { version: string }).version;
const NODE_EXE = 'MZ stand-in for node.exe\n';

const tmp = mkdtempSync(join(tmpdir(), 'sfue-sfpkg-'));
let app: string;
let certs: TestCerts;

beforeAll(() => {
  const code = join(tmp, 'code');
  mkdirSync(join(code, 'dist'), { recursive: true });
  cpSync(repoFile('dist/src'), join(code, 'dist', 'src'), { recursive: true });
  copyFileSync(repoFile('package.json'), join(code, 'package.json'));
  writeFileSync(join(tmp, 'node.exe'), NODE_EXE);
  app = writePackage({ out: join(tmp, 'out'), version: VERSION, code, nodeExe: join(tmp, 'node.exe'), config: repoFile('config/servicefabric.yaml') });
  certs = makeTestCerts();
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

function xmllint(file: string): { status: number | null; output: string } {
  const run = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readXml(file: string): any {
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Parameter', 'EnvironmentVariable'].includes(name) }).parse(readFileSync(file, 'utf8'));
}

const serviceDir = (): string => join(app, NAMES.serviceManifest!);

describe('npm run package:sf: the application package', () => {
  it.each([['ApplicationManifest.xml'], ['SfUploadExporterPkg/ServiceManifest.xml'], ['SfUploadExporterPkg/Config/Settings.xml']])('has %s valid against ServiceFabricServiceModel.xsd', (file) => {
    const { status, output } = xmllint(join(app, file));
    expect(output).toContain('validates');
    expect(status).toBe(0);
  });

  it('would fail the schema check for a manifest the runtime would refuse', () => {
    const broken = join(tmp, 'BrokenManifest.xml');
    writeFileSync(broken, readFileSync(join(app, 'ApplicationManifest.xml'), 'utf8').replace('InstanceCount="1"', 'InstanceCount="1" Replicas="1"'));
    const { status, output } = xmllint(broken);
    expect(status).not.toBe(0);
    expect(output).toContain("attribute 'Replicas' is not allowed");
  });

  it('names the application type and version after package.json, with one instance of the exporter and the port and configuration as parameters', () => {
    const { ApplicationManifest: manifest } = readXml(join(app, 'ApplicationManifest.xml'));
    expect(manifest.ApplicationTypeName).toBe('SfUploadExporterType');
    expect(manifest.ApplicationTypeVersion).toBe(VERSION);
    expect(manifest.ServiceManifestImport.ServiceManifestRef).toEqual({ ServiceManifestName: 'SfUploadExporterPkg', ServiceManifestVersion: VERSION });
    const service = manifest.DefaultServices.Service;
    expect(service.Name).toBe('SfUploadExporter');
    expect(service.StatelessService).toMatchObject({ ServiceTypeName: 'SfUploadExporterServiceType', InstanceCount: '1' });
    expect(manifest.Parameters.Parameter.map((p: { Name: string }) => p.Name)).toEqual(['Port', 'ConfigFile', 'ClientCertificateThumbprint', 'ServiceAccount']);
    expect(manifest.ServiceManifestImport.ResourceOverrides.Endpoints.Endpoint).toEqual({ Name: 'MetricsEndpoint', Port: '[Port]' });
    expect(manifest.ServiceManifestImport.EnvironmentOverrides.EnvironmentVariable).toContainEqual({ Name: 'SF_UPLOAD_EXPORTER_CONFIG_FILE', Value: '[ConfigFile]' });
  });

  it('runs node.exe dist\\src\\main.js from the code package, which carries node.exe, the built exporter and package.json', () => {
    const { ServiceManifest: manifest } = readXml(join(serviceDir(), 'ServiceManifest.xml'));
    expect(manifest.Version).toBe(VERSION);
    expect(manifest.CodePackage.EntryPoint.ExeHost).toMatchObject({ Program: 'node.exe', Arguments: 'dist\\src\\main.js', WorkingFolder: 'CodePackage' });
    expect(manifest.CodePackage.SetupEntryPoint.ExeHost.Arguments).toContain('-File Export-ClientCertificate.ps1');
    expect(manifest.ConfigPackage).toEqual({ Name: 'Config', Version: VERSION });
    expect(manifest.Resources.Endpoints.Endpoint).toEqual({ Name: 'MetricsEndpoint', Protocol: 'http', Type: 'Input', Port: '18922' });
    const code = join(serviceDir(), 'Code');
    expect(readFileSync(join(code, 'node.exe'), 'utf8')).toBe(NODE_EXE);
    expect(readFileSync(join(code, 'dist', 'src', 'main.js'), 'utf8')).toBe(readFileSync(repoFile('dist/src/main.js'), 'utf8'));
    expect(JSON.parse(readFileSync(join(code, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });
    expect(readFileSync(join(code, 'Export-ClientCertificate.ps1'), 'utf8')).toBe(readFileSync(repoFile('deploy/servicefabric/Export-ClientCertificate.ps1'), 'utf8'));
  });

  it('is read by the exporter\'s paths --package, which writes its path file named after the application type', async () => {
    const out = join(tmp, 'own-package.yaml');
    const { status, stderr } = await runCli(['paths', '--package', app, '--output-file', out]);
    expect(stderr).toContain('content paths');
    expect(status).toBe(0);
    const pathFile = parsePathFile(readFileSync(out, 'utf8'));
    expect(pathFile.package).toBe('SfUploadExporterType');
    expect(pathFile.version).toBe(VERSION);
    const paths = pathFile.entries.map((e) => e.path);
    expect(paths).toContain('SfUploadExporter\\ApplicationManifest.xml');
    expect(paths).toContain('SfUploadExporter\\SfUploadExporterPkg\\Code\\node.exe');
    expect(paths).toContain('SfUploadExporter\\SfUploadExporterPkg\\Config\\config.yaml');
    expect(pathFile.entries.find((e) => e.path.endsWith('\\node.exe'))?.size).toBe(Buffer.byteLength(NODE_EXE));
  });

  it('ships a config.yaml whose relative tls paths reach the PFX the setup entry point writes into the work folder', async () => {
    // The node's layout: {application folder}\work and {application folder}\{service package}.Config.{version}.
    const node = join(tmp, 'node-app-folder');
    const configDir = join(node, `SfUploadExporterPkg.Config.${VERSION}`);
    cpSync(join(serviceDir(), 'Config'), configDir, { recursive: true });
    mkdirSync(join(node, 'work'));
    copyFileSync(certs.pfxFile, join(node, 'work', 'client.pfx'));
    writeFileSync(join(node, 'work', 'client.pfx.pass'), certs.pfxPassphrase);
    const { status, stdout, stderr } = await runCli(['--config.check', '--config.file', join(configDir, 'config.yaml')]);
    expect(stderr).toBe('');
    expect(stdout).toContain('configuration is valid');
    expect(status).toBe(0);
  });
});
