/**
 * What a watched path is, as of one poll, and what decides it: its upload sessions, or, without
 * any, the image store.
 */
import type { UploadSession } from '../servicefabric/session.js';
import type { StoreFile } from '../servicefabric/store-file.js';

/**
 * The values of the `state` label of `servicefabric_imagestore_path_state`. `uploading`: a session
 * with bytes missing; `received`: a session with nothing missing (committed or awaiting commit:
 * the API cannot tell); `in_store`: no session, and the image store holds the file; `absent`: no
 * session, and the store holds no file there (not started, or lost).
 */
export const PATH_STATES = ['uploading', 'received', 'in_store', 'absent'] as const;
export type PathStateName = (typeof PATH_STATES)[number];

/** What looking a path without a session up in the image store found. */
export interface StoreLookup {
  /** The stored file at the path; undefined when the store holds none there (nothing, or a folder). */
  readonly file: StoreFile | undefined;
  /** Unix ms at which the lookup answered: a file found is looked up again only a recheck interval later. */
  readonly checkedMs: number;
}

/**
 * The state one successful poll shows: from the sessions when there are any (bytes missing from
 * any of them make it `uploading`), otherwise from the store lookup. Undefined without either
 * (a poll that made no lookup for a path without a session: nothing to tell).
 */
export function pathStateOf(sessions: readonly UploadSession[], store: StoreLookup | undefined): PathStateName | undefined {
  if (sessions.length > 0) return sessions.some((s) => s.remainingBytes > 0) ? 'uploading' : 'received';
  if (store === undefined) return undefined;
  return store.file === undefined ? 'absent' : 'in_store';
}
