/** The status page at thousands of sessions, over HTTP: worst first, capped, filtered. (In a browser: status-page.browser.test.ts.) */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../src/web/app.js';
import { listen, type RunningServer } from '../../src/web/listen.js';
import { StatusViewCache } from '../../src/status/cache.js';
import { STATUS_PAGE_MAX_ROWS } from '../../src/web/status-page.js';
import type { StatusView } from '../../src/status/view.js';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/log.js';
import { LARGE, STALLED_AFTER_MS, T0, largeSnapshot } from '../fixtures/status.js';

let server: RunningServer;
let cache: StatusViewCache;
let base: string;

beforeAll(async () => {
  const snapshot = largeSnapshot();
  cache = new StatusViewCache(() => ({ snapshot, stalledAfterMs: STALLED_AFTER_MS, maxStalenessMs: 3_600_000 }), () => T0 + 1000);
  const app = createApp({
    registry: new Registry(),
    telemetryPath: '/metrics',
    ready: () => true,
    info: { version: '0.0.0', telemetryPath: '/metrics', demo: false },
    status: () => cache.current(),
    logger: silentLogger,
  });
  server = await listen(app, { host: '127.0.0.1', port: 0 });
  base = `http://${server.address}`;
});

afterAll(() => server.close());

async function page(query = ''): Promise<{ status: number; html: string }> {
  const res = await fetch(`${base}/${query}`);
  return { status: res.status, html: await res.text() };
}

/** The `data-state` of each session row, in page order. */
function states(html: string): string[] {
  return [...html.matchAll(/<tr class="session" data-state="(\w+)"/g)].map((m) => m[1] as string);
}

describe('status page at thousands of sessions', () => {
  it('shows at most STATUS_PAGE_MAX_ROWS rows, the failed poll and every stalled session first, and says how many more there are', async () => {
    const { status, html } = await page();
    expect(status).toBe(200);
    const rows = states(html);
    const paths = [...html.matchAll(/<tr class="path"/g)].length;
    expect(rows.length + paths).toBe(STATUS_PAGE_MAX_ROWS);
    expect(rows.filter((s) => s === 'stalled')).toHaveLength(LARGE.alpha.stalled + LARGE.beta.stalled);
    expect(rows.slice(0, LARGE.alpha.stalled).every((s) => s === 'stalled')).toBe(true);
    expect(html).toMatch(/<tr class="path" data-success="false"><th colspan="8"><code>broken<\/code>/);
    const hidden = LARGE.sessions - rows.length;
    expect(html).toContain(`Showing ${rows.length} of ${LARGE.sessions.toLocaleString('en-US')} sessions and ${paths} of ${LARGE.paths} paths, failed polls and stalled sessions first: ${hidden.toLocaleString('en-US')} more sessions and 1 more path are not shown.`);
    expect(html).toContain(`${hidden.toLocaleString('en-US')} more sessions of this path not shown`);
    // The summary still counts everything.
    expect(html).toContain(`${LARGE.sessions} upload sessions:`);
  });

  it('filters by state and by cluster through query parameters, and the form keeps them', async () => {
    const stalled = await page('?state=stalled');
    expect(states(stalled.html)).toEqual(Array(LARGE.alpha.stalled + LARGE.beta.stalled).fill('stalled'));
    expect(stalled.html).toContain('<option value="stalled" selected>');
    expect(stalled.html).toContain('Showing stalled sessions: 250 sessions in 2 paths.');

    const beta = await page('?cluster=beta');
    expect(beta.html).toContain('<h2>beta</h2>');
    expect(beta.html).not.toContain('<h2>alpha</h2>');
    expect(states(beta.html)).toHaveLength(LARGE.beta.stalled);
    expect(beta.html).toContain('<option value="beta" selected>beta</option>');

    const failed = await page('?state=failed&cluster=alpha');
    expect(states(failed.html)).toEqual([]);
    expect([...failed.html.matchAll(/<tr class="path" data-success="(\w+)"/g)].map((m) => m[1])).toEqual(['false']);
    // An empty value is no filter (what the form sends for "all").
    expect(states((await page('?cluster=&state=')).html)).toHaveLength(states((await page()).html).length);
  });

  it('refuses an unknown state or a repeated parameter, and names an unknown cluster as text', async () => {
    expect(await page('?state=sleeping')).toEqual({ status: 400, html: 'unknown state: expected one of stalled, failed, uploading, complete\n' });
    expect((await page('?state=stalled&state=failed')).status).toBe(400);
    const unknown = await page(`?cluster=${encodeURIComponent('<b>gamma</b>')}`);
    expect(unknown.status).toBe(200);
    expect(unknown.html).toContain('No cluster named <code>&#60;b&#62;gamma&#60;/b&#62;</code> in the last poll cycle.');
    expect(unknown.html).not.toContain('<b>gamma');
  });

  it('serves one view per snapshot: the JSON has every session and an ETag a client can revalidate with', async () => {
    const builds = cache.builds;
    const first = await fetch(`${base}/api/v1/sessions`);
    const view = (await first.json()) as StatusView;
    expect(view.summary.sessions).toBe(LARGE.sessions);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    // As a browser revalidates (fetch would add `Cache-Control: no-cache`, which asks for the body).
    const again = await fetch(`${base}/api/v1/sessions`, { headers: { 'if-none-match': etag ?? '', 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    await page();
    await page('?state=stalled');
    expect(cache.builds).toBe(builds);
  });
});

describe('status page when polling is stuck', () => {
  it('says when the last cycle completed and that the data may be outdated, once it is older than poll.max_staleness', async () => {
    const snapshot = largeSnapshot();
    const clock = { ms: snapshot.completedMs + 60_000 };
    const stuck = new StatusViewCache(() => ({ snapshot, stalledAfterMs: STALLED_AFTER_MS, maxStalenessMs: 60_000 }), () => clock.ms);
    const app = createApp({
      registry: new Registry(),
      telemetryPath: '/metrics',
      ready: () => true,
      info: { version: '0.0.0', telemetryPath: '/metrics', demo: false },
      status: () => stuck.current(),
      logger: silentLogger,
    });
    const running = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      const text = async (): Promise<string> => (await fetch(`http://${running.address}/`)).text();
      // At max_staleness exactly the data is still current: no notice.
      expect(await text()).not.toContain('class="stale"');
      clock.ms += 1;
      const completed = new Date(snapshot.completedMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
      expect(await text()).toContain(
        `<p class="stale">The last poll cycle completed at ${completed}, longer ago than poll.max_staleness: polling may be stuck, and what follows may be outdated.</p>`,
      );
    } finally {
      await running.close();
    }
  });
});
