/**
 * What a hostile cluster can make one answer cost once it is not plain UTF-8 (the answers of
 * bench/lib/hostile-answers.ts): the built exporter (`dist/`, in a child process of its own, so its
 * peak memory is its own) polls 8 paths whose answers are 4 MiB, ASCII but for one CESU-8 pair. The
 * pair must not multiply the peak memory: a decoder that worked on text cost about 3.5 times the
 * ASCII peak. How long `/-/healthy` waits meanwhile is a speed figure: the bench measures it
 * (`npm run bench -- --decode`).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASCII_MARKER, answersRequest, CESU8_PAIR, HOSTILE_ANSWERS, HOSTILE_PATHS, hostileConfig, peakRss, type HostileKind } from '../../bench/lib/hostile-answers.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { startDaemon } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait.js';

/** Cycles measured after the start-up cycle. */
const CYCLES = 3;

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

/** The exporter's peak RSS through the start-up cycle and CYCLES more against a gateway answering `kind` with `marker` in it. */
async function peakRssPolling(kind: HostileKind, marker: Buffer): Promise<number> {
  const body = HOSTILE_ANSWERS[kind](marker);
  let requests = 0;
  server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    if (!answersRequest(kind, req.url)) {
      res.writeHead(204).end();
      return;
    }
    requests += 1;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) }).end(body);
  });
  dir = mkdtempSync(join(tmpdir(), 'sf-decode-cost-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, hostileConfig(server.url));
  const daemon = await startDaemon(['--config.file', config]);
  child = daemon.child;
  // A cycle starts only once the one before it has finished, so the first request of cycle N + 1
  // means N cycles were read, decoded and parsed whole.
  await waitFor(`${CYCLES + 1} poll cycles`, () => requests > HOSTILE_PATHS * (CYCLES + 1), { timeoutMs: 100_000 });
  return peakRss(child.pid!);
}

const linux = existsSync('/proc/self/status');

describe('an answer that is ASCII but for one CESU-8 pair', () => {
  (linux ? it.each(Object.keys(HOSTILE_ANSWERS) as HostileKind[]) : it.skip.each(Object.keys(HOSTILE_ANSWERS) as HostileKind[]))(
    '%s: costs at most twice the peak memory of the same answer in ASCII, 8 of them decoded at once',
    async (kind) => {
      const ascii = await peakRssPolling(kind, ASCII_MARKER);
      await stop();
      const cesu8 = await peakRssPolling(kind, CESU8_PAIR);
      const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
      // The figures, for whoever reads the run: the assertion below is the verdict.
      console.log(`${kind}: peak RSS: ASCII ${mib(ascii)}, CESU-8 ${mib(cesu8)}`);
      expect(cesu8).toBeLessThanOrEqual(2 * ascii);
    },
    240_000,
  );
});
