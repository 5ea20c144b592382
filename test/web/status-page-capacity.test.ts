/** The status page's image store disk: a line per cluster, and a warning above everything when one is low. */
import { describe, expect, it } from '@jest/globals';
import type { CapacityState } from '../../src/model/capacity-state.js';
import { nextSnapshot, type PollOutcome } from '../../src/poller/snapshot.js';
import { buildStatusView, type StatusView } from '../../src/status/view.js';
import { renderStatusSection } from '../../src/web/status-page.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const GiB = 1024 ** 3;

function disk(cluster: string, capacity: number, available: number): CapacityState {
  const use = { bytes: 0, files: 0 };
  return {
    cluster,
    info: { capacityBytes: capacity, availableBytes: available, used: { metadata: use, staging: use, copy: use, register: use } },
    supported: true,
    failuresTotal: {},
    failure: undefined,
    polledMs: T0,
  };
}

function view(capacity: CapacityState[]): StatusView {
  const outcomes: PollOutcome[] = ['prod', 'test'].map((cluster) => ({ cluster, contentPath: 'p', durationSeconds: 0.01, finishedMs: T0, result: { ok: true, sessions: [] } }));
  const base = nextSnapshot(undefined, outcomes, { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 });
  return buildStatusView({ snapshot: { ...base, capacity }, nowMs: T0, stalledAfterMs: 60_000 });
}

/** Each cluster section's heading and its disk line. */
const sections = (html: string): Array<[string, string | undefined]> =>
  [...html.matchAll(/<section class="cluster"><h2>([^<]*)<\/h2>\n(?:<p class="(capacity[^"]*)"[^>]*>)?/g)].map((m) => [m[1] as string, m[2]]);

describe('status page: image store capacity', () => {
  it('shows each cluster\'s free space under its name, and warns above everything about a disk below 10 %', () => {
    const html = renderStatusSection(view([disk('prod', 64 * GiB, 4 * GiB), disk('test', 64 * GiB, 48 * GiB)]));
    expect(sections(html)).toEqual([
      ['prod', 'capacity low'],
      ['test', 'capacity'],
    ]);
    expect(html).toContain('<p class="capacity low" data-status="ok" data-low="true">Image store disk: 4 GiB free of 64 GiB (6%), below 10 %: deployments fail once it is full</p>');
    expect(html).toContain('<p class="capacity" data-status="ok" data-low="false">Image store disk: 48 GiB free of 64 GiB (75%)</p>');
    const warning = html.indexOf('<p class="capacity-low">Image store disk of cluster <strong>prod</strong>: 4 GiB free of 64 GiB (6%)');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(html.indexOf('<section class="cluster">'));
    expect(html.match(/class="capacity-low"/g)).toHaveLength(1);
  });

  it('keeps the warning when the page is filtered to something else', () => {
    const html = renderStatusSection(view([disk('prod', 64 * GiB, 4 * GiB), disk('test', 64 * GiB, 48 * GiB)]), { cluster: 'test' });
    expect(sections(html).map(([name]) => name)).toEqual(['test']);
    expect(html).toContain('<p class="capacity-low">Image store disk of cluster <strong>prod</strong>');
  });

  it('gives a cluster with no path a section of its own for its disk, and none without a disk', () => {
    expect(sections(renderStatusSection(view([disk('prod', 64 * GiB, 40 * GiB), disk('disk-only', 10 * GiB, 0)])))).toEqual([
      ['prod', 'capacity'],
      ['test', undefined],
      ['disk-only', 'capacity low'],
    ]);
    expect(renderStatusSection(view([]))).not.toContain('capacity');
  });

  it('escapes a failed poll\'s message from the cluster', () => {
    const failed: CapacityState = { ...disk('prod', 0, 0), info: undefined, failure: { reason: 'invalid_response', message: 'body was <script>alert(1)</script>' } };
    const html = renderStatusSection(view([failed]));
    expect(html).toContain('<p class="capacity" data-status="failed" data-low="false">Image store disk: unknown: the capacity poll failed (invalid_response): body was &#60;script&#62;alert(1)&#60;/script&#62;</p>');
    expect(html).not.toContain('<script>');
  });
});
