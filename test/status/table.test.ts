import { describe, expect, it } from '@jest/globals';
import { nextSnapshot } from '../../src/poller/snapshot.js';
import { buildStatusView } from '../../src/status/view.js';
import { renderStatusTable } from '../../src/status/table.js';
import { terminalSafeJson } from '../../src/status/terminal-safe.js';
import { session } from '../fixtures/sessions.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The table of one cluster whose one path has one session stored under `storeRelativePath`. */
function tableFor(cluster: string, contentPath: string, storeRelativePath: string): string {
  const snapshot = nextSnapshot(
    undefined,
    [{ cluster, contentPath, durationSeconds: 0.01, finishedMs: T0, result: { ok: true, sessions: [session({ storeRelativePath, modifiedMs: T0 })] } }],
    { completedMs: T0, cycleDurationSeconds: 0.1, cyclesSkippedTotal: 0 },
  );
  return renderStatusTable(buildStatusView({ snapshot, nowMs: T0, stalledAfterMs: 60_000 }), false);
}

describe('status table', () => {
  it('shows bidirectional controls and line separators from a cluster as escapes, never raw', () => {
    // U+202E makes "evil\u202Etxt.exe" display as "evilexe.txt"; U+2028 starts a new line in some terminals.
    const text = tableFor('prod\u2066', 'pkg', 'Store\\evil\u202etxt.exe\u2028fake line\u2029\u200f\u061c');
    expect(text).toContain('Store\\evil\\u{202e}txt.exe\\u{2028}fake line\\u{2029}\\u{200f}\\u{61c}');
    expect(text).toContain('prod\\u{2066}');
    expect(text).not.toMatch(/[\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  });

  it('still escapes C0 and C1 control characters, and leaves other text alone', () => {
    const text = tableFor('prod', 'pkg', 'a\x1b[2Jb\x85c é 文件');
    expect(text).toContain('a\\u{1b}[2Jb\\u{85}c é 文件');
  });

  it('shows characters that display as nothing as escapes, so two names that differ never look the same', () => {
    const text = tableFor('prod\u200b', 'pkg', 'Store\\a\u2060b\ufeffc\u{e0041}\u{e007f}d\u2064e');
    expect(text).toContain('Store\\a\\u{2060}b\\u{feff}c\\u{e0041}\\u{e007f}d\\u{2064}e');
    expect(text).toContain('prod\\u{200b}');
    expect(text).not.toMatch(/[\u200b\u2060-\u2064\ufeff\u{e0000}-\u{e007f}]/u);
  });

  it('leaves the joiners of an emoji sequence alone', () => {
    expect(tableFor('prod', 'pkg', 'Store\\\u{1F469}\u200d\u{1F4BB}.zip')).toContain('Store\\\u{1F469}\u200d\u{1F4BB}.zip');
  });
});

describe('terminalSafeJson (status --output json)', () => {
  const hostile = { path: 'a\u009b31mb\u202ec\u200bd\u{e0041}e\u2066', plain: 'caf\u00e9 \u{1F600} \u6587\u4ef6' };

  it('writes C1 controls, bidirectional controls and invisible characters as \\u escapes', () => {
    const text = terminalSafeJson(hostile);
    expect(text).toBe('{"path":"a\\u009b31mb\\u202ec\\u200bd\\udb40\\udc41e\\u2066","plain":"caf\u00e9 \u{1F600} \u6587\u4ef6"}');
    expect(text).not.toMatch(/[\u0080-\u009f\u200b\u202e\u2066\u{e0041}]/u);
  });

  it('reads back to the same value', () => {
    expect(JSON.parse(terminalSafeJson(hostile))).toEqual(hostile);
  });
});
