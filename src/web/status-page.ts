/**
 * The status page served at `/`: server-rendered HTML from the status view model, so it works
 * without JavaScript (a `<noscript>` refresh reloads it); a small inline script re-fetches the page
 * and swaps in its `#status` element, which refreshes it without a full reload. Everything that
 * comes from a cluster, the configuration or a path file is escaped: paths can contain any character.
 *
 * At thousands of sessions the page shows the worst first and stops at `STATUS_PAGE_MAX_ROWS`
 * rows, saying how many more there are (select.ts); `?cluster=` and `?state=` narrow it down.
 */
import type { PackageFileView, PathView, SessionView, StatusView } from '../status/view.js';
import {
  packageFinished,
  selectPackages,
  selectRows,
  STATE_FILTERS,
  type Selection,
  type ShownCluster,
  type ShownPackage,
  type ShownPackages,
  type ShownPath,
  type StateFilter,
  type StatusFilter,
} from '../status/select.js';
import { formatAge, formatBytes, formatPercent, formatThroughput, shortId } from '../status/format.js';
import { describeCapacity, type CapacityView } from '../status/capacity-view.js';

/** What the page says about the exporter itself. */
export interface PageInfo {
  readonly version: string;
  readonly telemetryPath: string;
  readonly demo: boolean;
}

/** Escapes text for HTML element content and attribute values: paths can contain any character. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Seconds between refreshes (script) and between reloads (no script). */
const STATUS_REFRESH_SECONDS = 5;
const NOSCRIPT_REFRESH_SECONDS = 15;

/** Rows of the status page at most: a package's line, each of its files, a path's heading and each session count one. */
export const STATUS_PAGE_MAX_ROWS = 1000;

const COLUMNS = ['File', 'Session', 'Size', 'Remaining', 'Progress', 'Throughput', 'Last chunk', 'State'];

const STATE_LABELS: Readonly<Record<StateFilter, string>> = {
  stalled: 'stalled sessions',
  failed: 'failed polls',
  uploading: 'uploading sessions',
  complete: 'complete sessions',
};

const count = new Intl.NumberFormat('en-US');

function plural(n: number, one: string, many: string): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}

/** The page's `?cluster=` and `?state=` (each at most once; empty means all), or why they are not usable. */
export function parseStatusFilter(query: Readonly<Record<string, unknown>>): StatusFilter | { error: string } {
  const single = (name: string): string | undefined | { error: string } => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') return { error: `give ${name} at most once` };
    return value;
  };
  const cluster = single('cluster');
  const state = single('state');
  if (typeof cluster === 'object') return cluster;
  if (typeof state === 'object') return state;
  if (state !== undefined && !(STATE_FILTERS as readonly string[]).includes(state)) {
    return { error: `unknown state: expected one of ${STATE_FILTERS.join(', ')}` };
  }
  return { ...(cluster === undefined ? {} : { cluster }), ...(state === undefined ? {} : { state: state as StateFilter }) };
}

function sessionRow(s: SessionView): string {
  const percent = Math.floor(s.progress * 1000) / 10;
  return `<tr class="session" data-state="${s.state}" data-session-id="${escapeHtml(s.session_id)}">
<td class="file"><code>${escapeHtml(s.store_relative_path)}</code></td>
<td><code title="${escapeHtml(s.session_id)}">${escapeHtml(shortId(s.session_id))}</code></td>
<td class="num">${formatBytes(s.size_bytes)}</td>
<td class="num">${formatBytes(s.remaining_bytes)}</td>
<td><div class="bar ${s.state}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${percent}"><span style="width:${percent}%"></span></div> <span class="pct">${formatPercent(s.progress)}</span></td>
<td class="num">${formatThroughput(s.throughput_bytes_per_second)}</td>
<td class="num" title="${escapeHtml(s.modified_at)}">${formatAge(s.age_seconds)} ago</td>
<td><span class="state ${s.state}">${s.state}</span></td>
</tr>`;
}

function pollResult(path: PathView, generatedMs: number): string {
  const ago = formatAge((generatedMs - Date.parse(path.poll.at)) / 1000);
  if (path.poll.success) {
    const n = path.sessions.length;
    return `<span class="poll ok">polled ${ago} ago: ${n === 0 ? 'no upload session' : n === 1 ? '1 session' : `${n} sessions`}</span>`;
  }
  const e = path.poll.error;
  const what = [e?.code, e?.status === null || e?.status === undefined ? undefined : `HTTP ${e.status}`].filter((x) => x !== undefined && x !== null).join(', ');
  return `<span class="poll failed">poll failed ${ago} ago (${escapeHtml(e?.reason ?? 'unknown')}${what ? `: ${escapeHtml(what)}` : ''})</span>
<div class="error">${escapeHtml(e?.message ?? '')}</div>`;
}

