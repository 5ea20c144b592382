/**
 * What the exporter learns from Service Fabric when it runs as a guest executable (the application
 * package of `npm run package:sf`): the port Service Fabric assigned its endpoint, and where its
 * config package is on the node. Both come from the environment Service Fabric gives every code
 * package it starts (Hosting2 in microsoft/service-fabric, SingleCodePackageApplicationHostProxy.cpp);
 * outside Service Fabric none of these variables is set and nothing here applies.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The endpoint's name in ServiceManifest.xml; Service Fabric sets `Fabric_Endpoint_<name>` to its port. */
const ENDPOINT_NAME = 'MetricsEndpoint';
/** The port of the exporter's endpoint, as Service Fabric assigned it. */
const ENDPOINT_VARIABLE = `Fabric_Endpoint_${ENDPOINT_NAME}`;
/** The config package's name in ServiceManifest.xml. */
const CONFIG_PACKAGE = 'Config';
/**
 * The configuration file: a name in the config package or an absolute path (the application
 * parameter `ConfigFile`); default `config.yaml`.
 */
const CONFIG_FILE_VARIABLE = 'SF_UPLOAD_EXPORTER_CONFIG_FILE';
const DEFAULT_CONFIG_FILE = 'config.yaml';

/** A service package file is a few kilobytes; a larger one is not one. */
const MAX_PACKAGE_FILE_BYTES = 4 * 1024 * 1024;

/** Service Fabric's environment names something the exporter cannot use. */
export class ServiceFabricEnvironmentError extends Error {
  override readonly name = 'ServiceFabricEnvironmentError';
}

/**
 * The listen address for the port Service Fabric assigned the endpoint (`:port`, every interface,
 * as the default `:18922`); undefined when `Fabric_Endpoint_MetricsEndpoint` is not set.
 */
export function serviceFabricListenAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENDPOINT_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ServiceFabricEnvironmentError(`${ENDPOINT_VARIABLE} must be a port from 1 to 65535, got "${value.slice(0, 40)}"`);
  }
  return `:${port}`;
}

/**
 * The configuration file in the service's config package, when the process runs under Service
 * Fabric (`Fabric_Folder_Application` and `Fabric_ServicePackageName` set); undefined otherwise.
 *
 * Service Fabric gives a guest executable no variable naming its config package. It puts each
 * package at `{Fabric_Folder_Application}\{service package}.{package}.{version}` (RunLayoutSpecification
 * and FolderNamePattern in ImageModel), and the versions the running service package uses in
 * `{service package}[.{activation id}].Package.Current.xml` there: the config package's folder is
 * found from that file, as the runtime's CodePackageActivationContext finds it.
 */
export async function serviceFabricConfigFile(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const appFolder = env.Fabric_Folder_Application;
  const servicePackage = env.Fabric_ServicePackageName;
  if (!appFolder || !servicePackage) return undefined;
  const activation = env.Fabric_ServicePackageActivationId;
  const packageFile = join(appFolder, `${servicePackage}${activation ? `.${activation}` : ''}.Package.Current.xml`);
  let text: string;
  try {
    const bytes = await readFile(packageFile);
    if (bytes.length > MAX_PACKAGE_FILE_BYTES) throw new ServiceFabricEnvironmentError(`${packageFile} is larger than ${MAX_PACKAGE_FILE_BYTES} bytes: not a service package file`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ServiceFabricEnvironmentError) throw error;
    throw new ServiceFabricEnvironmentError(`cannot read the service package file ${packageFile} to find the ${CONFIG_PACKAGE} package: ${(error as Error).message}`);
  }
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  if (XMLValidator.validate(text) !== true) throw new ServiceFabricEnvironmentError(`${packageFile} is not well-formed XML`);
  // No entity expansion: a service package file has no use for it.
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    processEntities: false,
    isArray: (name) => name === 'DigestedConfigPackage',
  }).parse(text) as { ServicePackage?: { DigestedConfigPackage?: { IsShared?: string; ConfigPackage?: { Name?: unknown; Version?: unknown } }[] } };
  const digested = parsed.ServicePackage?.DigestedConfigPackage?.find((p) => p.ConfigPackage?.Name === CONFIG_PACKAGE);
  const version = digested?.ConfigPackage?.Version;
  if (typeof version !== 'string' || version === '' || /[\\/]/.test(version) || version === '.' || version === '..') {
    throw new ServiceFabricEnvironmentError(`${packageFile} names no ${CONFIG_PACKAGE} package with a version`);
  }
  // A shared package's folder ends in .lk (RunLayoutSpecification::SharedFolderSuffix).
  const folder = join(appFolder, `${servicePackage}.${CONFIG_PACKAGE}.${version}${digested?.IsShared === 'true' ? '.lk' : ''}`);
  return resolve(folder, env[CONFIG_FILE_VARIABLE] || DEFAULT_CONFIG_FILE);
}
