/**
 * Large answers are decoded and parsed one per event-loop turn. A cycle polls up to
 * `poll.concurrency` paths at once, so their answers tend to arrive together; decoded back to back,
 * eight answers of 4 MiB held every HTTP request (`/-/healthy` included) for their sum.
 */

/** Below this many bytes an answer costs less than a turn is worth. */
export const OWN_TURN_BYTES = 256 * 1024;

let last: Promise<void> = Promise.resolve();

/**
 * Resolves in an event-loop turn of its own, after every earlier caller's: each turn is scheduled
 * only once the one before it has run, so the loop reads sockets between any two of them.
 */
export function ownTurn(): Promise<void> {
  last = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  return last;
}
