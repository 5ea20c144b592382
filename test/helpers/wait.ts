/**
 * Waiting for something a test cannot be told about: poll a condition until it holds or a deadline
 * passes, rather than sleep for a guess (too short on a busy machine, too long everywhere else).
 */

/** Resolves once `probe` returns true; rejects naming `what` if it has not by `timeoutMs`. */
export async function waitFor(what: string, probe: () => boolean | Promise<boolean>, { timeoutMs = 15_000, intervalMs = 25 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
