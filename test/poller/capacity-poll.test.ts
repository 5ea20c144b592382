/**
 * The capacity poll through the poller, as a user meets it: once per cycle per cluster beside the
 * paths, a gateway without the route (400) said once in the log and leaving every path's poll as it
 * was, other failures counted by reason, and one failing signal never changing the other.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Poller } from '../../src/poller/poller.js';
import type { SessionLister } from '../../src/poller/cycle.js';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import { captureLog } from '../helpers/log-capture.js';
import { json } from '../helpers/sf-client.js';
import { serversPerTest } from '../helpers/http-server.js';
import { UNWRITTEN_SECTIONS } from '../../src/config/schema.js';

const EXAMPLE = readFileSync(new URL('../fixtures/servicefabric/get-image-store-info.json', import.meta.url), 'utf8').trim();
const poll = { schedule: '0 0 1 1 *', concurrency: 2, requestTimeoutMs: 2000, maxStalenessMs: 10_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 };

const { serve, later } = serversPerTest();
const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

/** A gateway whose paths have no session and are not in the store; `info` answers GetImageStoreInfo. */
async function gateway(info: (res: ServerResponse) => void): Promise<{ url: string; infoRequests: () => number }> {
  let infoRequests = 0;
  const server = await serve((req, res) => {
    if (req.url?.startsWith('/ImageStore/$/Info?')) {
      infoRequests += 1;
      info(res);
    } else if (req.url?.includes('/$/GetUploadSession?')) res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  return { url: server.url, infoRequests: () => infoRequests };
}

function poller(url: string, logger = captureLog('info').logger, shard?: { index: number; count: number }): Poller {
  const p = new Poller({
    config: { ...UNWRITTEN_SECTIONS, poll, clusters: [{ name: 'c1', endpoint: url, contentPaths: ['a', 'b'] }] },
    createClient: (cluster, settings) => {
      const client: SessionLister = new ServiceFabricClient({ endpoint: cluster.endpoint, requestTimeoutMs: settings.requestTimeoutMs, userAgent: 'test' });
      later(() => client.close());
      return client;
    },
    logger,
    shard,
  });
  pollers.push(p);
  return p;
}

describe('capacity poll', () => {
  it('asks once per cycle and puts the answer in the snapshot', async () => {
    const gw = await gateway((res) => json(res, 200, EXAMPLE));
    const p = poller(gw.url);
    await p.tick();
    await p.tick();
    expect(gw.infoRequests()).toBe(2);
    const [state] = p.current()?.capacity ?? [];
    expect(state?.cluster).toBe('c1');
    expect(state?.info?.availableBytes).toBe(228_851_900_416);
    expect(state?.failuresTotal).toEqual({});
  });

  it('a gateway without the route (400): one log line, no capacity, no failure counted, every path polled as before', async () => {
    const gw = await gateway((res) => json(res, 400, '{"Error":{"Code":"E_INVALIDARG","Message":"Invalid argument"}}'));
    const log = captureLog('info');
    const p = poller(gw.url, log.logger);
    await p.tick();
    await p.tick();
    await p.tick();
    const snapshot = p.current();
    expect(snapshot?.capacity).toEqual([expect.objectContaining({ cluster: 'c1', info: undefined, supported: false, failuresTotal: {}, failure: undefined })]);
    expect(snapshot?.paths.map((path) => [path.contentPath, path.success, path.state, path.pollsTotal, path.failuresTotal])).toEqual([
      ['a', true, 'absent', 3, {}],
      ['b', true, 'absent', 3, {}],
    ]);
    const lines = log.entries().filter((e) => e.sf_cluster === 'c1');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toMatch(/^image store capacity not available on this cluster \(GetImageStoreInfo needs Service Fabric 6\.5 or later\): GET .*status 400 E_INVALIDARG/);
  });

  it('another failure is counted under its reason and logged each time, without touching the paths', async () => {
    let answer = (res: ServerResponse): void => {
      res.writeHead(503).end('busy');
    };
    const gw = await gateway((res) => answer(res));
    const log = captureLog('info');
    const p = poller(gw.url, log.logger);
    await p.tick();
    await p.tick();
    let [state] = p.current()?.capacity ?? [];
    expect(state?.failuresTotal).toEqual({ http_status: 2 });
    expect(state?.failure?.reason).toBe('http_status');
    expect(state?.info).toBeUndefined();
    expect(p.current()?.paths.every((path) => path.success && path.state === 'absent')).toBe(true);
    expect(log.entries().filter((e) => e.reason === 'http_status').map((e) => e.msg)).toEqual([
      expect.stringMatching(/^image store capacity poll failed: GET .*status 503/),
      expect.stringMatching(/^image store capacity poll failed: GET .*status 503/),
    ]);
    // Recovered: the answer is back, the count stays.
    answer = (res) => json(res, 200, EXAMPLE);
    await p.tick();
    [state] = p.current()?.capacity ?? [];
    expect(state?.info?.capacityBytes).toBe(500_090_007_552);
    expect(state?.failuresTotal).toEqual({ http_status: 2 });
    expect(state?.failure).toBeUndefined();
  });

  it('only the first shard asks, so no two processes export the same cluster', async () => {
    const gw = await gateway((res) => json(res, 200, EXAMPLE));
    const second = poller(gw.url, undefined, { index: 1, count: 2 });
    await second.tick();
    expect(gw.infoRequests()).toBe(0);
    expect(second.current()?.capacity).toEqual([]);
    const first = poller(gw.url, undefined, { index: 0, count: 2 });
    await first.tick();
    expect(gw.infoRequests()).toBe(1);
  });
});
