/**
 * The status view as terminal text for the `status` command: one table per cluster (cli-table3,
 * which measures widths without the colour codes), one row per session with a progress bar.
 * The bar is drawn here as a fixed string: cli-progress draws live bars by moving the cursor,
 * which a table printed once, piped or logged cannot use.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { SessionState, StatusView } from './view.js';
import { formatAge, formatBytes, formatPercent, formatThroughput, shortId } from './format.js';

type Colors = ReturnType<typeof createColors>;

/** Whether to colour output for a stream: never with `NO_COLOR`, always with `FORCE_COLOR`, else only on a colour terminal. */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && (typeof stream.hasColors !== 'function' || stream.hasColors());
}

const BAR_WIDTH = 20;

/**
 * Control characters (C0, DEL, C1), the line and paragraph separators U+2028/U+2029 (a new line in
 * some terminals and log viewers), and the bidirectional controls (U+061C, U+200E/F, U+202A-U+202E,
 * U+2066-U+2069), which reorder what follows them so a path can display as another.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text from a cluster or a file, made harmless for a terminal: characters that could move the
 * cursor, rewrite the screen, start a line or reorder the text are shown as `\u{…}` escapes.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (ch) => `\\u{${ch.charCodeAt(0).toString(16)}}`);
}

/** A fixed-width bar, `██████░░░░`, coloured by state. */
export function progressBar(progress: number, state: SessionState, c: Colors): string {
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor(progress * BAR_WIDTH)));
  return paint(state, c)('█'.repeat(filled)) + c.dim('░'.repeat(BAR_WIDTH - filled));
}

function paint(state: SessionState, c: Colors): (text: string) => string {
  return state === 'stalled' ? c.red : state === 'complete' ? c.green : c.cyan;
}

/** Renders the view as text; `color` decides whether ANSI colours are used. */
export function renderStatusTable(view: StatusView, color: boolean): string {
  const c = createColors(color);
  const out: string[] = [];
  const s = view.summary;
  out.push(
    `${c.bold(`${s.sessions} upload session${s.sessions === 1 ? '' : 's'}`)}: ${c.cyan(`${s.uploading} uploading`)}, ${c.red(`${s.stalled} stalled`)}, ${c.green(`${s.complete} complete`)}; ` +
      `${s.paths - s.failed_paths} of ${s.paths} paths polled OK${s.failed_paths > 0 ? c.red(` (${s.failed_paths} failed)`) : ''}; stalled after ${formatAge(view.stalled_after_seconds)} without a chunk`,
  );
  for (const cluster of view.clusters) {
    const table = new Table({
      head: ['File', 'Session', 'Size', 'Remaining', 'Progress', 'Throughput', 'Last chunk', 'State'],
      colAligns: ['left', 'left', 'right', 'right', 'left', 'right', 'right', 'left'],
      style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [] },
      wordWrap: false,
      // No rule between rows: one line per session reads like a list.
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    let idle = 0;
    for (const path of cluster.paths) {
      if (!path.poll.success) {
        const e = path.poll.error;
        const what = [e?.reason, e?.code, e?.status === null || e?.status === undefined ? undefined : `HTTP ${e.status}`].filter(Boolean).join(', ');
        table.push([{ colSpan: 8, content: `${terminalSafe(path.content_path)}  ${c.red(`poll failed (${terminalSafe(what)}): ${terminalSafe(e?.message ?? '')}`)}` }]);
        continue;
      }
      if (path.sessions.length === 0) idle += 1;
      for (const session of path.sessions) {
        table.push([
          terminalSafe(session.store_relative_path),
          shortId(session.session_id),
          formatBytes(session.size_bytes),
          formatBytes(session.remaining_bytes),
          `${progressBar(session.progress, session.state, c)} ${formatPercent(session.progress).padStart(4)}`,
          formatThroughput(session.throughput_bytes_per_second),
          `${formatAge(session.age_seconds)} ago`,
          paint(session.state, c)(session.state),
        ]);
      }
    }
    out.push('', `${c.bold(terminalSafe(cluster.name))}${idle > 0 ? c.dim(`  (${idle} path${idle === 1 ? '' : 's'} without an upload session)`) : ''}`);
    if (table.length > 0) out.push(table.toString());
  }
  return `${out.join('\n')}\n`;
}
