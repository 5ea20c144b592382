/**
 * A real Prometheus 2.x scrapes the gzip /metrics body assembled from parts compressed apart
 * (compress.ts) and stores every series of the plain scrape with its value. Its own file because it
 * needs the prometheus program: SF_SKIP_TOOL_SUITES=1 leaves it out (scripts/test-tools.mjs).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { parseExposition } from '../helpers/exposition.js';
import { expectCompressedOnce, getMetrics, scrapeBoth, startFixtureServer, T0, type FixtureServer } from '../helpers/gzip-scrape.js';
import { eventually, startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

let server: FixtureServer;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  server = await startFixtureServer(true);
});

afterAll(async () => {
  await prometheus?.close();
  await server.close();
});

describe('gzip /metrics scraped by Prometheus', () => {
  it('is scraped by a real Prometheus 2.x with every series present and every value as in the plain scrape', async () => {
    const earlier = (await getMetrics(server.address, { 'accept-encoding': 'gzip' })).body;
    server.nowMs = T0 + 29_876;
    const { plain, gzip } = await scrapeBoth(server.address);
    expectCompressedOnce(gzip, earlier);
    const expected = parseExposition(plain.toString('utf8'));
    prometheus = await startPrometheus({
      config: stringify({ global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'gzip', static_configs: [{ targets: [server.address] }] }] }),
    });
    const running = prometheus;
    const scraped = await eventually('a completed scrape', 20_000, async () => {
      const samples = await running.query('scrape_samples_scraped{job="gzip"}');
      return samples.length === 1 ? Number(samples[0]?.value[1]) : undefined;
    });
    expect(scraped).toBe(expected.length);
    expect((await running.query('up{job="gzip"}'))[0]?.value[1]).toBe('1');
    const stored = await running.query('{job="gzip", __name__!~"up|scrape_.*"}');
    const key = (name: string, labels: Readonly<Record<string, string>>): string => JSON.stringify([name, Object.entries(labels).sort()]);
    const got = new Map(
      stored.map((s) => {
        const { __name__: name, job: _job, instance: _instance, ...labels } = s.metric;
        return [key(name as string, labels), Number(s.value[1])];
      }),
    );
    expect(got.size).toBe(expected.length);
    for (const s of expected) expect([key(s.name, s.labels), got.get(key(s.name, s.labels))]).toEqual([key(s.name, s.labels), s.value]);
    // Prometheus asked for gzip and got the body of the scrape above (the clock has not moved).
    const toPrometheus = server.answers.filter((a) => a.userAgent.startsWith('Prometheus/'));
    expect(toPrometheus.length).toBeGreaterThan(0);
    for (const a of toPrometheus) expect(a).toMatchObject({ encoding: 'gzip', length: gzip.length });
  }, 60_000);
});
