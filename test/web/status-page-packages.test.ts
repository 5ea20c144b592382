/** The status page's packages: a line per package that opens into its files, within the row cap and the filters. */
import { describe, expect, it } from '@jest/globals';
import type { PollOutcome } from '../../src/poller/snapshot.js';
import { renderStatusSection } from '../../src/web/status-page.js';
import { DEAD_COPY, packageView, T0, type FileAt } from '../fixtures/packages.js';

/** The packages on a page: name, state, whether open, and the data-state of each file row. */
function packagesOn(html: string): Array<{ key: string; state: string; open: boolean; files: string[]; more: string | undefined }> {
  return [...html.matchAll(/<details class="package" data-state="(\w+)" data-key="([^"]*)"( open)?>([\s\S]*?)<\/details>/g)].map((m) => ({
    key: (m[2] as string).replace(/&#34;/g, '"'),
    state: m[1] as string,
    open: m[3] !== undefined,
    files: [...(m[4] as string).matchAll(/<tr class="file" data-state="(\w+)"/g)].map((f) => f[1] as string),
    more: /<tr class="more"><td colspan="5">([^<]*)<\/td>/.exec(m[4] as string)?.[1],
  }));
}

const copying = {
  name: 'CalcApp',
  version: '2.0.0',
  files: [
    { path: 'Store\\CalcApp\\a.dll', size: 100, is: 'received', received: 100, lastChunkMs: T0 - 5000 },
    { path: 'Store\\CalcApp\\b.dll', size: 300, is: 'uploading', received: 150, lastChunkMs: T0 - 1000 },
    { path: 'Store\\CalcApp\\c.dll', size: 100, is: 'absent' },
  ],
} as const satisfies { name: string; version: string; files: readonly FileAt[] };
const done = { name: 'Billing', files: [{ path: 'apps/billing/x.tar', size: 10, is: 'in_store' }] } as const satisfies { name: string; files: readonly FileAt[] };

const loose = (contentPath: string, ok: boolean): PollOutcome => ({
  cluster: 'prod',
  contentPath,
  durationSeconds: 0.01,
  finishedMs: T0,
  result: ok ? { ok: true, sessions: [] } : { ok: false, failure: { reason: 'connection', message: 'refused' } },
});

describe('status page: packages', () => {
  it('shows one line per package with a bar over bytes and counts per state, stalled first and open, its files inside worst first', () => {
    const html = renderStatusSection(packageView([done, copying, DEAD_COPY]));
    expect(packagesOn(html)).toEqual([
      { key: '["prod","VotingApp","1.4.0"]', state: 'stalled', open: true, files: ['stalled', 'absent', 'in_store', 'in_store'], more: undefined },
      { key: '["prod","CalcApp","2.0.0"]', state: 'uploading', open: false, files: ['uploading', 'absent', 'received'], more: undefined },
      { key: '["prod","Billing","1.0.0"]', state: 'complete', open: false, files: ['in_store'], more: undefined },
    ]);
    expect(html).toContain(
      '<strong>VotingApp</strong> <span class="version">1.4.0</span> <div class="bar stalled" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="60"><span style="width:60%"></span></div> <span class="pct">60%</span> 5.8 KiB of 9.7 KiB &middot; 4 files: <span class="count uploading">1 uploading</span> <span class="count in_store">2 in_store</span> <span class="count absent">1 absent</span>',
    );
    expect(html).toContain('aria-valuenow="50"><span style="width:50%"></span></div> <span class="pct">50%</span> 250 B of 500 B');
    expect(html).toContain('3 packages (<span class="state stalled">1 stalled</span>)');
    // The packages' files are not repeated as paths.
    expect(html).not.toContain('<tr class="path"');
  });

  it('keeps within the row cap: package lines, then paths in no package, then the packages\' files', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ path: `Store\\CalcApp\\more${i}.dll`, size: 10, is: 'absent' }) as const);
    const html = renderStatusSection(packageView([{ ...copying, files: [...copying.files, ...many] }, done], [loose('broken', false), loose('idle', true)]), {}, 6);
    const shown = packagesOn(html);
    // 2 package lines + 2 path headings leave 2 rows for files: the worst two of CalcApp.
    expect(shown.map((p) => [p.key, p.files, p.more])).toEqual([
      ['["prod","CalcApp","2.0.0"]', ['uploading', 'absent'], '6 more files of this package not shown'],
      ['["prod","Billing","1.0.0"]', [], '1 more file of this package not shown'],
    ]);
    expect(html).toMatch(/<tr class="path" data-success="false"><th colspan="8"><code>broken<\/code>/);
    expect(html).toContain('Showing 2 of 2 packages, stalled first, without 7 of their files.');
  });

  it('counts the packages that do not fit at all', () => {
    const html = renderStatusSection(packageView([done, copying, DEAD_COPY]), {}, 2);
    expect(packagesOn(html).map((p) => p.key)).toEqual(['["prod","VotingApp","1.4.0"]', '["prod","CalcApp","2.0.0"]']);
    expect(html).toContain('<p class="more">1 more package not shown</p>');
  });

  it('filters packages by state and cluster', () => {
    const view = packageView([done, copying, DEAD_COPY], [loose('broken', false)]);
    const keys = (filter: Parameters<typeof renderStatusSection>[1]): string[] => packagesOn(renderStatusSection(view, filter)).map((p) => JSON.parse(p.key)[1] as string);
    expect(keys({ state: 'stalled' })).toEqual(['VotingApp']);
    expect(keys({ state: 'uploading' })).toEqual(['CalcApp']);
    expect(keys({ state: 'complete' })).toEqual(['Billing']);
    expect(keys({ state: 'failed' })).toEqual([]);
    expect(keys({ cluster: 'other' })).toEqual([]);
    expect(renderStatusSection(view, { state: 'stalled' })).toContain('Showing stalled sessions: 1 package, 0 sessions in 0 paths.');
  });

  it('escapes package names, versions and files', () => {
    const html = renderStatusSection(packageView([{ name: '<img src=x onerror=alert(1)>', version: '"1"', files: [{ path: 'a<b>.dll', size: 1, is: 'absent' }] }]));
    expect(html).toContain('<strong>&#60;img src=x onerror=alert(1)&#62;</strong> <span class="version">&#34;1&#34;</span>');
    expect(html).toContain('<code>a&#60;b&#62;.dll</code>');
    expect(html).not.toContain('<img');
  });
});
