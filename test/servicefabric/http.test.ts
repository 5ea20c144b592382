import { describe, expect, it } from '@jest/globals';
import { createClusterHttp, type ClusterHttp } from '../../src/servicefabric/http.js';
import { exposedGc } from '../helpers/gc.js';
import { serversPerTest, type TestServer } from '../helpers/http-server.js';

const { serve, later } = serversPerTest();

async function stallingServer(afterHeaders: () => void): Promise<TestServer> {
  return serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"UploadSessions":[');
    afterHeaders();
  });
}

function clusterHttp(base: string): ClusterHttp {
  const http = createClusterHttp({ base, userAgent: 'test', timeoutMs: 30_000, connections: 2 });
  later(() => http.agent.close());
  return http;
}

/** Reads a body to its end; rejects with the stream's error. */
async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  const reader = body?.getReader();
  if (reader) while (!(await reader.read()).done);
}

describe('cluster transport (ky on undici)', () => {
  it('aborts a stalled body on the signal given to ky, even after a garbage collection', async () => {
    // The path a request without an InFlight takes: the Request's own signal aborts the body, and a
    // collection once took the Request (and with it the link from ky's signal to the body).
    const gc = exposedGc();
    const caller = new AbortController();
    const server = await stallingServer(() =>
      setTimeout(() => {
        gc();
        gc();
        caller.abort(new Error('gone'));
      }, 100),
    );
    const response = await clusterHttp(server.url).ky.get('ImageStore/a/$/GetUploadSession', { signal: caller.signal });
    await expect(drain(response.body)).rejects.toThrow();
  });

  it('sends the cluster prefix, User-Agent and Accept on every request', async () => {
    const seen: Array<{ url?: string; ua?: string; accept?: string }> = [];
    const server = await serve((req, res) => {
      seen.push({ url: req.url, ua: req.headers['user-agent'], accept: req.headers.accept });
      res.writeHead(204).end();
    });
    const response = await clusterHttp(server.url).ky.get('ImageStore/x');
    expect(response.status).toBe(204);
    expect(seen).toEqual([{ url: '/ImageStore/x', ua: 'test', accept: 'application/json' }]);
  });
});
