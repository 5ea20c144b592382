/**
 * The harness of the cluster client's tests: test servers answering as the gateway does, clients
 * built against them, both closed after each test, and the rejection of a call.
 */
import type { ServerResponse } from 'node:http';
import { ServiceFabricClient, type ClientOptions } from '../../src/servicefabric/client.js';
import { serversPerTest, type PerTestServers } from './http-server.js';
import { ServiceFabricError } from '../../src/servicefabric/request-errors.js';

/** Test servers, and clients closed after each test before their servers. */
interface ClientHarness extends PerTestServers {
  /** A client of `endpoint` (5 s deadline, a test User-Agent), `options` over those. */
  readonly client: (endpoint: string, options?: Partial<ClientOptions>) => ServiceFabricClient;
}

/** The harness of one test file; call once at its top level (it registers an `afterEach`). */
export function clientHarness(): ClientHarness {
  const servers = serversPerTest();
  return {
    ...servers,
    client: (endpoint, options = {}) => {
      const c = new ServiceFabricClient({ endpoint, requestTimeoutMs: 5_000, userAgent: 'sf-upload-exporter/0.1.0-test', ...options });
      servers.later(() => c.close());
      return c;
    },
  };
}

/** Answers `body` with `status` and the gateway's JSON content type. */
export function json(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(body);
}

/** The rejection of `promise`, which must reject. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to reject');
}

/** The classified error of polling `contentPath` through `client`, which must fail with one. */
export async function pollFailure(client: { getUploadSessions(contentPath: string): Promise<unknown> }, contentPath: string): Promise<ServiceFabricError> {
  const error = await failure(client.getUploadSessions(contentPath));
  if (error instanceof ServiceFabricError) return error;
  throw error;
}
