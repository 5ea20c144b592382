/**
 * `clusters[].auth.managed_identity` and `clusters[].auth.workload_identity`: Entra ID credentials
 * that the platform provides rather than a file the operator manages. Only their shape is checked
 * here, and, at start-up, that the environment the AKS webhook sets for workload identity is there.
 */
import { statSync } from 'node:fs';
import * as z from 'zod';

/** An Entra ID application (client) id, the only form a user-assigned identity is named by here. */
export const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** The variables the AKS workload identity webhook sets in a pod, in the order they are reported. */
export const WORKLOAD_IDENTITY_ENV = ['AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID'] as const;

/** The largest federated token file read: a projected service-account token is about 1 KiB. */
export const MAX_FEDERATED_TOKEN_BYTES = 64 * 1024;

function shown(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return `string ${JSON.stringify(input)}`;
  return typeof input === 'object' ? 'a mapping' : `${typeof input} ${String(input as number | boolean)}`;
}

/** `managed_identity:` as written: `true` (system-assigned), `false` (off) or `{ client_id: <GUID> }`. */
export const managedIdentitySchema = z.union(
  [
    z.boolean(),
    z.strictObject(
      {
        client_id: z
          .string({ error: (issue) => (issue.input === undefined ? 'required key is missing' : `expected a GUID, got ${shown(issue.input)}`) })
          .regex(GUID, { error: (issue) => `expected the user-assigned identity's client id (a GUID), got ${JSON.stringify(issue.input)}` }),
      },
      // Only reached for a mapping: the union reports other kinds below.
      { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'expected a mapping') },
    ),
  ],
  { error: (issue) => `expected true, false or a mapping with client_id, got ${shown(issue.input)}` },
);

/** `workload_identity:` as written. */
export const workloadIdentitySchema = z.boolean({ error: (issue) => `expected a boolean, got ${shown(issue.input)}` });

type ManagedIdentityFile = z.output<typeof managedIdentitySchema>;

/** The domain form of `managed_identity:`; undefined when it is absent or `false`. */
export function toManagedIdentity(value: ManagedIdentityFile | undefined): { readonly clientId?: string } | undefined {
  if (value === undefined || value === false) return undefined;
  return Object.freeze(value === true ? {} : { clientId: value.client_id });
}

/**
 * What is missing for `workload_identity: true` in this environment, as one message, or undefined:
 * the three variables set, the tenant usable in an authority URL, the token file a readable file.
 */
export function workloadIdentityProblem(env: NodeJS.ProcessEnv): string | undefined {
  const missing = WORKLOAD_IDENTITY_ENV.filter((name) => !env[name]);
  if (missing.length > 0) {
    return (
      `environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set or empty ` +
      '(the AKS workload identity webhook sets them in pods labelled azure.workload.identity/use: "true" whose service account names a client id)'
    );
  }
  const tenant = env.AZURE_TENANT_ID as string;
  if (!GUID.test(tenant) && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/.test(tenant)) {
    return 'environment variable AZURE_TENANT_ID is not a GUID or domain name';
  }
  const file = env.AZURE_FEDERATED_TOKEN_FILE as string;
  try {
    if (!statSync(file).isFile()) return `AZURE_FEDERATED_TOKEN_FILE names ${file}, which is not a file`;
  } catch (error) {
    return `AZURE_FEDERATED_TOKEN_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return undefined;
}
