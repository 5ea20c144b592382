import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfig } from '../../src/config/load.js';
import { describeConfig } from '../../src/config/describe.js';

const WORKLOAD_ENV = ['AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID'] as const;
const USER_ASSIGNED = '2f3e4d5c-6b7a-4988-9aab-bccddeeff001';

function cluster(auth: string): string {
  return `clusters:\n  - name: a\n    endpoint: https://a:19080\n    content_paths: [p]\n    auth:\n      type: entra_id\n${auth}`;
}

function issuesOf(text: string): readonly string[] {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

let saved: Record<string, string | undefined>;
let dir: string;

beforeEach(() => {
  saved = Object.fromEntries(WORKLOAD_ENV.map((name) => [name, process.env[name]]));
  for (const name of WORKLOAD_ENV) delete process.env[name];
  dir = mkdtempSync(join(tmpdir(), 'sf-identity-'));
});

afterEach(() => {
  for (const name of WORKLOAD_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('managed_identity', () => {
  it('true is the system-assigned identity, a client_id the user-assigned one; no login host is used', () => {
    const system = parseConfig(cluster('      managed_identity: true\n')).clusters[0]?.auth;
    expect(system).toEqual({ type: 'entra_id', allowCustomAuthorityHost: false, managedIdentity: {} });
    const user = parseConfig(cluster(`      managed_identity:\n        client_id: ${USER_ASSIGNED}\n`)).clusters[0]?.auth;
    expect(user?.managedIdentity).toEqual({ clientId: USER_ASSIGNED });
  });

  it('shows in the start-up description as written', () => {
    const config = parseConfig(cluster(`      managed_identity: { client_id: ${USER_ASSIGNED} }\n`));
    expect(JSON.stringify(describeConfig(config))).toContain(`"managed_identity":{"client_id":"${USER_ASSIGNED}"}`);
  });
});

describe('workload_identity', () => {
  it('stops start-up naming every variable the AKS webhook did not set', () => {
    expect(issuesOf(cluster('      workload_identity: true\n'))).toEqual([
      'clusters[0].auth.workload_identity: environment variables AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID are not set or empty ' +
        '(the AKS workload identity webhook sets them in pods labelled azure.workload.identity/use: "true" whose service account names a client id)',
    ]);
    process.env.AZURE_CLIENT_ID = USER_ASSIGNED;
    process.env.AZURE_FEDERATED_TOKEN_FILE = join(dir, 'token');
    expect(issuesOf(cluster('      workload_identity: true\n'))).toEqual([
      'clusters[0].auth.workload_identity: environment variable AZURE_TENANT_ID is not set or empty ' +
        '(the AKS workload identity webhook sets them in pods labelled azure.workload.identity/use: "true" whose service account names a client id)',
    ]);
  });

  it('stops start-up when the token file cannot be read or the tenant is not a tenant', () => {
    process.env.AZURE_CLIENT_ID = USER_ASSIGNED;
    process.env.AZURE_TENANT_ID = 'contoso.onmicrosoft.com';
    process.env.AZURE_FEDERATED_TOKEN_FILE = join(dir, 'missing');
    expect(issuesOf(cluster('      workload_identity: true\n'))).toEqual([
      `clusters[0].auth.workload_identity: AZURE_FEDERATED_TOKEN_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT)`,
    ]);
    writeFileSync(join(dir, 'token'), 'eyJ.projected.token');
    process.env.AZURE_FEDERATED_TOKEN_FILE = join(dir, 'token');
    process.env.AZURE_TENANT_ID = 'https://evil.example/';
    expect(issuesOf(cluster('      workload_identity: true\n'))).toEqual([
      'clusters[0].auth.workload_identity: environment variable AZURE_TENANT_ID is not a GUID or domain name',
    ]);
  });

  it('is accepted with the three variables set, with the configured login host', () => {
    writeFileSync(join(dir, 'token'), 'eyJ.projected.token');
    process.env.AZURE_FEDERATED_TOKEN_FILE = join(dir, 'token');
    process.env.AZURE_CLIENT_ID = USER_ASSIGNED;
    process.env.AZURE_TENANT_ID = 'contoso.onmicrosoft.com';
    const auth = parseConfig(cluster('      workload_identity: true\n      authority_host: https://login.microsoftonline.us\n')).clusters[0]?.auth;
    expect(auth).toEqual({ type: 'entra_id', workloadIdentity: true, authorityHost: 'https://login.microsoftonline.us', allowCustomAuthorityHost: false });
  });
});
