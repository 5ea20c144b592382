/** Configuration reload through `POST /-/reload` (in process) and its metrics. */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { seriesOf, valueOf } from '../helpers/exposition.js';
import { HEALTHY_A, HEALTHY_B, closeAll, healthySimulator, runExporter, scrape } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sf-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(closeAll);

const SUCCESSFUL = 'servicefabric_exporter_config_last_reload_successful';
const SUCCESS_TS = 'servicefabric_exporter_config_last_reload_success_timestamp_seconds';
const SUCCESS = 'servicefabric_imagestore_poll_success';

function yaml(clusters: Array<{ name: string; endpoint: string; paths: string[] }>, poll = 'schedule: "0 0 1 1 *"\n  request_timeout: 1500ms'): string {
  const list = clusters
    .map((c) => `  - name: ${c.name}\n    endpoint: ${c.endpoint}\n    content_paths: [${c.paths.map((p) => `'${p}'`).join(', ')}]`)
    .join('\n');
  return `poll:\n  ${poll}\nclusters:\n${list}\n`;
}

async function post(address: string, path = '/-/reload', method = 'POST', init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://${address}${path}`, { method, ...init });
  return { status: res.status, text: await res.text() };
}

describe('POST /-/reload', () => {
  it('applies a valid configuration at the next cycle: added paths appear, removed paths vanish, clusters come and go', async () => {
    const sim = await healthySimulator();
    const other = await healthySimulator();
    const file = join(dir, 'valid.yaml');
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }]));
    const { exporter, lines } = await runExporter(loadConfigFile(file).clusters, {}, { configFile: file, enableLifecycle: true });
    let { series } = await scrape(exporter);
    const startedTs = valueOf(series, SUCCESS_TS);
    expect(valueOf(series, SUCCESSFUL)).toBe(1);
    expect(seriesOf(series, SUCCESS).map((s) => s.labels.content_path)).toEqual([HEALTHY_A]);

    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_B] }, { name: 'other', endpoint: other.url, paths: [HEALTHY_A] }]));
    const res = await post(exporter.address);
    expect(res).toEqual({ status: 200, text: 'configuration reloaded; it takes effect at the next poll cycle\n' });
    ({ series } = await scrape(exporter));
    expect(valueOf(series, SUCCESSFUL)).toBe(1);
    expect(valueOf(series, SUCCESS_TS)).toBeGreaterThanOrEqual(startedTs);
    // Not mid-cycle: until the next cycle the old paths are still what is shown.
    expect(seriesOf(series, SUCCESS).map((s) => `${s.labels.sf_cluster}/${s.labels.content_path}`)).toEqual([`sim/${HEALTHY_A}`]);

    await exporter.poller.tick();
    ({ series } = await scrape(exporter));
    expect(seriesOf(series, SUCCESS).map((s) => `${s.labels.sf_cluster}/${s.labels.content_path}=${s.value}`)).toEqual([
      `sim/${HEALTHY_B}=1`,
      `other/${HEALTHY_A}=1`,
    ]);
    // The removed path's session series are gone, the added ones are there.
    expect(seriesOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes', { sf_cluster: 'sim', content_path: HEALTHY_A })).toHaveLength(0);
    expect(seriesOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes', { sf_cluster: 'other', content_path: HEALTHY_A })).toHaveLength(2);
    expect(lines.filter((l) => l.msg.startsWith('configuration reloaded'))).toHaveLength(1);
    // The status page lists what is now configured.
    const page = await (await fetch(`http://${exporter.address}/`)).text();
    expect(page).toContain('other');
  });

  it('rejects an invalid configuration with the reason and a log line, and keeps the old one running', async () => {
    const sim = await healthySimulator();
    const file = join(dir, 'invalid.yaml');
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }]));
    const { exporter, lines } = await runExporter(loadConfigFile(file).clusters, {}, { configFile: file, enableLifecycle: true });
    const startedTs = valueOf((await scrape(exporter)).series, SUCCESS_TS);

    writeFileSync(file, yaml([{ name: 'sim', endpoint: 'ftp://nowhere', paths: [HEALTHY_B] }]));
    const res = await post(exporter.address);
    expect(res.status).toBe(500);
    expect(res.text).toContain('failed to reload config: ');
    expect(res.text).toContain('clusters[0].endpoint: expected an absolute http:// or https:// URL, got "ftp://nowhere"');
    const logged = lines.filter((l) => l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.msg).toMatch(/^configuration reload failed; the previous configuration stays in effect: .*clusters\[0\]\.endpoint/);

    await exporter.poller.tick();
    let { series } = await scrape(exporter);
    expect(valueOf(series, SUCCESSFUL)).toBe(0);
    expect(valueOf(series, SUCCESS_TS)).toBe(startedTs);
    expect(seriesOf(series, SUCCESS).map((s) => `${s.labels.content_path}=${s.value}`)).toEqual([`${HEALTHY_A}=1`]);

    // A file that cannot be read is rejected the same way.
    rmSync(file);
    expect((await post(exporter.address)).text).toMatch(/cannot read file: no such file/);

    // Fixing the file and reloading again recovers.
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_B] }]));
    expect((await post(exporter.address)).status).toBe(200);
    await exporter.poller.tick();
    ({ series } = await scrape(exporter));
    expect(valueOf(series, SUCCESSFUL)).toBe(1);
    expect(seriesOf(series, SUCCESS).map((s) => s.labels.content_path)).toEqual([HEALTHY_B]);
  });

  it('applies new poll settings too (here the response size limit), with new clients', async () => {
    const sim = await healthySimulator();
    // Enough sessions for the answer to pass 1 KiB.
    for (let i = 0; i < 10; i++) sim.store.putSession({ path: HEALTHY_A, fileSize: 100 });
    const file = join(dir, 'poll.yaml');
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }]));
    const { exporter } = await runExporter(loadConfigFile(file).clusters, {}, { configFile: file, enableLifecycle: true });
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }], 'schedule: "0 0 1 1 *"\n  request_timeout: 1500ms\n  max_response_size: 1KiB'));
    expect((await post(exporter.address)).status).toBe(200);
    await exporter.poller.tick();
    const { series } = await scrape(exporter);
    expect(valueOf(series, 'servicefabric_imagestore_poll_failures_total', { content_path: HEALTHY_A, reason: 'invalid_response' })).toBe(1);
    expect(exporter.poller.config().poll.maxResponseBytes).toBe(1024);
  });

  it('answers 405 to other methods, and 400 when there is no configuration file (demo mode)', async () => {
    const sim = await healthySimulator();
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A] }], {}, { enableLifecycle: true });
    const get = await fetch(`http://${exporter.address}/-/reload`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const res = await post(exporter.address);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/nothing to reload/);
    // The reload metrics still say the (only) configuration loaded fine.
    expect(valueOf((await scrape(exporter)).series, SUCCESSFUL)).toBe(1);
  });

  it('answers 403 without --web.enable-lifecycle, as Prometheus does, and reloads nothing', async () => {
    const sim = await healthySimulator();
    const file = join(dir, 'no-lifecycle.yaml');
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }]));
    const { exporter, lines } = await runExporter(loadConfigFile(file).clusters, {}, { configFile: file });
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_B] }]));
    const res = await post(exporter.address);
    expect(res).toEqual({ status: 403, text: 'Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle, or send it SIGHUP\n' });
    await exporter.poller.tick();
    expect(seriesOf((await scrape(exporter)).series, SUCCESS).map((s) => s.labels.content_path)).toEqual([HEALTHY_A]);
    expect(lines.filter((l) => l.msg.startsWith('configuration reload'))).toHaveLength(0);
    // The reload itself is still there for SIGHUP.
    expect(exporter.reload?.('SIGHUP')).toMatchObject({ ok: true });
  });

  it('refuses what a web page can send cross-site: a body, a foreign Origin, Sec-Fetch-Site other than same-origin', async () => {
    const sim = await healthySimulator();
    const file = join(dir, 'cross-site.yaml');
    writeFileSync(file, yaml([{ name: 'sim', endpoint: sim.url, paths: [HEALTHY_A] }]));
    const { exporter, lines } = await runExporter(loadConfigFile(file).clusters, {}, { configFile: file, enableLifecycle: true });
    const refused: Array<{ body?: string; headers: Record<string, string> }> = [
      // A plain HTML form.
      { body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { body: 'x', headers: { 'content-type': 'text/plain' } },
      { headers: { origin: 'https://evil.example' } },
      { headers: { origin: 'null' } },
      { headers: { 'sec-fetch-site': 'cross-site' } },
      { headers: { 'sec-fetch-site': 'same-site' } },
    ];
    for (const init of refused) {
      const res = await post(exporter.address, '/-/reload', 'POST', init);
      expect({ init, status: res.status }).toEqual({ init, status: init.body === undefined ? 403 : 400 });
      expect(res.text).toMatch(/^(a reload request takes no body|cross-site reload requests are refused)/);
    }
    expect(lines.filter((l) => l.msg.startsWith('configuration reload'))).toHaveLength(0);
    // What the status page itself, curl or a config reloader send is accepted.
    for (const headers of [{ origin: `http://${exporter.address}`, 'sec-fetch-site': 'same-origin' }, {}] as Array<Record<string, string>>) {
      expect((await post(exporter.address, '/-/reload', 'POST', { headers })).status).toBe(200);
    }
  });
});
