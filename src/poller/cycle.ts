import type { Logger } from '../log.js';
import type { UploadSession } from '../servicefabric/session.js';
import type { StoreFile } from '../servicefabric/store-file.js';
import { clip, MAX_FABRIC_CODE_CHARS, ServiceFabricError } from '../servicefabric/errors.js';
import type { ClusterPackages } from '../pathfiles/package-model.js';
import type { PathState, PollFailure, StoreLookup } from '../model/path-state.js';
import { storeRecheckDueMs } from './recheck.js';
import { carriedOver, type HeldPath, type PathIndex, type PollOutcome } from './snapshot.js';

/** What the poller needs from a cluster client; `ServiceFabricClient` implements it. */
export interface SessionLister {
  getUploadSessions(contentPath: string, options?: { signal?: AbortSignal }): Promise<UploadSession[]>;
  /** The file the image store holds at the path, or undefined when it holds none. */
  getStoreFile(contentPath: string, options?: { signal?: AbortSignal }): Promise<StoreFile | undefined>;
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
   * after `Retry-After` is held (it comes back as a `HeldPath`); a poll that finds the same
   * sessions keeps those objects and drops its equal copies at once, so the copies die young
   * instead of being promoted by the garbage collector; a store lookup that found the file stands
   * until its recheck is due (a path without a session that has none is looked up).
   */
  readonly previous?: PathIndex;
  /** Unix ms at which the cycle started: backoffs and rechecks are judged against it (default: now). */
  readonly startedMs?: number;
  /** `poll.store_recheck_interval` (default 0: every path without a session is looked up). */
  readonly storeRecheckIntervalMs?: number;
  /**
   * Longest `Retry-After` honoured: a cluster asking for more is polled again after this long, so a
   * bogus header cannot silence a path indefinitely.
   * @default 600000 (10 minutes)
   */
  readonly maxBackoffMs?: number;
}

/** Default cap on a `Retry-After` backoff. */
const DEFAULT_MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Polls every path of every cluster once, at most `concurrency` requests in flight per cluster, and
 * returns one outcome per path in configuration order (a held path yields a `HeldPath` instead).
 * Never rejects: each failure becomes an outcome. Returns undefined if the cycle was aborted.
 */
export async function runCycle(targets: readonly ClusterTarget[], options: CycleOptions): Promise<Array<PollOutcome | HeldPath> | undefined> {
  const now = options.now ?? Date.now;
  const startedMs = options.startedMs ?? now();
  const perCluster = targets.map(async (target) => {
    const paths = target.contentPaths;
    const outcomes = new Array<PollOutcome | HeldPath>(paths.length);
    let next = 0;
    // `concurrency` workers taking the next path in turn: the same bound as a limiter's queue,
    // without a promise and a closure per path (a visible share of a 10,000-path cycle).
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const i = next++;
        const contentPath = paths[i] as string;
        const prior = options.previous?.get(target.cluster, contentPath);
        outcomes[i] = (prior?.backoffUntilMs ?? 0) > startedMs
          ? { cluster: target.cluster, contentPath, held: true }
          : await pollOne(target, contentPath, prior, startedMs, options, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, paths.length) }, worker));
    return outcomes;
  });
  const outcomes = (await Promise.all(perCluster)).flat();
  return options.signal?.aborted ? undefined : outcomes;
}

/** `prior`'s store lookup while it stands: it found the file, and its recheck is not due at `startedMs`. */
function standingLookup(prior: PathState | undefined, startedMs: number, recheckMs: number): StoreLookup | undefined {
  const store = prior?.store;
  // Only a lookup that found the file stands: an absent path is looked up every cycle, since a
  // file can arrive without any session (a whole-file upload).
  if (prior?.state !== 'in_store' || store === undefined) return undefined;
  return startedMs < storeRecheckDueMs(store.checkedMs, recheckMs, prior.cluster, prior.contentPath) ? store : undefined;
}

async function pollOne(target: ClusterTarget, contentPath: string, prior: PathState | undefined, startedMs: number, options: CycleOptions, now: () => number): Promise<PollOutcome> {
  const started = performance.now();
  const finish = (result: PollOutcome['result']): PollOutcome => ({
    cluster: target.cluster,
    contentPath,
    durationSeconds: (performance.now() - started) / 1000,
    finishedMs: now(),
    result,
  });
  if (options.signal?.aborted) {
    return finish({ ok: false, failure: { reason: 'connection', message: 'aborted before start' } });
  }
  try {
    const sessions = carriedOver(prior?.sessions, await target.client.getUploadSessions(contentPath, { signal: options.signal }));
    if (sessions.length > 0) return finish({ ok: true, sessions });
    // No session: the store tells a file that is there from one that is not. A failed lookup is
    // this path's failed poll, like a failed GetUploadSession.
    const store = standingLookup(prior, startedMs, options.storeRecheckIntervalMs ?? 0) ?? {
      file: await target.client.getStoreFile(contentPath, { signal: options.signal }),
      checkedMs: now(),
    };
    return finish({ ok: true, sessions, store });
  } catch (error) {
    const raw = toFailure(error);
    const retryAfterMs = raw.retryAfterMs === undefined ? undefined : Math.min(raw.retryAfterMs, options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
    const failure: PollFailure = { ...raw, retryAfterMs };
    const outcome = finish({ ok: false, failure });
    if (!options.signal?.aborted) {
      // Exactly one line per failed poll; the message already carries method and URL. A backoff is
      // announced in that same line, since it starts with this failure.
      const backoffUntil = retryAfterMs ? new Date(outcome.finishedMs + retryAfterMs).toISOString() : undefined;
      options.logger.warn(
        {
          sf_cluster: target.cluster,
          content_path: contentPath,
          reason: failure.reason,
          status: failure.status,
          fabric_code: failure.code,
          backoff_until: backoffUntil,
        },
        `poll failed: ${failure.message}${backoffUntil ? `; the cluster asked to retry later (Retry-After): not polling this path again before ${backoffUntil}` : ''}`,
      );
    }
    return outcome;
  }
}

/**
 * Longest failure message kept. The client bounds the cluster's parts of its messages; this bounds
 * the whole, whatever threw, because the message is shown in logs, on the page and in the JSON.
 */
const MAX_FAILURE_MESSAGE_CHARS = 2000;

/** Reduces whatever a client threw to the classified failure the metrics and logs use. */
function toFailure(error: unknown): PollFailure {
  if (error instanceof ServiceFabricError) {
    const code = 'code' in error && typeof error.code === 'string' ? clip(error.code, MAX_FABRIC_CODE_CHARS) : undefined;
    return { reason: error.reason, message: clip(error.message, MAX_FAILURE_MESSAGE_CHARS), status: error.status, code, retryAfterMs: error.retryAfterMs };
  }
  // A client bug, not a cluster answer: still one classified failure rather than a crash.
  const message = error instanceof Error ? error.message : String(error);
  return { reason: 'invalid_response', message: clip(`unexpected client error: ${message}`, MAX_FAILURE_MESSAGE_CHARS) };
}
