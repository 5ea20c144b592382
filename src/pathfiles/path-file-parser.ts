/**
 * Path files parsed off the event loop. The yaml library parses synchronously, and a broken or
 * hostile file can cost far more than its size: 1 MiB of nested flow sequences ran 5 s into a
 * stack overflow, 2 MB of nested block sequences exhausted the heap and ended the process, and an
 * 11 MB list blocked `/-/healthy` for 5.7 s. So the YAML step runs in a worker thread with its own
 * heap limit and a deadline: a file that exceeds either is malformed, and neither the process nor
 * its event loop notices. Checking the entries (linear, and bounded by `path_files.max_entries`)
 * stays here.
 */
import { Worker } from 'node:worker_threads';
import { pathFileOf, type PathFileContent, PathFileError } from './path-file-format.js';
import type { PathFileYaml } from './path-file-yaml.js';

/**
 * The worker's module, built beside this one. Run from source (the tests, through ts-jest), this
 * module is TypeScript while a worker thread runs outside ts-jest, and Node 20 cannot load
 * TypeScript: the worker is then the build's, which is why the tests run after `npm run build`.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/src/pathfiles/path-file-parse-worker.js', import.meta.url)
  : // Stryker disable next-line StringLiteral: the build's own worker, only reached from dist/ (the tests that spawn the CLI)
    new URL('./path-file-parse-worker.js', import.meta.url);

/** Limits of one parser's work. */
interface ParserLimits {
  /** Longest one file may take to parse. */
  readonly timeoutMs: number;
  /** The worker's heap limit, MiB. */
  readonly heapMb: number;
}

/**
 * A worker started on the first parse and reused until `close` (the poller closes it after each
 * refresh, so no thread is kept between changes); one file at a time. A worker that overran its
 * deadline or heap is discarded and the next parse starts a new one.
 */
export class PathFileParser {
  readonly #limits: ParserLimits;
  #worker: Worker | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  /** The content of a path file's text; throws `PathFileError`. `maxPathLength`: `path_files.max_path_length`. */
  parse(text: string, maxEntries: number, maxPathLength = Number.POSITIVE_INFINITY): Promise<PathFileContent> {
    const run = this.#queue.then(() => this.#ask(text, maxEntries));
    this.#queue = run.catch(() => undefined);
    return run.then((answer) => pathFileOf(answer, maxEntries, maxPathLength));
  }

  /** Stops the worker, if one runs. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #start(): Worker {
    const { heapMb } = this.#limits;
    const worker = new Worker(WORKER_URL, {
      // The process's own flags are not the worker's: `--input-type`, say, stops a module worker from starting.
      // Stryker disable next-line ArrayDeclaration: only a flag given to the process (none in the in-process tests) would differ
      execArgv: [],
      // Stryker disable next-line MethodExpression,ArithmeticOperator: the young generation's size tunes garbage collection; the limit a file meets is the old generation's
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(32, heapMb / 4), stackSizeMb: 4 },
    });
    // A parse in progress must not hold a shutting-down process open.
    worker.unref();
    return worker;
  }

  #discard(worker: Worker): void {
    // Stryker disable next-line ConditionalExpression: only the current worker is discarded: an old one's listeners went when its parse settled
    if (this.#worker === worker) this.#worker = undefined;
    void worker.terminate();
  }

  #ask(text: string, maxEntries: number): Promise<PathFileYaml> {
    const worker = (this.#worker ??= this.#start());
    const { timeoutMs, heapMb } = this.#limits;
    return new Promise<PathFileYaml>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        // Stryker disable next-line StringLiteral: a listener left behind belongs to a settled parse, so nothing shows it but the memory it holds
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        outcome();
      };
      const onMessage = (answer: PathFileYaml): void => settle(() => resolve(answer));
      const onError = (error: Error & { code?: string }): void => {
        this.#discard(worker);
        // The worker catches every parse error itself: running out of heap is the only error it raises.
        const problem =
          // Stryker disable next-line ConditionalExpression: see above, no other error reaches here
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `needs more than ${heapMb} MiB of memory to parse (too large or too deeply nested)`
            : // Stryker disable next-line StringLiteral: see above, no other error reaches here
              `cannot be parsed: ${error.message}`;
        settle(() => reject(new PathFileError(problem)));
      };
      const onExit = (): void => {
        this.#discard(worker);
        settle(() => reject(new PathFileError('cannot be parsed: the parser stopped')));
      };
      const timer = setTimeout(() => {
        this.#discard(worker);
        settle(() => reject(new PathFileError(`took longer than ${timeoutMs / 1000} s to parse (too large or too deeply nested)`)));
      }, timeoutMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ text, maxEntries });
    });
  }
}
