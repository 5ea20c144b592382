import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { fetchAadMetadata } from '../../src/servicefabric/aad-metadata.js';
import { AuthError } from '../../src/servicefabric/request-errors.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const METADATA = {
  type: 'aad',
  metadata: {
    login: 'https://login.example',
    authority: 'https://login.example/tenant-1',
    tenant: 'tenant-1',
    cluster: 'cluster-app',
    client: 'client-app',
    redirect: 'urn:ietf:wg:oauth:2.0:oob',
  },
};

const open: Array<TestServer | Agent> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function discover(handler: Parameters<typeof startServer>[0]) {
  const server = await startServer(handler);
  const agent = new Agent();
  open.push(server, agent);
  return fetchAadMetadata(server.url, agent, { timeoutMs: 5000, userAgent: 'test' });
}

describe('fetchAadMetadata', () => {
  it('reads the authority, tenant and cluster application', async () => {
    const metadata = await discover((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(METADATA)));
    expect(metadata).toMatchObject({ authority: 'https://login.example/tenant-1', tenant: 'tenant-1', cluster: 'cluster-app' });
  });

  it('stops reading an answer larger than 64 KiB and fails with reason auth, without buffering the rest', async () => {
    let written = 0;
    const attempt = discover((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // Far more than the limit; the writes stop once the client has gone.
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024 && !res.destroyed) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => (written = Number.POSITIVE_INFINITY));
      pump();
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).reason).toBe('auth');
    expect((error as AuthError).message).toContain('larger than 65536 bytes');
  });
});
