import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { createApp } from '../../src/web/app.js';
import type { MetricsSource } from '../../src/metrics/render.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { silentLogger } from '../../src/log.js';
import { buildStatusView } from '../../src/status/view.js';
import { DEFAULT_STATUS } from '../../src/config/schema.js';
import { CachedStatusView } from '../../src/status/cache.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: { ready?: () => boolean; telemetryPath?: string; registry?: MetricsSource } = {}) {
  const registry = options.registry ?? new Registry();
  const app = createApp({
    registry,
    telemetryPath: options.telemetryPath ?? '/metrics',
    ready: options.ready ?? (() => true),
    info: { version: '0.0.0', telemetryPath: options.telemetryPath ?? '/metrics', demo: false },
    status: () => new CachedStatusView(buildStatusView({ snapshot: undefined, nowMs: Date.now(), stalledAfterMs: DEFAULT_STATUS.stalledAfterMs }), '"empty"'),
    logger: silentLogger,
  });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return `http://${server.address}`;
}

describe('web app', () => {
  it('serves the registry on the telemetry path with its content type', async () => {
    const registry = new Registry();
    registry.registerMetric({
      name: 'x_total',
      get: async () => ({ name: 'x_total', help: 'x', type: 'counter', values: [{ labels: {}, value: 7 }], aggregator: 'sum' }),
    } as never);
    const base = await serve({ registry, telemetryPath: '/custom/metrics' });
    const res = await fetch(`${base}/custom/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('x_total 7');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('hands the chunks of a scrape back to the source once they are sent or compressed, not before', async () => {
    const released: Array<readonly Buffer[]> = [];
    let served: readonly Buffer[] = [];
    const source: MetricsSource = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: async () => {
        served = [Buffer.from('a_metric 1\n'), Buffer.from('b_metric 2\n')];
        return served;
      },
      release: (chunks) => {
        released.push(chunks);
      },
    };
    const base = await serve({ registry: source });
    const until = async (done: () => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    const plain = await fetch(`${base}/metrics`);
    expect(await plain.text()).toBe('a_metric 1\nb_metric 2\n');
    await until(() => released.length === 1);
    expect(released).toEqual([served]);
    expect(released[0]).toBe(served);

    // gzip: handed back as soon as the compressed copy exists.
    const body = await new Promise<Buffer>((resolve, reject) => {
      request(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts)));
      })
        .on('error', reject)
        .end();
    });
    expect(gunzipSync(body).toString('utf8')).toBe('a_metric 1\nb_metric 2\n');
    await until(() => released.length === 2);
    expect(released[1]).toBe(served);
  });

  it('answers /-/healthy 200 always and /-/ready 503 until ready, then 200', async () => {
    let ready = false;
    const base = await serve({ ready: () => ready });
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${base}/-/ready`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
  });

  it('answers 500 with a short message, not a stack trace, when rendering metrics fails', async () => {
    const registry = new Registry();
    registry.registerMetric({ name: 'bad', get: async () => Promise.reject(new Error('secret-detail')) } as never);
    const base = await serve({ registry });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret-detail');
  });

  it('serves the status page as HTML', async () => {
    const base = await serve();
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('sf-upload-exporter');
  });
});