function moreRow(text: string): string {
  return `<tr class="more"><td colspan="${COLUMNS.length}">${text}</td></tr>`;
}

function pathRows(shown: ShownPath, generatedMs: number): string {
  const { path } = shown;
  const source = path.source === null ? '' : ` <span class="source" title="where this path comes from">${path.source === 'file' ? 'path file' : 'config'}</span>`;
  const header = `<tr class="path" data-success="${path.poll.success}"><th colspan="${COLUMNS.length}"><code>${escapeHtml(path.content_path)}</code>${source} ${pollResult(path, generatedMs)}</th></tr>`;
  const more = shown.hiddenSessions > 0 ? [moreRow(`${plural(shown.hiddenSessions, 'more session', 'more sessions')} of this path not shown`)] : [];
  return [header, ...shown.sessions.map(sessionRow), ...more].join('\n');
}

function bar(progress: number, state: string): string {
  const percent = Math.floor(Math.max(0, Math.min(1, progress)) * 1000) / 10;
  return `<div class="bar ${state}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${percent}"><span style="width:${percent}%"></span></div> <span class="pct">${formatPercent(progress)}</span>`;
}

const FILE_COLUMNS = ['File', 'State', 'Size', 'Progress', 'Last chunk'];

function fileRow(f: PackageFileView, generatedMs: number): string {
  const finished = f.state === 'in_store' || f.state === 'received';
  const progress = f.size_bytes === null || f.size_bytes === 0 ? (finished ? 1 : 0) : f.received_bytes / f.size_bytes;
  const state = f.state === null ? 'failed' : f.stalled ? 'stalled' : f.state;
  const label = f.state === null ? 'poll failed' : f.stalled ? 'uploading (stalled)' : f.state;
  const last = f.last_chunk_at === null ? '–' : `<span title="${escapeHtml(f.last_chunk_at)}">${formatAge((generatedMs - Date.parse(f.last_chunk_at)) / 1000)} ago</span>`;
  return `<tr class="file" data-state="${state}"><td class="file"><code>${escapeHtml(f.content_path)}</code></td><td><span class="state ${state}">${label}</span></td>
<td class="num">${f.size_bytes === null ? '–' : formatBytes(f.size_bytes)}</td><td>${bar(progress, finished ? 'complete' : state === 'uploading' ? 'uploading' : 'stalled')}</td><td class="num">${last}</td></tr>`;
}

