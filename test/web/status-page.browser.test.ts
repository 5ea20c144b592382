/**
 * The status page in a real browser: Debian's headless Chromium driven by playwright-core, against
 * an exporter polling the simulator's demo traffic. Saves a screenshot to reports/status-page.png
 * (and to docs/status-page.png, the README's, when UPDATE_DOCS_SCREENSHOT=1).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { startScenario, DEMO_CONTENT_PATHS, type Scenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { DEMO_PACKAGES, demoPathFile } from '../../src/simulator/demo-packages.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import { formatBytes } from '../../src/status/format.js';
import { uploadChunk } from '../helpers/upload.js';
import { waitFor } from '../helpers/wait.js';
import { DEFAULT_PATH_FILES } from '../../src/config/schema.js';

// npm test's pretest (scripts/test-tools.mjs) finds or installs Chromium and jest's globalSetup sets CHROMIUM.
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A content path that is markup: it must be shown as text and never run. */
const HOSTILE = 'Store\\<script>window.__injected=1</script>\\"quoted" & <b>bold</b>.zip';
const HOSTILE_ID = '5c2b7e1a-0000-4000-8000-00000000cafe';
/** A schedule that never fires during the test: cycles run at start-up and when the test ticks. */
const MANUAL = '0 0 1 1 *';

let sim: Simulator;
let scenario: Scenario;
let exporter: Exporter;
const contexts: BrowserContext[] = [];
const profiles: string[] = [];

async function browser(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'sfue-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  contexts.push(context);
  return context;
}

/** The files of the packages the demo copies: the page shows them under their package, not as paths with sessions. */
const PACKAGED = new Set(DEMO_PACKAGES.flatMap((p) => p.files.map((f) => f.path)));

/**
 * The session ids and path count of the snapshot the page shows as paths (those in no package):
 * the poller's own data, not the view model the page and /api/v1/sessions are both rendered from.
 */
