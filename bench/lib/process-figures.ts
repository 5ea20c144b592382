/** What every benchmark worker reports about its own process. */

/**
 * Heap and RSS after forced GCs (the worker runs with --expose-gc), once the memory they free has
 * been given back: V8 unmaps freed pages on a background thread, so an RSS read right after a GC
 * still counts some of them, and how many depends on what the process did just before.
 */
export async function memoryAfterGc(): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('the worker needs --expose-gc');
  // Twice: the first collection can leave garbage that only a finalizer freed.
  collect();
  collect();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  collect();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

const SETTLE_MS = 500;

/** CPU time of this process so far, ms. */
export function cpuTime(): { cpuMs: number; userMs: number } {
  const used = process.cpuUsage();
  return { cpuMs: (used.user + used.system) / 1000, userMs: used.user / 1000 };
}
