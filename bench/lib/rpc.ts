/**
 * A tiny request/response protocol over a forked child's IPC channel, so each benchmarked party
 * (exporter, simulator, static server, SDK poller) runs in its own process: its CPU time and RSS
 * are its own, and it does not compete with the load generator on one event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Handler = (args: never) => unknown;

interface Request {
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** A worker process and how to call it. */
export interface Worker {
  readonly pid: number;
  call<T>(op: string, args?: unknown): Promise<T>;
  /** Asks the worker to exit (op `close`, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * The Node flags of the container image's ENTRYPOINT (Dockerfile), given to the exporter and to the
 * minimal holder it is compared with: old space grows to 1.5 × what a full GC left alive, not up
 * to 4 × (docs/performance.md, "Memory").
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=50'];

/**
 * The image's NODE_OPTIONS (Dockerfile), given to the same two: the young generation's
 * semi-spaces stop at 8 MB, not at the 16 MB Node gives a process that sees more than 2 GiB.
 */
export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=8';

/** Forks `dist/bench/workers/<name>.js` (with --expose-gc, so workers can measure memory after a GC). */
export async function startWorker(name: string): Promise<Worker> {
  const script = fileURLToPath(new URL(`../workers/${name}.js`, import.meta.url));
  // The exporter runs with the allocator setting of the container image (Dockerfile), and so does
  // the static server and the minimal holder whose memory it is compared with.
  const imaged = name === 'exporter' || name === 'holder';
  const env = imaged || name === 'static-server' ? { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', ...(imaged ? { NODE_OPTIONS: IMAGE_NODE_OPTIONS } : {}) } : process.env;
  const image = imaged ? IMAGE_NODE_FLAGS : [];
  const child: ChildProcess = fork(script, [], { execArgv: ['--expose-gc', ...image, ...extraExecArgv(name)], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`${name} worker: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} worker exited (${code ?? signal})`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  const call = <T>(op: string, args?: unknown): Promise<T> => {
    if (exited) return Promise.reject(new Error(`${name} worker has exited`));
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args } satisfies Request);
    });
  };
  return {
    pid: child.pid ?? -1,
    call,
    stop: async () => {
      if (exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await call('close').catch(() => undefined);
      child.disconnect();
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** `BENCH_CPU_PROF=<worker name>` runs that worker under `node --cpu-prof` (profiles land in bench/results/profiles); `BENCH_TRACE_GC=<worker name>` under `--trace-gc`. */
function extraExecArgv(name: string): string[] {
  // `BENCH_EXPORTER_NODE_FLAGS`: V8 or Node flags for the exporter worker, to try a setting.
  const flags = name === 'exporter' ? (process.env.BENCH_EXPORTER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '') : [];
  if (process.env.BENCH_TRACE_GC === name) return [...flags, '--trace-gc'];
  if (process.env.BENCH_CPU_PROF !== name) return flags;
  return [...flags, '--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('../../../bench/results/profiles', import.meta.url))}`];
}

/** Worker side: answers requests with `handlers`; `close` runs the handler of that name, then exits. */
export function serve(handlers: Record<string, Handler>): void {
  process.on('message', (message: Request) => {
    const handler = handlers[message.op];
    const reply = (r: Omit<Reply, 'id'>): void => {
      process.send?.({ id: message.id, ...r });
    };
    if (!handler) {
      reply({ error: `unknown op ${message.op}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args as never))
      .then(
        (result) => {
          reply({ result: result ?? null });
          if (message.op === 'close') setImmediate(() => process.exit(0));
        },
        (error: unknown) => reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
