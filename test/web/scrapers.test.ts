/**
 * /metrics as today's scrapers ask for it: the exact Accept and Accept-Encoding headers they send,
 * taken from their sources, each answered with a body and a Content-Type their parser takes.
 *
 * - Prometheus 3.x (prometheus/prometheus, scrape/scrape.go acceptHeader over config/config.go's
 *   DefaultScrapeProtocols and ScrapeProtocolsHeaders, with the default escaping allow-utf-8):
 *   v3.12.0 (9f27dffc1f93ca23287972f632025879f2d1c658) and later, up to 3.14 at d15adb9ad7e5,
 *   put `escaping=` on the 1.0.0 versions only; v3.0.0 (c5d009d57fcccb7247e1191a0b10d74b06295388)
 *   put it on every version, twice on text 1.0.0, whose entry already carried it.
 * - The Azure Monitor metrics add-on (Azure/prometheus-collector at
 *   39583fd50b2f828f83cc18fc0cece9e3074f56db, otelcollector/VERSION 7.1.1): an OpenTelemetry
 *   collector whose Prometheus receiver (its fork in otelcollector/prometheusreceiver, contrib
 *   v0.154.0) scrapes with github.com/prometheus/prometheus v0.312.0, that is Prometheus 3.12's scrape
 *   code; its target allocator gives ServiceMonitor jobs the same four protocols
 *   (otel-allocator/internal/config/config.go, defaultScrapeProtocolsCR) and the receiver sets the
 *   fallback protocol PrometheusText0.0.4. So it sends what Prometheus 3.12 sends.
 * - Prometheus 2.x: v2.42.0 (225c61122d88b01d1f0eaaee0e05b6f3e0567ac0, Debian 12's), scrape/scrape.go scrapeAcceptHeader.
 * Every one of them asks for gzip (enable_compression defaults to true).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { MIMEType } from 'node:util';
import { gunzipSync } from 'node:zlib';
import Negotiator from 'negotiator';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startFixtureServer, type FixtureServer } from '../helpers/gzip-scrape.js';

const PROMETHEUS_3_12 =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const PROMETHEUS_3_0 =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;escaping=allow-utf-8;q=0.3,*/*;q=0.2';
const PROMETHEUS_2_42 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const SCRAPERS = [
  { name: 'Prometheus 3.12 to 3.14 (default scrape_protocols)', accept: PROMETHEUS_3_12, userAgent: 'Prometheus/3.14.0' },
  { name: 'Prometheus 3.0', accept: PROMETHEUS_3_0, userAgent: 'Prometheus/3.0.0' },
  { name: 'the Azure Monitor metrics add-on (prometheus-collector 7.1.1)', accept: PROMETHEUS_3_12, userAgent: 'otelcol-contrib/0.154.0' },
  { name: 'Prometheus 2.42', accept: PROMETHEUS_2_42, userAgent: 'Prometheus/2.42.0' },
];

/** The media types Prometheus's scrape loop parses (model/textparse/interface.go, extractMediaType); any other fails the scrape in 3.x. */
const PARSED_MEDIA_TYPES = ['application/openmetrics-text', 'application/vnd.google.protobuf', 'text/plain'];

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer(false);
});
afterAll(() => server.close());

function get(headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const [host, port] = server.address.split(':');
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path: '/metrics', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe.each(SCRAPERS)('/metrics scraped by $name', ({ accept, userAgent }) => {
  it.each([
    ['gzip', 'gzip'],
    ['identity', undefined],
  ])('with Accept-Encoding: %s answers a Content-Type its parser takes, one it asked for, and a body that parses', async (acceptEncoding, encoding) => {
    const res = await get({ accept, 'accept-encoding': acceptEncoding, 'user-agent': userAgent });
    expect(res.status).toBe(200);
    const contentType = String(res.headers['content-type']);
    const type = new MIMEType(contentType);
    expect(PARSED_MEDIA_TYPES).toContain(type.essence);
    // The text format 0.0.4, which every one of these offers with a weight above zero.
    expect([type.essence, type.params.get('version')]).toEqual(['text/plain', '0.0.4']);
    expect(new Negotiator({ headers: { accept } }).mediaTypes([`${type.essence};version=${type.params.get('version') ?? ''}`])).toHaveLength(1);
    expect(res.headers['content-encoding']).toBe(encoding);
    const text = (encoding === 'gzip' ? gunzipSync(res.body) : res.body).toString('utf8');
    const families = parsePrometheusTextFormat(text);
    expect(families.map((f) => f.name)).toEqual(expect.arrayContaining(['servicefabric_imagestore_upload_session_age_seconds', 'servicefabric_exporter_build_info']));
  });
});

describe('the Accept headers above', () => {
  it('would not accept a Content-Type no Prometheus parser takes (the check is not vacuous)', () => {
    expect(PARSED_MEDIA_TYPES).not.toContain(new MIMEType('text/html; charset=utf-8').essence);
    expect(new Negotiator({ headers: { accept: PROMETHEUS_3_12.replace(',*/*;q=0.2', '').replace('text/plain;version=0.0.4;q=0.3', 'text/plain;version=0.0.4;q=0') } }).mediaTypes(['text/plain;version=0.0.4'])).toEqual([]);
  });
});
