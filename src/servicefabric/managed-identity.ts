/**
 * Entra ID tokens from the platform's managed identity, through MSAL's `ManagedIdentityApplication`:
 * IMDS (virtual machines and scale sets, AKS nodes), App Service, a Service Fabric application's
 * identity, Azure Arc, Cloud Shell and Machine Learning, whichever the environment variables name.
 *
 * MSAL picks its source once per process and keeps the network module of the first application it
 * was given, so that module here is one shared object that forwards each request to the token
 * request in progress (AsyncLocalStorage): each request gets its own deadline, its own connection
 * pool, and only the identity endpoint of the source MSAL picked as a destination.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as MsalModule from '@azure/msal-node';
import type { INetworkModule, ManagedIdentityApplication, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { NetworkClient, redact } from './msal-network.js';
import { createTlsConnector } from './tls.js';

type Msal = typeof MsalModule;

/** A token and when it expires. */
export interface IdentityToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
}

/** The identity endpoint of a source: the only origin its requests may go to. */
interface IdentityEndpoint {
  readonly origin: string;
  /** SHA-1 thumbprint of the endpoint's (self-signed) certificate: Service Fabric's token service. */
  readonly thumbprint?: string;
}

const DEFAULT_IMDS = 'http://169.254.169.254';

function originOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint each MSAL source sends its requests to, read from the same variables MSAL reads
 * (msal-node 7's ManagedIdentitySources); undefined when they do not name a usable URL.
 */
function identityEndpoint(source: string, env: NodeJS.ProcessEnv = process.env): IdentityEndpoint | undefined {
  switch (source) {
    case 'ServiceFabric': {
      const origin = originOf(env.IDENTITY_ENDPOINT);
      const thumbprint = env.IDENTITY_SERVER_THUMBPRINT?.replace(/[\s:]/g, '').toUpperCase();
      return origin === undefined ? undefined : { origin, ...(thumbprint ? { thumbprint } : {}) };
    }
    case 'AppService':
    case 'AzureArc': {
      const origin = originOf(env.IDENTITY_ENDPOINT);
      return origin === undefined ? undefined : { origin };
    }
    case 'MachineLearning':
    case 'CloudShell': {
      const origin = originOf(env.MSI_ENDPOINT);
      return origin === undefined ? undefined : { origin };
    }
    default: {
      const origin = originOf(env.AZURE_POD_IDENTITY_AUTHORITY_HOST ?? DEFAULT_IMDS);
      return origin === undefined ? undefined : { origin };
    }
  }
}

const inProgress = new AsyncLocalStorage<NetworkClient>();

/** The network module MSAL keeps: forwards to the token request in progress, refuses outside one. */
const forwarding: INetworkModule = {
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const client = inProgress.getStore();
    return client === undefined ? Promise.reject(new Error('no token request in progress')) : client.sendGetRequestAsync<T>(url, options);
  },
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const client = inProgress.getStore();
    return client === undefined ? Promise.reject(new Error('no token request in progress')) : client.sendPostRequestAsync<T>(url, options);
  },
};

/** One application per identity (MSAL keeps its cache and source per process anyway). */
const applications = new Map<string, ManagedIdentityApplication>();

function applicationFor(msal: Msal, clientId: string | undefined): ManagedIdentityApplication {
  const key = clientId ?? '';
  let app = applications.get(key);
  if (app === undefined) {
    app = new msal.ManagedIdentityApplication({
      ...(clientId === undefined ? {} : { managedIdentityIdParams: { userAssignedClientId: clientId } }),
      system: {
        networkClient: forwarding,
        // One attempt per token request: a failure is held and tried again at a later poll, and
        // MSAL's back-off (up to minutes for IMDS) would outlast the poll's deadline.
        disableInternalRetries: true,
        loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false, logLevel: msal.LogLevel.Error },
      },
    });
    applications.set(key, app);
  }
  return app;
}

/** Thrown with a message that is safe to show (no token, no header value). */
export class IdentityRequestError extends Error {
  override readonly name = 'IdentityRequestError';
}

/**
 * A new token for `resource` (the cluster application) from the managed identity, system-assigned
 * when `clientId` is undefined. Throws IdentityRequestError naming the source and what failed.
 */
export async function managedIdentityToken(clientId: string | undefined, resource: string, timeoutMs: number): Promise<IdentityToken> {
  // Loaded at the first token request, as entra.ts does: most exporters never run it.
  const msal = await import('@azure/msal-node');
  const app = applicationFor(msal, clientId);
  const source = app.getManagedIdentitySource();
  const endpoint = identityEndpoint(source);
  if (endpoint === undefined) throw new IdentityRequestError(`managed identity (${source}): the environment does not name a usable identity endpoint`);
  const network = new NetworkClient(undefined, timeoutMs, {
    origins: [endpoint.origin],
    // Service Fabric's token service presents a self-signed certificate, named by its thumbprint.
    ...(endpoint.thumbprint === undefined
      ? {}
      : { connect: createTlsConnector({ insecureSkipVerify: false, serverThumbprints: [endpoint.thumbprint] }, {}, timeoutMs) }),
  });
  const secrets = [process.env.IDENTITY_HEADER, process.env.MSI_SECRET];
  try {
    const result = await inProgress.run(network, () => app.acquireToken({ resource, forceRefresh: true }));
    if (result.accessToken === '' || result.expiresOn === null) throw new IdentityRequestError(`managed identity (${source}) at ${endpoint.origin}: no token in the answer`);
    return { accessToken: result.accessToken, expiresOn: result.expiresOn };
  } catch (error) {
    if (error instanceof IdentityRequestError) throw error;
    const e = error as { errorCode?: string; errorMessage?: string; message?: string };
    const text = (e.errorMessage ?? e.message ?? '').split('\n')[0] ?? '';
    // MSAL wraps the endpoint's error_description in placeholders for fields IMDS never sends.
    const description = / - Description: (.*?) - Correlation ID: /.exec(text)?.[1] ?? text;
    const detail = network.refused ?? [e.errorCode, description.slice(0, 300)].filter((s) => s).join(': ');
    throw new IdentityRequestError(redact(`managed identity (${source}) at ${endpoint.origin}: ${detail || 'unknown error'}`, secrets));
  } finally {
    await network.close();
  }
}