/** One package: a line with its bar and counts, which opens into its files (a stalled one starts open). */
function packageDetails(cluster: string, shown: ShownPackage, generatedMs: number): string {
  const p = shown.package;
  const state = p.stalled ? 'stalled' : packageFinished(p) ? 'complete' : 'uploading';
  const counts = Object.entries(p.files_by_state)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="count ${s}">${n} ${s}</span>`);
  if (p.failed_files > 0) counts.push(`<span class="count failed">${p.failed_files} poll failed</span>`);
  const last = p.last_chunk_at === null ? '' : ` &middot; last chunk ${formatAge((generatedMs - Date.parse(p.last_chunk_at)) / 1000)} ago`;
  const more = shown.hiddenFiles > 0 ? `\n${`<tr class="more"><td colspan="${FILE_COLUMNS.length}">${plural(shown.hiddenFiles, 'more file', 'more files')} of this package not shown</td></tr>`}` : '';
  // The key lets the refresh keep a package open or closed as the reader left it.
  return `<details class="package" data-state="${state}" data-key="${escapeHtml(JSON.stringify([cluster, p.name, p.version]))}"${p.stalled ? ' open' : ''}>
<summary><strong>${escapeHtml(p.name)}</strong>${p.version === '' ? '' : ` <span class="version">${escapeHtml(p.version)}</span>`} ${bar(p.progress, state)} ${formatBytes(p.received_bytes)} of ${formatBytes(p.size_bytes)} &middot; ${plural(p.files.length, 'file', 'files')}: ${counts.join(' ')}${last}${p.stalled ? ' <span class="state stalled">stalled</span>' : ''}</summary>
<table class="files"><thead><tr>${FILE_COLUMNS.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>
${shown.files.map((f) => fileRow(f, generatedMs)).join('\n')}${more}
</tbody></table></details>`;
}

/** The cluster's image store disk, under its heading; empty when this process does not poll it. */
function capacityLine(capacity: CapacityView | null | undefined): string {
  if (capacity === null || capacity === undefined) return '';
  return `<p class="capacity${capacity.low ? ' low' : ''}" data-status="${capacity.status}" data-low="${capacity.low}">Image store disk: ${escapeHtml(describeCapacity(capacity))}</p>\n`;
}

/** Above everything, whatever the filters: each cluster whose disk is low. */
function capacityWarnings(view: StatusView): string {
  return view.clusters
    .filter((c) => c.capacity?.low === true)
    .map((c) => `<p class="capacity-low">Image store disk of cluster <strong>${escapeHtml(c.name)}</strong>: ${escapeHtml(describeCapacity(c.capacity as CapacityView))} (ServiceFabricImageStoreDiskFilling).</p>\n`)
    .join('');
}

function clusterSection(name: string, cluster: ShownCluster | undefined, packages: ShownPackages | undefined, generatedMs: number, capacity?: CapacityView | null): string {
  const more =
    cluster !== undefined && cluster.hiddenPaths > 0
      ? moreRow(`${plural(cluster.hiddenPaths, 'more path', 'more paths')}${cluster.sessionsInHiddenPaths > 0 ? ` with ${plural(cluster.sessionsInHiddenPaths, 'session', 'sessions')}` : ''} not shown`)
      : '';
  const pkgs =
    packages === undefined || packages.packages.length + packages.hiddenPackages === 0
      ? ''
      : `<div class="packages">
${packages.packages.map((p) => packageDetails(name, p, generatedMs)).join('\n')}${packages.hiddenPackages > 0 ? `\n<p class="more">${plural(packages.hiddenPackages, 'more package', 'more packages')} not shown</p>` : ''}
</div>\n`;
  const rows = [...(cluster?.paths ?? []).map((p) => pathRows(p, generatedMs)), more].filter(Boolean);
  const table =
    rows.length === 0
      ? ''
      : `<table><thead><tr>${COLUMNS.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
  return `<section class="cluster"><h2>${escapeHtml(name)}</h2>
${capacityLine(capacity)}${pkgs}${table}</section>`;
}

/** The `#status` element: summary and one table per cluster, of what `filter` matches, in at most `maxRows` rows. */
export function renderStatusSection(view: StatusView, filter: StatusFilter = {}, maxRows = STATUS_PAGE_MAX_ROWS): string {
  if (view.last_cycle_at === null) {
    return `<main id="status" data-refresh-seconds="${STATUS_REFRESH_SECONDS}"><p class="summary">Waiting for the first poll cycle&hellip;</p></main>`;
  }
  const generatedMs = Date.parse(view.generated_at);
  const s = view.summary;
  // An absolute time: this section is rendered once per view, and a view that went stale is kept.
  const stale = view.fresh
    ? ''
    : `<p class="stale">The last poll cycle completed at ${view.last_cycle_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}, longer ago than poll.max_staleness: polling may be stuck, and what follows may be outdated.</p>`;
  // Rows go to the packages' lines first, then to the paths in no package, then to the packages' files.
  let selection: Selection | undefined;
  const packages = selectPackages(view, filter, maxRows, (left) => {
    selection = selectRows(view, filter, left);
    return left - selection.shown.paths - selection.shown.sessions;
  });
  selection ??= selectRows(view, filter, 0);
  const filtered = filter.cluster !== undefined || filter.state !== undefined;
  const what = [filter.state === undefined ? undefined : STATE_LABELS[filter.state], filter.cluster === undefined ? undefined : `cluster ${escapeHtml(filter.cluster)}`]
    .filter(Boolean)
    .join(' of ');
  const notes: string[] = [];
  const names = [...new Set([...selection.clusters.map((c) => c.name), ...packages.clusters.map((c) => c.cluster)])];
  // Unfiltered, every cluster has its section, if only for its disk.
  if (!filtered) for (const c of view.clusters) if (!names.includes(c.name)) names.push(c.name);
  if (filter.cluster !== undefined && names.length === 0) {
    notes.push(`<p class="filter">No cluster named <code>${escapeHtml(filter.cluster)}</code> in the last poll cycle.</p>`);
  } else if (filtered) {
    notes.push(
      `<p class="filter">Showing ${what}: ${packages.matched > 0 ? `${plural(packages.matched, 'package', 'packages')}, ` : ''}${plural(selection.matched.sessions, 'session', 'sessions')} in ${plural(selection.matched.paths, 'path', 'paths')}. <a href="/">Show everything</a></p>`,
    );
  }
  const hiddenSessions = selection.matched.sessions - selection.shown.sessions;
  const hiddenPaths = selection.matched.paths - selection.shown.paths;
  const hiddenPackages = packages.matched - packages.shown;
  const hiddenFiles = packages.clusters.reduce((n, c) => n + c.packages.reduce((m, p) => m + p.hiddenFiles, 0), 0);
  if (hiddenPackages > 0 || hiddenFiles > 0) {
    notes.push(
      `<p class="truncated">Showing ${count.format(packages.shown)} of ${plural(packages.matched, 'package', 'packages')}, stalled first${hiddenFiles > 0 ? `, without ${plural(hiddenFiles, 'of their files', 'of their files')}` : ''}. Narrow the page with the filters above, or read <a href="/api/v1/sessions">the JSON</a>, which has everything.</p>`,
    );
  }
  if (hiddenSessions > 0 || hiddenPaths > 0) {
    notes.push(
      `<p class="truncated">Showing ${count.format(selection.shown.sessions)} of ${plural(selection.matched.sessions, 'session', 'sessions')} and ${count.format(selection.shown.paths)} of ${plural(selection.matched.paths, 'path', 'paths')}, failed polls and stalled sessions first: ` +
        `${plural(hiddenSessions, 'more session', 'more sessions')} and ${plural(hiddenPaths, 'more path', 'more paths')} are not shown. Narrow the page with the filters above, or read <a href="/api/v1/sessions">the JSON</a>, which has everything.</p>`,
    );
  } else if (filtered && selection.matched.paths === 0 && packages.matched === 0 && names.length > 0) {
    notes.push('<p class="filter">Nothing matches.</p>');
  }
  return `<main id="status" data-refresh-seconds="${STATUS_REFRESH_SECONDS}">
<p class="summary">${s.packages > 0 ? `${plural(s.packages, 'package', 'packages')}${s.stalled_packages > 0 ? ` (<span class="state stalled">${s.stalled_packages} stalled</span>)` : ''} &middot; ` : ''}${s.sessions} upload session${s.sessions === 1 ? '' : 's'}: <span class="state uploading">${s.uploading} uploading</span> <span class="state stalled">${s.stalled} stalled</span> <span class="state complete">${s.complete} complete</span> &middot; ${s.paths - s.failed_paths} of ${s.paths} paths polled OK &middot; stalled after ${formatAge(view.stalled_after_seconds)} without a chunk &middot; ${view.idle_interval_seconds > 0 ? `paths without an upload asked every ${formatAge(view.idle_interval_seconds)}` : 'every path asked every cycle'} &middot; updated <time datetime="${view.generated_at}">${view.generated_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time></p>
${stale}${capacityWarnings(view)}${notes.join('\n')}${names
    .map((name) =>
      clusterSection(
        name,
        selection?.clusters.find((c) => c.name === name),
        packages.clusters.find((c) => c.cluster === name),
        generatedMs,
        view.clusters.find((c) => c.name === name)?.capacity,
      ),
    )
    .join('\n')}
</main>`;
}

/** The filter form: cluster names from the configuration, the state filters. */
function filterForm(clusterNames: readonly string[], filter: StatusFilter): string {
  const option = (value: string, label: string, selected: boolean): string =>
    `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  const clusters = [option('', 'all clusters', filter.cluster === undefined), ...clusterNames.map((name) => option(name, name, name === filter.cluster))];
  const states = [option('', 'everything', filter.state === undefined), ...STATE_FILTERS.map((s) => option(s, STATE_LABELS[s], s === filter.state))];
  return `<form class="filters" method="get" action="/"><label>Cluster <select name="cluster">${clusters.join('')}</select></label> <label>Show <select name="state">${states.join('')}</select></label> <button type="submit">Filter</button></form>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24}
h1{margin:0 0 .2em}h2{margin:1.2em 0 .3em;font-size:1.2em}
table{border-collapse:collapse;width:100%}th,td{padding:.25em .6em;text-align:left;border-bottom:1px solid #e3e6ea;vertical-align:middle}
thead th{background:#f3f5f7;font-weight:600}tr.path th{background:#fafbfc;font-weight:normal;padding-top:.6em}
td.num{text-align:right;white-space:nowrap}td.file code{word-break:break-all}
.bar{display:inline-block;width:9em;height:.8em;background:#e3e6ea;border-radius:.4em;overflow:hidden;vertical-align:middle}
.bar span{display:block;height:100%;background:#2f6fdf}.bar.stalled span{background:#d9822b}.bar.complete span{background:#2da44e}
.state{font-weight:600;white-space:nowrap}.state.uploading{color:#2f6fdf}.state.stalled{color:#c2410c}.state.complete{color:#2da44e}
.poll{margin-left:.8em;color:#57606a}.poll.failed{color:#cf222e;font-weight:600}.error{color:#cf222e;font-family:monospace;white-space:pre-wrap;word-break:break-all}
.source{font-size:.8em;background:#eef1f4;border-radius:.6em;padding:0 .5em;margin-left:.4em;color:#57606a}
.stale{background:#fff4e5;border:1px solid #d9822b;padding:.5em}.summary .state{margin-right:.6em}
tr.more td,p.more{color:#57606a;font-style:italic}
details.package{border-bottom:1px solid #e3e6ea;padding:.3em 0}details.package summary{cursor:pointer}details.package table{margin:.3em 0 .6em 1.2em;width:calc(100% - 1.2em)}
.version{color:#57606a}.count{margin-right:.5em;white-space:nowrap}.count.size_mismatch,.count.failed{color:#cf222e}.state.failed,.state.size_mismatch,.state.absent{color:#57606a}.state.in_store,.state.received{color:#2da44e}.truncated,.filter{background:#eef1f4;padding:.5em}.filters{margin:.6em 0}.filters label{margin-right:.8em}
.capacity{color:#57606a;margin:.2em 0 .5em}.capacity.low{color:#cf222e;font-weight:600}.capacity-low{background:#ffebe9;border:1px solid #cf222e;padding:.5em}
#status[data-refresh-error]::before{content:"refresh failed: " attr(data-refresh-error);color:#cf222e}`;

// Swaps in the #status element of a freshly fetched copy of this page. Parsed markup from
// DOMParser never runs scripts, and it is the same escaped HTML the server renders.
const SCRIPT = `(() => {
  const current = () => document.getElementById('status');
  const seconds = Number(current().dataset.refreshSeconds) || 5;
  async function refresh() {
    try {
      const res = await fetch(location.pathname + location.search, { headers: { Accept: 'text/html' }, cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const next = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('status');
      if (next) {
        // Packages stay open or closed as the reader left them.
        const open = new Map([...current().querySelectorAll('details[data-key]')].map((d) => [d.dataset.key, d.open]));
        for (const d of next.querySelectorAll('details[data-key]')) if (open.has(d.dataset.key)) d.open = open.get(d.dataset.key);
        current().replaceWith(document.adoptNode(next));
      }
    } catch (error) {
      current().dataset.refreshError = String(error && error.message || error);
    }
    setTimeout(refresh, seconds * 1000);
  }
  setTimeout(refresh, seconds * 1000);
})();`;

/** Renders the whole page: the exporter's links, the filters (over `clusterNames`), then `section` (renderStatusSection). */
export function renderStatusPage(info: PageInfo, section: string, filter: StatusFilter = {}, clusterNames: readonly string[] = []): string {
  const telemetry = escapeHtml(info.telemetryPath);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sf-upload-exporter: upload sessions</title>
<noscript><meta http-equiv="refresh" content="${NOSCRIPT_REFRESH_SECONDS}"></noscript>
<style>${STYLE}</style></head>
<body>
<h1>sf-upload-exporter</h1>
<p>Azure Service Fabric image-store upload sessions, version ${escapeHtml(info.version)}.${info.demo ? ' <strong>Demo mode: polling the built-in simulated cluster.</strong>' : ''}
<a href="${telemetry}">Metrics</a> &middot; <a href="/api/v1/sessions">JSON</a> &middot; <a href="/-/healthy">Health</a> &middot; <a href="/-/ready">Readiness</a></p>
${filterForm(clusterNames, filter)}
${section}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
