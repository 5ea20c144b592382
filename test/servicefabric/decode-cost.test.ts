/**
 * What a hostile cluster can make one answer cost once it is not plain UTF-8. The built exporter
 * (`dist/`, in a child process of its own, so its peak memory is its own) polls 8 paths at the
 * default concurrency; each answer is one valid session of 4 MiB, all ASCII but for one CESU-8 pair
 * (what a real gateway writes for an emoji). The same answer in ASCII is the yardstick: the pair
 * must not multiply the peak memory, nor hold `/-/healthy` while the answers are decoded.
 *
 * Measured here rather than in the bench because the figure is the finding's acceptance test:
 * a decoder that worked on text cost about 3.5 times the ASCII peak and held the event loop for
 * seconds.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { startDaemon } from '../helpers/run-cli.js';

const PATHS = 8;
const BODY_BYTES = 4 * 1024 * 1024;
/** Cycles measured after the start-up cycle. */
const CYCLES = 3;

/** The CESU-8 bytes of U+1F600, as the runtime writes it: D83D DE00, three bytes each. */
const CESU8_PAIR = Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);

/**
 * A valid answer of just under 4 MiB: `start`, then a field no reader knows (and so ignores) that
 * holds `marker` (6 bytes) once amid ASCII padding. The cost is the decoding's alone.
 */
function answer(start: string, marker: Buffer): Buffer {
  const head = Buffer.from(`${start},"Padding":"`);
  const tail = Buffer.from('"}');
  const filler = Buffer.alloc(BODY_BYTES - head.length - tail.length - marker.length, 'a');
  return Buffer.concat([head, filler.subarray(0, filler.length >> 1), marker, filler.subarray(filler.length >> 1), tail]);
}

const ANSWERS = {
  /** GetUploadSession: one session. */
  sessions: (marker: Buffer): Buffer =>
    answer(
      '{"UploadSessions":[{"StoreRelativePath":"Store\\\\app.zip","SessionId":"2032ac6c-a348-4594-86da-dab0f2bb1ae1","FileSize":"1000","ModifiedDate":"2017-09-28T17:28:11.627Z","ExpectedRanges":[{"StartPosition":"10","EndPosition":"99"}]}]',
      marker,
    ),
  /** A store listing without the file: the path stays absent, so it is looked up every cycle. */
  'store lookups': (marker: Buffer): Buffer => answer('{"StoreFiles":[],"StoreFolders":[]', marker),
};

/** Peak resident memory of a process so far, bytes (Linux). */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

interface Figures {
  readonly peakRssBytes: number;
  readonly slowestHealthyMs: number;
}

let dir: string | undefined;
let server: TestServer | undefined;
let child: ChildProcess | undefined;

/** Stops the exporter, the gateway and removes the configuration. */
async function stop(): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

afterEach(stop);

/**
 * Runs the exporter against a gateway answering `body` for every path (to GetUploadSession, or to
 * the store lookup after a 204 there), through the start-up cycle and CYCLES more.
 */
async function measure(kind: keyof typeof ANSWERS, marker: Buffer): Promise<Figures> {
  const body = ANSWERS[kind](marker);
  let requests = 0;
  server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const lookup = req.url?.startsWith('/ImageStore/') === true;
    if (kind === 'store lookups' && !lookup) {
      res.writeHead(204).end();
      return;
    }
    requests += 1;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) }).end(body);
  });
  dir = mkdtempSync(join(tmpdir(), 'sf-decode-cost-'));
  const config = join(dir, 'config.yaml');
  const paths = Array.from({ length: PATHS }, (_, i) => `'Store\\p${i}.zip'`).join(', ');
  // Default concurrency (8): every path of a cycle is fetched and decoded at once.
  writeFileSync(config, `poll:\n  schedule: "* * * * * *"\n  request_timeout: 30s\nclusters:\n  - name: hostile\n    endpoint: ${server.url}\n    content_paths: [${paths}]\n`);
  const daemon = await startDaemon(['--config.file', config]);
  child = daemon.child;
  let slowest = 0;
  // A cycle starts only once the one before it has finished, so the first request of cycle N + 1
  // means N cycles were read, decoded and parsed whole.
  while (requests <= PATHS * (CYCLES + 1)) {
    const started = performance.now();
    const res = await fetch(`http://${daemon.address}/-/healthy`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    // From the second cycle on: the first one also loads and compiles the exporter's code.
    if (requests > PATHS) slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { peakRssBytes: peakRss(child.pid!), slowestHealthyMs: slowest };
}

const linux = existsSync('/proc/self/status');

describe('an answer that is ASCII but for one CESU-8 pair', () => {
  (linux ? it.each(Object.keys(ANSWERS) as Array<keyof typeof ANSWERS>) : it.skip.each(Object.keys(ANSWERS) as Array<keyof typeof ANSWERS>))(
    '%s: costs at most twice the peak memory of the same answer in ASCII, and /-/healthy answers within 500 ms while 8 are decoded',
    async (kind) => {
      const ascii = await measure(kind, Buffer.from('xxxxxx'));
      await stop();
      const cesu8 = await measure(kind, CESU8_PAIR);
      const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
      // The figures, for whoever reads the run: the assertions below are the verdict.
      console.log(
        `${kind}: peak RSS: ASCII ${mib(ascii.peakRssBytes)}, CESU-8 ${mib(cesu8.peakRssBytes)}; slowest /-/healthy: ASCII ${ascii.slowestHealthyMs.toFixed(0)} ms, CESU-8 ${cesu8.slowestHealthyMs.toFixed(0)} ms`,
      );
      expect(cesu8.peakRssBytes).toBeLessThanOrEqual(2 * ascii.peakRssBytes);
      // 500 ms is the target on a machine of its own. On a shared one the ASCII case alone can come
      // near it, so the bound grows with it: a decoder that works on text took 20 times the ASCII case.
      expect(cesu8.slowestHealthyMs).toBeLessThan(Math.max(500, 4 * ascii.slowestHealthyMs));
    },
    120_000,
  );
});
