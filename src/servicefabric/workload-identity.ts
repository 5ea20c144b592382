/**
 * AKS workload identity: the webhook projects a service-account token into the pod and names it,
 * the identity's client id and its tenant in `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID` and
 * `AZURE_TENANT_ID`. The token is the client assertion of a client-credentials request to the
 * configured login host. Kubernetes rotates the file (the token lives an hour by default), so it is
 * read again for every token request, and read with a limit like every answer from outside.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_FEDERATED_TOKEN_BYTES, WORKLOAD_IDENTITY_ENV } from '../config/identity.js';

/** What the webhook provides. */
export interface WorkloadIdentity {
  readonly clientId: string;
  readonly tenantId: string;
  readonly tokenFile: string;
}

/** The workload identity the environment names; throws an Error naming the missing variables. */
export function workloadIdentityFromEnv(env: NodeJS.ProcessEnv = process.env): WorkloadIdentity {
  const missing = WORKLOAD_IDENTITY_ENV.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`workload identity: environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not set or empty`);
  return { clientId: env.AZURE_CLIENT_ID as string, tenantId: env.AZURE_TENANT_ID as string, tokenFile: env.AZURE_FEDERATED_TOKEN_FILE as string };
}

/** The federated token in `path`, read up to MAX_FEDERATED_TOKEN_BYTES; throws an Error that names the file, never its content. */
export function readFederatedToken(path: string, limit: number = MAX_FEDERATED_TOKEN_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`cannot read the federated token file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  try {
    if (fstatSync(fd).size > limit) throw new Error(`the federated token file ${path} is larger than ${limit} bytes`);
    // One byte more than the limit tells a file that grew since the stat.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= limit; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limit) throw new Error(`the federated token file ${path} is larger than ${limit} bytes`);
    const token = buffer.subarray(0, length).toString('utf8').trim();
    if (token === '') throw new Error(`the federated token file ${path} is empty`);
    return token;
  } finally {
    closeSync(fd);
  }
}