function polled(): { ids: string[]; paths: number } {
  const paths = (exporter.poller.current()?.paths ?? []).filter((p) => !PACKAGED.has(p.contentPath));
  return { ids: paths.flatMap((p) => p.sessions.map((s) => s.sessionId)), paths: paths.length };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser test needs Chromium (Debian: apt-get install chromium fonts-dejavu-core; npm test installs it, or set CHROMIUM)`);
  }
  sim = await startSimulator({ sessionTimeoutMs: 90_000, cleanupIntervalMs: 15_000 });
  scenario = startScenario(sim.url, 'demo', { logger: silentLogger });
  expect(await uploadChunk(sim.url, HOSTILE, HOSTILE_ID, { start: 0, end: 2047, fileSize: 8192 })).toBe(200);
  // The path files of the packages the demo copies, as the demo writes them.
  const pathFiles = mkdtempSync(join(tmpdir(), 'sfue-paths-'));
  profiles.push(pathFiles);
  for (const pkg of DEMO_PACKAGES) writeFileSync(join(pathFiles, `${pkg.name}.yaml`), demoPathFile(pkg));
  const config: Config = {
    poll: { schedule: MANUAL, concurrency: 4, requestTimeoutMs: 3000, maxStalenessMs: 3_600_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
    status: { stalledAfterMs: 30_000 },
    pathFiles: DEFAULT_PATH_FILES,
    clusters: [{ name: 'demo', endpoint: sim.url, contentPaths: [...DEMO_CONTENT_PATHS, HOSTILE], contentPathFiles: [join(pathFiles, '*.yaml')] }],
  };
  exporter = await startExporter({ config, listen: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', disableExporterMetrics: true, logger: silentLogger, demo: true });
  // Polls until the demo's first uploads have landed beside the hostile one.
  await waitFor('demo sessions in a poll', async () => {
    await exporter.poller.tick();
    return polled().ids.length > 2;
  });
});

afterAll(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const profile of profiles.splice(0)) rmSync(profile, { recursive: true, force: true });
  await exporter?.close();
  await scenario?.stop();
  await sim?.close();
});

describe('status page in Chromium', () => {
  it('shows one row per session of the last poll, with the hostile path as text', async () => {
    const { ids, paths } = polled();
    expect(ids.length).toBeGreaterThan(2);
    const page = await (await browser()).newPage();
    await page.goto(`http://${exporter.address}/`);
    const rows = page.locator('tr.session');
    expect(await rows.count()).toBe(ids.length);
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-session-id')))).sort()).toEqual([...ids].sort());
    expect(await page.locator('tr.path').count()).toBe(paths);
    expect(paths).toBe(DEMO_CONTENT_PATHS.length + 1);
    // The markup in the path is text on the page and never ran.
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected)).toBeUndefined();
    const hostileRow = page.locator(`tr[data-session-id="${HOSTILE_ID}"]`);
    expect(await hostileRow.locator('td.file').innerText()).toBe(HOSTILE);
    expect(await hostileRow.locator('td').nth(3).innerText()).toBe('6 KiB');
    expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
  });

  it('refreshes itself without a full reload when a new poll finds a new session, and saves a screenshot', async () => {
    const page = await (await browser()).newPage();
    await page.goto(`http://${exporter.address}/`);
    await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const newId = 'b7e4f0d2-0000-4000-8000-00000000beef';
    expect(await uploadChunk(sim.url, HOSTILE, newId, { start: 0, end: 99, fileSize: 1000 })).toBe(200);
    await exporter.poller.tick();
    await page.waitForSelector(`tr[data-session-id="${newId}"]`, { timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected)).toBeUndefined();
    // After two polls the page has throughput too: the screenshot the README shows.
    expect(await page.locator('tr.session td:nth-child(6)', { hasText: '/s' }).count()).toBeGreaterThan(0);
    mkdirSync(join(ROOT, 'reports'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'reports', 'status-page.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: join(ROOT, 'docs', 'status-page.png'), fullPage: true });
  });

  it('shows each package as a line that opens into its files, and keeps it open across a refresh', async () => {
    const page = await (await browser()).newPage();
    await page.goto(`http://${exporter.address}/`);
    const voting = page.locator('details.package', { has: page.locator('summary strong', { hasText: /^VotingApp$/ }) });
    expect(await voting.count()).toBe(1);
    expect(await page.locator('details.package').count()).toBe(DEMO_PACKAGES.length);
    const summary = await voting.locator('summary').innerText();
    expect(summary).toMatch(/VotingApp 1\.4\.0\s+\d+%/);
    expect(summary).toContain(` of ${formatBytes(DEMO_PACKAGES[0]!.files.reduce((n, f) => n + f.size, 0))} · 8 files: `);
    const files = voting.locator('tr.file');
    expect(await files.first().isVisible()).toBe(false);
    await voting.locator('summary').click();
    expect(await files.count()).toBe(8);
    expect(await files.first().isVisible()).toBe(true);
    // A refresh swaps in a new #status: the package stays open.
    // The page's own globals, without the DOM library in this project's types.
    type Page = { document: { getElementById(id: string): { __old?: boolean } } };
    await page.evaluate(() => ((globalThis as unknown as Page).document.getElementById('status').__old = true));
    await exporter.poller.tick();
    await page.waitForFunction(() => (globalThis as unknown as Page).document.getElementById('status').__old === undefined, undefined, { timeout: 20_000 });
    expect(await voting.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    expect(await files.first().isVisible()).toBe(true);
  });

  it('works without JavaScript: the rows are in the served HTML, which reloads itself', async () => {
    const page = await (await browser({ javaScriptEnabled: false })).newPage();
    await page.goto(`http://${exporter.address}/`);
    expect(await page.locator('tr.session').count()).toBe(polled().ids.length);
    expect(await page.locator('noscript').count()).toBe(1);
    const html = await (await fetch(`http://${exporter.address}/`)).text();
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="\d+"><\/noscript>/);
  });
});
