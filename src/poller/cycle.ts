import type { Logger } from '../log.js';
import type { UploadSession } from '../servicefabric/session.js';
import type { StoreFile, StoreFolderListing } from '../servicefabric/store-file.js';
import type { ImageStoreInfo } from '../servicefabric/image-store-info.js';
import { clip, MAX_FABRIC_CODE_CHARS, ServiceFabricError } from '../servicefabric/request-errors.js';
import type { ClusterPackages } from '../pathfiles/package-model.js';
import type { PollFailure, StoreLookup } from '../model/path-state.js';
import type { LookupTally } from './lookup-health.js';
import { duePaths } from './cadence.js';
import { folderOf, lookupStands, type FolderListings } from './folder-lookups.js';
import { carriedOver, type HeldPath, type PathIndex, type PollOutcome } from './snapshot.js';

/** What the poller needs from a cluster client; `ServiceFabricClient` implements it. */
export interface SessionLister {
  getUploadSessions(contentPath: string, options?: { signal?: AbortSignal }): Promise<UploadSession[]>;
  /** The file the image store holds at the path, or undefined when it holds none. */
  getStoreFile(contentPath: string, options?: { signal?: AbortSignal }): Promise<StoreFile | undefined>;
  /** The image store's disk and usage (GetImageStoreInfo); a client without it exports no capacity. */
  getImageStoreInfo?(options?: { signal?: AbortSignal }): Promise<ImageStoreInfo>;
  /** The files of an image-store folder, paged and bounded; without it every file is looked up alone. */
  listStoreFolder?(folder: string, options?: { signal?: AbortSignal }): Promise<StoreFolderListing>;
  close(): Promise<void>;
}

/** One cluster's share of a cycle. */
export interface ClusterTarget {
  readonly cluster: string;
  readonly client: SessionLister;
  readonly contentPaths: readonly string[];
  /** `content_path_files` patterns; `PathFiles.resolveTargets` adds their paths to `contentPaths`. */
  readonly contentPathFiles?: readonly string[];
  /** The packages those files make up (`PathFiles.resolveTargets`); absent without path files. */
  readonly packages?: ClusterPackages;
}

interface CycleOptions {
  /** Requests in flight per cluster. */
  readonly concurrency: number;
  /** Aborts in-flight requests (shutdown); aborted polls produce no outcome. */
  readonly signal?: AbortSignal;
  readonly logger: Logger;
  readonly now?: () => number;
  /**
   * The previous snapshot's paths, the one thing a cycle carries over from it: a path backing off
   * after `Retry-After` is held (it comes back as a `HeldPath`), and so is a cold path whose turn
   * has not come; a poll that finds the same sessions keeps those objects and drops its equal
   * copies at once, so the copies die young instead of being promoted by the garbage collector; a
   * store lookup stands while it may (`lookupStands`).
   */
  readonly previous?: PathIndex;
  /** Unix ms at which the cycle started: backoffs, turns and rechecks are judged against it (default: now). */
  readonly startedMs?: number;
  /** `poll.store_recheck_interval` (default 0: every path without a session is looked up). */
  readonly storeRecheckIntervalMs?: number;
  /**
   * `poll.idle_interval`: a cold path is polled once per this long, and a lookup that found no file
   * stands this long; also how long a path stays hot after its last session or change of state.
   * @default 0 (every path every cycle, every lookup every time)
   */
  readonly idleIntervalMs?: number;
  /** Recent folder listings, kept across cycles; without it every lookup is of one file. */
  readonly listings?: FolderListings;
  /**
   * Longest `Retry-After` honoured: a cluster asking for more is polled again after this long, so a
   * bogus header cannot silence a path indefinitely.
   * @default 600000 (10 minutes)
   */
  readonly maxBackoffMs?: number;
  /** Counts the cycle's store lookup requests per cluster, and their failures. */
  readonly lookups?: LookupTally;
}

/** Default cap on a `Retry-After` backoff. */
const DEFAULT_MAX_BACKOFF_MS = 10 * 60_000;

/** A path whose GetUploadSession found no session and that needs a store lookup. */
interface PendingLookup {
  readonly index: number;
  readonly contentPath: string;
  readonly sessions: readonly UploadSession[];
  readonly started: number;
}

/**
 * Polls the paths of every cluster that are due (`duePaths`), at most `concurrency` requests in
 * flight per cluster: first each due path's GetUploadSession, then the store lookups of those
 * without a session that no standing lookup answers, one listing per folder that holds several
 * watched files. Returns one entry per path in configuration order: an outcome, or a `HeldPath`
 * for a path not polled (cold, or backing off). Never rejects: each failure becomes an outcome.
 * Returns undefined if the cycle was aborted.
 */
