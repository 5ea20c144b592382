import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceFabricConfigFile, serviceFabricListenAddress, ServiceFabricEnvironmentError } from '../../src/hosting/servicefabric.js';

const tmp = mkdtempSync(join(tmpdir(), 'sfue-sfenv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A service package file as Service Fabric writes it beside the packages it names. */
function packageFile(configPackages: Array<{ name: string; version: string; shared?: boolean }>): string {
  const digested = configPackages
    .map((p) => `<DigestedConfigPackage RolloutVersion="1.0"${p.shared ? ' IsShared="true"' : ''}><ConfigPackage Name="${p.name}" Version="${p.version}"/></DigestedConfigPackage>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<ServicePackage xmlns="http://schemas.microsoft.com/2011/01/fabric" Name="SfUploadExporterPkg" ManifestVersion="1.2.0">
  <DigestedCodePackage RolloutVersion="1.0"><CodePackage Name="Code" Version="1.2.0"><EntryPoint><ExeHost><Program>node.exe</Program></ExeHost></EntryPoint></CodePackage></DigestedCodePackage>
  ${digested}
</ServicePackage>`;
}

let apps = 0;
/** An application folder with `files` in it; returns the environment Service Fabric would set. */
function appFolder(files: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = join(tmp, `app${++apps}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { Fabric_Folder_Application: dir, Fabric_ServicePackageName: 'SfUploadExporterPkg', ...extra };
}

describe('the port Service Fabric assigns the endpoint', () => {
  it('is read from Fabric_Endpoint_MetricsEndpoint as a listen address on every interface', () => {
    expect(serviceFabricListenAddress({ Fabric_Endpoint_MetricsEndpoint: '20100' })).toBe(':20100');
    expect(serviceFabricListenAddress({ Fabric_Endpoint_MetricsEndpoint: '1' })).toBe(':1');
    expect(serviceFabricListenAddress({ Fabric_Endpoint_MetricsEndpoint: '65535' })).toBe(':65535');
  });

  it('is absent outside Service Fabric, and for another endpoint name', () => {
    expect(serviceFabricListenAddress({})).toBeUndefined();
    expect(serviceFabricListenAddress({ Fabric_Endpoint_MetricsEndpoint: '' })).toBeUndefined();
    expect(serviceFabricListenAddress({ Fabric_Endpoint_ServiceEndpoint: '8080' })).toBeUndefined();
  });

  it.each([['0'], ['65536'], ['80a'], [' 80'], ['-1'], ['123456']])('refuses %j, naming the variable', (value) => {
    expect(() => serviceFabricListenAddress({ Fabric_Endpoint_MetricsEndpoint: value })).toThrow(
      new ServiceFabricEnvironmentError(`Fabric_Endpoint_MetricsEndpoint must be a port from 1 to 65535, got "${value}"`),
    );
  });
});

describe('the configuration in the config package', () => {
  it('is config.yaml in {application folder}\\{service package}.Config.{version}, the version from the current service package file', async () => {
    const env = appFolder({ 'SfUploadExporterPkg.Package.Current.xml': packageFile([{ name: 'Other', version: '9' }, { name: 'Config', version: '1.2.0' }]) });
    expect(await serviceFabricConfigFile(env)).toBe(join(env.Fabric_Folder_Application!, 'SfUploadExporterPkg.Config.1.2.0', 'config.yaml'));
  });

  it('takes the file named by SF_UPLOAD_EXPORTER_CONFIG_FILE (the ConfigFile parameter), relative to the package or absolute', async () => {
    const files = { 'SfUploadExporterPkg.Package.Current.xml': packageFile([{ name: 'Config', version: '2' }]) };
    const env = appFolder(files, { SF_UPLOAD_EXPORTER_CONFIG_FILE: 'prod.yaml' });
    expect(await serviceFabricConfigFile(env)).toBe(join(env.Fabric_Folder_Application!, 'SfUploadExporterPkg.Config.2', 'prod.yaml'));
    expect(await serviceFabricConfigFile({ ...env, SF_UPLOAD_EXPORTER_CONFIG_FILE: '/srv/exporter.yaml' })).toBe('/srv/exporter.yaml');
    expect(await serviceFabricConfigFile({ ...env, SF_UPLOAD_EXPORTER_CONFIG_FILE: '' })).toBe(join(env.Fabric_Folder_Application!, 'SfUploadExporterPkg.Config.2', 'config.yaml'));
  });

  it('reads the activation\'s own service package file in exclusive mode, and a shared package\'s .lk folder', async () => {
    const env = appFolder(
      { 'SfUploadExporterPkg.Package.Current.xml': packageFile([{ name: 'Config', version: 'old' }]), 'SfUploadExporterPkg.abc-123.Package.Current.xml': packageFile([{ name: 'Config', version: '3', shared: true }]) },
      { Fabric_ServicePackageActivationId: 'abc-123' },
    );
    expect(await serviceFabricConfigFile(env)).toBe(join(env.Fabric_Folder_Application!, 'SfUploadExporterPkg.Config.3.lk', 'config.yaml'));
  });

  it('is not looked for outside Service Fabric', async () => {
    expect(await serviceFabricConfigFile({})).toBeUndefined();
    expect(await serviceFabricConfigFile({ Fabric_Folder_Application: tmp })).toBeUndefined();
  });

  it.each([
    ['no service package file', {}, 'cannot read the service package file'],
    ['a file that is no XML', { 'SfUploadExporterPkg.Package.Current.xml': '<ServicePackage' }, 'is not well-formed XML'],
    ['no Config package', { 'SfUploadExporterPkg.Package.Current.xml': packageFile([{ name: 'Settings', version: '1' }]) }, 'names no Config package with a version'],
    ['a version that leaves the folder', { 'SfUploadExporterPkg.Package.Current.xml': packageFile([{ name: 'Config', version: '1/../../x' }]) }, 'names no Config package with a version'],
  ])('fails with %s, naming the file', async (_what, files, message) => {
    const env = appFolder(files);
    const error = await serviceFabricConfigFile(env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceFabricEnvironmentError);
    expect((error as Error).message).toContain(join(env.Fabric_Folder_Application!, 'SfUploadExporterPkg.Package.Current.xml'));
    expect((error as Error).message).toContain(message);
  });
});
