import { describe, expect, it } from '@jest/globals';
import { buildStatusView } from '../../src/status/view.js';
import { selectRows } from '../../src/status/select.js';
import { LARGE, STALLED_AFTER_MS, T0, largeSnapshot } from '../fixtures/status.js';

const view = buildStatusView({ snapshot: largeSnapshot(), nowMs: T0, stalledAfterMs: STALLED_AFTER_MS });

/** The states of the shown sessions, run-length encoded: `stalled x150, uploading x20`. */
function runs(states: readonly string[]): string {
  const out: Array<[string, number]> = [];
  for (const s of states) {
    const last = out.at(-1);
    if (last && last[0] === s) last[1] += 1;
    else out.push([s, 1]);
  }
  return out.map(([s, n]) => `${s} x${n}`).join(', ');
}

describe('selectRows', () => {
  it('shows everything when it fits, each path worst first', () => {
    const all = selectRows(view, {}, 100_000);
    expect(all.shown).toEqual({ paths: LARGE.paths, sessions: LARGE.sessions });
    expect(all.matched).toEqual(all.shown);
    const [alpha, beta] = all.clusters;
    expect(alpha?.paths.map((p) => p.path.content_path)).toEqual(['broken', 'busy']);
    expect(runs(alpha!.paths[1]!.sessions.map((s) => s.state))).toBe('stalled x150, uploading x2000, complete x300');
    expect(beta?.paths.map((p) => p.path.content_path)).toEqual(['late', 'idle']);
  });

  it('within the row cap takes failed polls, then stalled sessions of every cluster, before anything uploading', () => {
    const capped = selectRows(view, {}, 300);
    const [alpha, beta] = capped.clusters;
    // 2 headings of alpha, 1 of beta, 250 stalled sessions: 47 rows remain for uploading ones.
    expect(alpha?.paths.map((p) => [p.path.content_path, runs(p.sessions.map((s) => s.state)), p.hiddenSessions])).toEqual([
      ['broken', '', 0],
      ['busy', 'stalled x150, uploading x47', 2253],
    ]);
    expect(beta?.paths.map((p) => [p.path.content_path, p.sessions.length])).toEqual([['late', 100]]);
    expect(beta).toMatchObject({ hiddenPaths: 1, sessionsInHiddenPaths: 0 });
    expect(capped.shown).toEqual({ paths: 3, sessions: 297 });
    expect(capped.matched).toEqual({ paths: LARGE.paths, sessions: LARGE.sessions });
  });

  it('filters by cluster and by state; failed means the paths whose poll failed', () => {
    expect(selectRows(view, { cluster: 'beta' }, 1000).clusters.map((c) => c.name)).toEqual(['beta']);
    const stalled = selectRows(view, { state: 'stalled' }, 1000);
    expect(stalled.matched).toEqual({ paths: 2, sessions: LARGE.alpha.stalled + LARGE.beta.stalled });
    expect(stalled.clusters.flatMap((c) => c.paths.flatMap((p) => p.sessions.map((s) => s.state)))).toEqual(Array(250).fill('stalled'));
    const failed = selectRows(view, { state: 'failed' }, 1000);
    expect(failed.clusters.flatMap((c) => c.paths.map((p) => p.path.content_path))).toEqual(['broken']);
    expect(selectRows(view, { cluster: 'beta', state: 'complete' }, 1000).matched).toEqual({ paths: 0, sessions: 0 });
    expect(selectRows(view, { cluster: 'gamma' }, 1000).clusters).toEqual([]);
  });
});
