/**
 * The status view as terminal text for the `status` command: per cluster, one line per package
 * with a progress bar over its bytes and its files per state, each file indented below it; then one
 * table (cli-table3, which measures widths without the colour codes) with a row and a progress bar
 * per session of the paths in no package.
 * The bar is drawn here as a fixed string: cli-progress draws live bars by moving the cursor,
 * which a table printed once, piped or logged cannot use.
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import type { PackageFileView, PackageView, SessionState, StatusView } from './view.js';
import { formatAge, formatBytes, formatPercent, formatThroughput, shortId } from './format.js';
import { packageFinished } from './select.js';
import { describeCapacity } from './capacity-view.js';
import { terminalSafe } from './terminal-safe.js';

type Colors = ReturnType<typeof createColors>;

/** Whether to colour output for a stream: never with `NO_COLOR`, always with `FORCE_COLOR`, else only on a colour terminal. */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && (typeof stream.hasColors !== 'function' || stream.hasColors());
}

const BAR_WIDTH = 20;

/** A fixed-width bar, `██████░░░░`, coloured by state. */
export function progressBar(progress: number, state: SessionState, c: Colors): string {
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor(progress * BAR_WIDTH)));
  return paint(state, c)('█'.repeat(filled)) + c.dim('░'.repeat(BAR_WIDTH - filled));
}

function paint(state: SessionState, c: Colors): (text: string) => string {
  return state === 'stalled' ? c.red : state === 'complete' ? c.green : c.cyan;
}

const FILE_BAR_WIDTH = 10;

/** The files of a package per state, the states it has any in: `2 in_store, 1 uploading`. */
function stateCounts(pkg: PackageView): string {
  const parts = Object.entries(pkg.files_by_state)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  if (pkg.failed_files > 0) parts.push(`${pkg.failed_files} poll failed`);
  return parts.join(', ');
}

function packageLine(pkg: PackageView, generatedMs: number, c: Colors): string {
  // Finished by its files, as on the page: its bytes can be all there while a file of unknown size is still absent.
  const state: SessionState = pkg.stalled ? 'stalled' : packageFinished(pkg) ? 'complete' : 'uploading';
  const last = pkg.last_chunk_at === null ? '' : `, last chunk ${formatAge((generatedMs - Date.parse(pkg.last_chunk_at)) / 1000)} ago`;
  const name = `${terminalSafe(pkg.name)}${pkg.version === '' ? '' : ` ${terminalSafe(pkg.version)}`}`;
  return (
    `${c.bold(name)}  ${progressBar(pkg.progress, state, c)} ${formatPercent(pkg.progress).padStart(4)}  ` +
    `${formatBytes(pkg.received_bytes)} of ${formatBytes(pkg.size_bytes)}; ${pkg.files.length} file${pkg.files.length === 1 ? '' : 's'}: ${stateCounts(pkg)}${last}` +
    (pkg.stalled ? `  ${c.red('stalled')}` : '')
  );
}

function fileLine(file: PackageFileView, generatedMs: number, c: Colors): string {
  const progress = file.size_bytes === null || file.size_bytes === 0 ? (file.state === 'in_store' || file.state === 'received' ? 1 : 0) : file.received_bytes / file.size_bytes;
  const filled = Math.max(0, Math.min(FILE_BAR_WIDTH, Math.floor(progress * FILE_BAR_WIDTH)));
  const colour = file.stalled || file.state === 'size_mismatch' || file.state === null ? c.red : file.state === 'uploading' ? c.cyan : file.state === 'absent' ? c.dim : c.green;
  const state = file.state === null ? 'poll failed' : file.stalled ? 'uploading (stalled)' : file.state;
  const size = file.size_bytes === null ? 'size unknown' : formatBytes(file.size_bytes);
  const last = file.last_chunk_at === null ? '' : `  last chunk ${formatAge((generatedMs - Date.parse(file.last_chunk_at)) / 1000)} ago`;
  return `    ${colour('█'.repeat(filled))}${c.dim('░'.repeat(FILE_BAR_WIDTH - filled))} ${formatPercent(progress).padStart(4)}  ${colour(state.padEnd(11))} ${size.padStart(10)}  ${terminalSafe(file.content_path)}${last}`;
}

/** Renders the view as text; `color` decides whether ANSI colours are used. */
export function renderStatusTable(view: StatusView, color: boolean): string {
  const c = createColors(color);
  const out: string[] = [];
  const s = view.summary;
  out.push(
    `${c.bold(`${s.sessions} upload session${s.sessions === 1 ? '' : 's'}`)}: ${c.cyan(`${s.uploading} uploading`)}, ${c.red(`${s.stalled} stalled`)}, ${c.green(`${s.complete} complete`)}; ` +
      `${s.paths - s.failed_paths} of ${s.paths} paths polled OK${s.failed_paths > 0 ? c.red(` (${s.failed_paths} failed)`) : ''}; ` +
      `${s.packages > 0 ? `${s.packages} package${s.packages === 1 ? '' : 's'}${s.stalled_packages > 0 ? c.red(` (${s.stalled_packages} stalled)`) : ''}; ` : ''}stalled after ${formatAge(view.stalled_after_seconds)} without a chunk`,
  );
  const generatedMs = Date.parse(view.generated_at);
  for (const cluster of view.clusters) {
    const packaged = new Set(cluster.packages.flatMap((p) => p.files.map((f) => f.content_path)));
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
      // A package's files are listed under it.
      if (packaged.has(path.content_path)) continue;
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
    if (cluster.capacity !== null) {
      const disk = `Image store disk: ${terminalSafe(describeCapacity(cluster.capacity))}`;
      out.push(cluster.capacity.low ? c.red(disk) : disk);
    }
    for (const pkg of cluster.packages) out.push(packageLine(pkg, generatedMs, c), ...pkg.files.map((f) => fileLine(f, generatedMs, c)));
    if (table.length > 0) out.push(table.toString());
  }
  return `${out.join('\n')}\n`;
}