export async function runCycle(targets: readonly ClusterTarget[], options: CycleOptions): Promise<Array<PollOutcome | HeldPath> | undefined> {
  const now = options.now ?? Date.now;
  const startedMs = options.startedMs ?? now();
  const idleMs = options.idleIntervalMs ?? 0;
  const recheckMs = options.storeRecheckIntervalMs ?? 0;
  const perCluster = targets.map(async (target) => {
    const paths = target.contentPaths;
    const cluster = target.cluster;
    const outcomes = new Array<PollOutcome | HeldPath>(paths.length);
    const due = duePaths(cluster, paths, target.packages, options.previous, startedMs, idleMs, idleMs);
    const pending: PendingLookup[] = [];
    const finish = (contentPath: string, started: number, result: PollOutcome['result']): PollOutcome => ({
      cluster,
      contentPath,
      durationSeconds: (performance.now() - started) / 1000,
      finishedMs: now(),
      cycleStartedMs: startedMs,
      result,
    });
    await inTurns(paths.length, options.concurrency, async (i) => {
      const contentPath = paths[i] as string;
      const prior = options.previous?.get(cluster, contentPath);
      if ((prior?.backoffUntilMs ?? 0) > startedMs) {
        outcomes[i] = { cluster, contentPath, held: true };
        return;
      }
      if (!due[i]) {
        outcomes[i] = { cluster, contentPath, held: true, cold: true };
        return;
      }
      const started = performance.now();
      if (options.signal?.aborted) {
        outcomes[i] = finish(contentPath, started, { ok: false, failure: { reason: 'connection', message: 'aborted before start' } });
        return;
      }
      try {
        const sessions = carriedOver(prior?.sessions, await target.client.getUploadSessions(contentPath, { signal: options.signal }));
        if (sessions.length > 0) {
          outcomes[i] = finish(contentPath, started, { ok: true, sessions });
          return;
        }
        // No session: the store tells a file that is there from one that is not. The newer of the
        // path's own last lookup and its folder's last listing, while it stands.
        const standing = newest(prior?.store, options.listings?.get(cluster, contentPath));
        if (lookupStands(standing, startedMs, cluster, contentPath, recheckMs, idleMs)) {
          outcomes[i] = finish(contentPath, started, { ok: true, sessions, store: standing });
          return;
        }
        pending.push({ index: i, contentPath, sessions, started });
      } catch (error) {
        outcomes[i] = failed(finish(contentPath, started, { ok: false, failure: toFailure(error) }), options);
      }
    });
    if (pending.length > 0 && !options.signal?.aborted) {
      await lookUp(target, pending, outcomes, options, now, (p, result) => finish(p.contentPath, p.started, result));
    }
    return outcomes;
  });
  const outcomes = (await Promise.all(perCluster)).flat();
  return options.signal?.aborted ? undefined : outcomes;
}

/** Runs `task(0 … count-1)`, `concurrency` at a time. */
async function inTurns(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  // `concurrency` workers taking the next index in turn: the same bound as a limiter's queue,
  // without a promise and a closure per path (a visible share of a 10,000-path cycle).
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function newest(a: StoreLookup | undefined, b: StoreLookup | undefined): StoreLookup | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.checkedMs > a.checkedMs ? b : a;
}

/**
 * The store lookups of one cluster's pending paths: a folder that holds two or more of the
 * cluster's watched files is listed once, and the listing answers for each of them (and, kept in
 * `options.listings`, for the others when their turn comes); any other path is looked up alone. A
 * listing with more pages or entries than a lookup reads falls back to one lookup per file.
 */
