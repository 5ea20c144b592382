/**
 * What of a status view a page shows a person: the paths and sessions a filter matches, worst
 * first (failed polls, then stalled, uploading and complete sessions, then paths without a
 * session), cut at a number of rows. At 100,000 sessions a table of every one helps nobody and
 * costs seconds to render; the JSON keeps everything.
 */
import type { PackageFileView, PackageView, PathView, SessionState, SessionView, StatusView } from './view.js';

/** `state` filter values: a session state, or `failed` for the paths whose last poll failed. */
export const STATE_FILTERS = ['stalled', 'failed', 'uploading', 'complete'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

/** Which clusters and states to show; absent: all. */
export interface StatusFilter {
  readonly cluster?: string;
  readonly state?: StateFilter;
}

/** One path on the page, with the sessions shown of those the filter matches. */
export interface ShownPath {
  readonly path: PathView;
  readonly sessions: readonly SessionView[];
  /** Sessions of this path the filter matches that did not fit. */
  readonly hiddenSessions: number;
}

/** One cluster on the page. */
export interface ShownCluster {
  readonly name: string;
  /** Worst first: failed polls, then paths with stalled, uploading, complete sessions, then paths without one. */
  readonly paths: readonly ShownPath[];
  /** Paths the filter matches that did not fit at all, and the sessions they hold. */
  readonly hiddenPaths: number;
  readonly sessionsInHiddenPaths: number;
}

/** What a page shows of a view. */
export interface Selection {
  readonly clusters: readonly ShownCluster[];
  readonly matched: { readonly paths: number; readonly sessions: number };
  readonly shown: { readonly paths: number; readonly sessions: number };
}

/** Session states, worst first. */
const STATE_ORDER: readonly SessionState[] = ['stalled', 'uploading', 'complete'];
const STATE_RANK: Readonly<Record<SessionState, number>> = { stalled: 0, uploading: 1, complete: 2 };

interface Candidate {
  readonly path: PathView;
  /** The matching sessions, stalled first. */
  readonly sessions: readonly SessionView[];
  readonly rank: number;
  header: boolean;
  taken: number;
}

/** The content paths of a cluster's packages: shown under their package, not as paths. */
function packagedPaths(packages: readonly PackageView[]): ReadonlySet<string> {
  return new Set(packages.flatMap((p) => p.files.map((f) => f.content_path)));
}

function candidatesOf(paths: readonly PathView[], state: StateFilter | undefined, packaged: ReadonlySet<string> = new Set()): Candidate[] {
  const out: Candidate[] = [];
  for (const path of paths) {
    if (packaged.has(path.content_path)) continue;
    if (!path.poll.success) {
      if (state === undefined || state === 'failed') out.push({ path, sessions: [], rank: 0, header: false, taken: 0 });
      continue;
    }
    if (state === 'failed') continue;
    const matching = state === undefined ? path.sessions : path.sessions.filter((s) => s.state === state);
    if (state !== undefined && matching.length === 0) continue;
    // Array#sort is stable: within a state the cluster's order is kept.
    const sessions = [...matching].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
    const worst = sessions[0];
    out.push({ path, sessions, rank: worst === undefined ? 4 : 1 + STATE_RANK[worst.state], header: false, taken: 0 });
  }
  return out;
}

/** Selects what of `view` to show under `filter`, in at most `maxRows` rows (a path's heading and each session count one). */
export function selectRows(view: StatusView, filter: StatusFilter, maxRows: number): Selection {
  const clusters = view.clusters
    .filter((c) => filter.cluster === undefined || c.name === filter.cluster)
    .map((c) => ({ name: c.name, candidates: candidatesOf(c.paths, filter.state, packagedPaths(c.packages)) }));
  const all = clusters.flatMap((c) => c.candidates);
  let budget = maxRows;
  const heading = (c: Candidate): boolean => {
    if (c.header) return true;
    if (budget < 1) return false;
    c.header = true;
    budget -= 1;
    return true;
  };
  for (const c of all) if (!c.path.poll.success) heading(c);
  // By state across every path, so a stalled session anywhere comes before any uploading one. A
  // path's sessions are taken from the front only: a path skipped for want of room stays skipped.
  for (const state of STATE_ORDER) {
    for (const c of all) {
      while (budget > 0 && c.taken < c.sessions.length && c.sessions[c.taken]?.state === state) {
        if (!c.header && budget < 2) break;
        heading(c);
        c.taken += 1;
        budget -= 1;
      }
    }
  }
  for (const c of all) if (c.path.poll.success && c.sessions.length === 0) heading(c);

  let shownPaths = 0;
  let shownSessions = 0;
  const shown = clusters.map((c): ShownCluster => {
    const visible = c.candidates.filter((x) => x.header).sort((a, b) => a.rank - b.rank);
    const hidden = c.candidates.filter((x) => !x.header);
    shownPaths += visible.length;
    shownSessions += visible.reduce((n, x) => n + x.taken, 0);
    return {
      name: c.name,
      paths: visible.map((x) => ({ path: x.path, sessions: x.sessions.slice(0, x.taken), hiddenSessions: x.sessions.length - x.taken })),
      hiddenPaths: hidden.length,
      sessionsInHiddenPaths: hidden.reduce((n, x) => n + x.sessions.length, 0),
    };
  });
  return {
    clusters: shown,
    matched: { paths: all.length, sessions: all.reduce((n, x) => n + x.sessions.length, 0) },
    shown: { paths: shownPaths, sessions: shownSessions },
  };
}

/** One package on the page, with the files shown. */
export interface ShownPackage {
  readonly package: PackageView;
  /** Worst first: failed polls, stalled, size_mismatch, uploading, absent, received, in_store. */
  readonly files: readonly PackageFileView[];
  readonly hiddenFiles: number;
}

/** The packages of one cluster on the page. */
export interface ShownPackages {
  readonly cluster: string;
  /** Worst first: stalled, with a failed poll, unfinished, finished. */
  readonly packages: readonly ShownPackage[];
  /** Packages the filter matches that did not fit. */
  readonly hiddenPackages: number;
}

/** What a page shows of the packages of a view. */
interface PackageSelection {
  readonly clusters: readonly ShownPackages[];
  readonly matched: number;
  readonly shown: number;
}

/** Whether a package has every file in the store or received. */
export function packageFinished(p: PackageView): boolean {
  return p.failed_files === 0 && p.files_by_state.absent + p.files_by_state.uploading + p.files_by_state.size_mismatch === 0;
}

function packageRank(p: PackageView): number {
  return p.stalled ? 0 : p.failed_files > 0 ? 1 : packageFinished(p) ? 3 : 2;
}

/** Which packages a state filter keeps: stalled ones, those with a failed poll, unfinished ones (`uploading`), finished ones (`complete`). */
function packageMatches(p: PackageView, state: StateFilter | undefined): boolean {
  switch (state) {
    case undefined:
      return true;
    case 'stalled':
      return p.stalled;
    case 'failed':
      return p.failed_files > 0;
    case 'uploading':
      return !p.stalled && !packageFinished(p);
    case 'complete':
      return packageFinished(p);
  }
}

const FILE_RANK: Readonly<Record<string, number>> = { size_mismatch: 2, uploading: 3, absent: 4, received: 5, in_store: 6 };

function fileRank(f: PackageFileView): number {
  if (f.state === null) return 0;
  return f.stalled ? 1 : (FILE_RANK[f.state] ?? 7);
}

/**
 * Selects the packages of `view` to show under `filter`: every matching package's line first (worst
 * first, a row each) while `maxRows` lasts; then `filesRows(left)` says how many rows their files
 * may take, given to the packages in the same order.
 */
export function selectPackages(view: StatusView, filter: StatusFilter, maxRows: number, filesRows: (left: number) => number = (left) => left): PackageSelection {
  const clusters = view.clusters
    .filter((c) => filter.cluster === undefined || c.name === filter.cluster)
    .map((c) => ({ cluster: c.name, matching: c.packages.filter((p) => packageMatches(p, filter.state)).sort((a, b) => packageRank(a) - packageRank(b)) }));
  let budget = maxRows;
  const taken = clusters.map((c) => {
    const n = Math.max(0, Math.min(budget, c.matching.length));
    budget -= n;
    return n;
  });
  let fileBudget = Math.max(0, Math.min(budget, filesRows(budget)));
  let shown = 0;
  let matched = 0;
  const out = clusters.map((c, i): ShownPackages => {
    const packages = c.matching.slice(0, taken[i]).map((p): ShownPackage => {
      const files = [...p.files].sort((a, b) => fileRank(a) - fileRank(b)).slice(0, fileBudget);
      fileBudget -= files.length;
      return { package: p, files, hiddenFiles: p.files.length - files.length };
    });
    shown += packages.length;
    matched += c.matching.length;
    return { cluster: c.cluster, packages, hiddenPackages: c.matching.length - packages.length };
  });
  return { clusters: out, matched, shown };
}