async function lookUp(
  target: ClusterTarget,
  pending: readonly PendingLookup[],
  outcomes: Array<PollOutcome | HeldPath>,
  options: CycleOptions,
  now: () => number,
  finish: (p: PendingLookup, result: PollOutcome['result']) => PollOutcome,
): Promise<void> {
  const cluster = target.cluster;
  const client = target.client;
  const signal = options.signal;
  const record = (failure?: PollFailure): void => {
    if (!signal?.aborted) options.lookups?.record(cluster, failure);
  };
  const single = async (p: PendingLookup): Promise<void> => {
    try {
      const file = await client.getStoreFile(p.contentPath, { signal });
      record();
      outcomes[p.index] = finish(p, { ok: true, sessions: p.sessions, store: { file, checkedMs: now() } });
    } catch (error) {
      // GetUploadSession answered, so the poll succeeded: a lookup the gateway refuses (an older
      // runtime, an identity not granted the listing) leaves only the path's state unknown. It is
      // counted per cluster and logged once per cluster by the poller, not once per path.
      const storeFailure = toFailure(error);
      record(storeFailure);
      outcomes[p.index] = finish(p, { ok: true, sessions: p.sessions, storeFailure });
    }
  };
  const tasks: Array<() => Promise<void>> = [];
  const byFolder = new Map<string, { spelled: string; members: PendingLookup[] }>();
  const watched = client.listStoreFolder === undefined || options.listings === undefined ? undefined : watchedPerFolder(target.contentPaths);
  for (const p of pending) {
    const folder = watched && folderOf(p.contentPath);
    if (!folder || (watched?.get(folder.key) ?? 0) < 2) {
      tasks.push(() => single(p));
      continue;
    }
    let group = byFolder.get(folder.key);
    if (group === undefined) {
      group = { spelled: folder.spelled, members: [] };
      byFolder.set(folder.key, group);
      const { spelled, members } = group;
      const key = folder.key;
      tasks.push(async () => {
        let listing: StoreFolderListing;
        try {
          listing = await (client.listStoreFolder as NonNullable<SessionLister['listStoreFolder']>)(spelled, { signal });
          record();
        } catch (error) {
          const storeFailure = toFailure(error);
          record(storeFailure);
          for (const m of members) outcomes[m.index] = finish(m, { ok: true, sessions: m.sessions, storeFailure });
          return;
        }
        if (!listing.complete) {
          // Too large a folder to read whole: its files one by one, as before listings.
          for (const m of members) await single(m);
          return;
        }
        const checkedMs = now();
        options.listings?.set(cluster, key, checkedMs, listing.files);
        for (const m of members) {
          outcomes[m.index] = finish(m, { ok: true, sessions: m.sessions, store: options.listings?.get(cluster, m.contentPath) ?? { file: undefined, checkedMs } });
        }
      });
    }
    group.members.push(p);
  }
  await inTurns(tasks.length, options.concurrency, (i) => (tasks[i] as () => Promise<void>)());
}

/** How many of a cluster's watched paths each folder holds, by folder key. */
function watchedPerFolder(contentPaths: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const path of contentPaths) {
    const folder = folderOf(path);
    if (folder) counts.set(folder.key, (counts.get(folder.key) ?? 0) + 1);
  }
  return counts;
}

/** Logs a failed poll (unless the cycle is being aborted) and returns its outcome with the backoff capped. */
function failed(outcome: PollOutcome, options: CycleOptions): PollOutcome {
  const result = outcome.result;
  if (result.ok) return outcome;
  const raw = result.failure;
  const retryAfterMs = raw.retryAfterMs === undefined ? undefined : Math.min(raw.retryAfterMs, options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  const failure: PollFailure = { ...raw, retryAfterMs };
  const capped: PollOutcome = { ...outcome, result: { ok: false, failure } };
  if (!options.signal?.aborted) {
    // Exactly one line per failed poll; the message already carries method and URL. A backoff is
    // announced in that same line, since it starts with this failure.
    const backoffUntil = retryAfterMs ? new Date(capped.finishedMs + retryAfterMs).toISOString() : undefined;
    options.logger.warn(
      {
        sf_cluster: outcome.cluster,
        content_path: clip(outcome.contentPath, MAX_LOGGED_PATH_CHARS),
        reason: failure.reason,
        status: failure.status,
        fabric_code: failure.code,
        backoff_until: backoffUntil,
      },
      `poll failed: ${failure.message}${backoffUntil ? `; the cluster asked to retry later (Retry-After): not polling this path again before ${backoffUntil}` : ''}`,
    );
  }
  return capped;
}

/**
 * Longest content path written into a log line: a path may be 32,768 characters long and a failing
 * one is logged every cycle, so the line carries its start (the metrics and the page keep it whole).
 */
const MAX_LOGGED_PATH_CHARS = 512;

/**
 * Longest failure message kept. The client bounds the cluster's parts of its messages; this bounds
 * the whole, whatever threw, because the message is shown in logs, on the page and in the JSON.
 */
const MAX_FAILURE_MESSAGE_CHARS = 2000;

/** Reduces whatever a client threw to the classified failure the metrics and logs use. */
export function toFailure(error: unknown): PollFailure {
  if (error instanceof ServiceFabricError) {
    const code = 'code' in error && typeof error.code === 'string' ? clip(error.code, MAX_FABRIC_CODE_CHARS) : undefined;
    return { reason: error.reason, message: clip(error.message, MAX_FAILURE_MESSAGE_CHARS), status: error.status, code, retryAfterMs: error.retryAfterMs };
  }
  // A client bug, not a cluster answer: still one classified failure rather than a crash.
  const message = error instanceof Error ? error.message : String(error);
  return { reason: 'invalid_response', message: clip(`unexpected client error: ${message}`, MAX_FAILURE_MESSAGE_CHARS) };
}
