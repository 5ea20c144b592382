/**
 * `/-/healthy` while a hostile cluster's answers are decoded: the built exporter, in a process of
 * its own, polls 8 paths whose answers are 4 MiB, ASCII but for one CESU-8 pair
 * (lib/hostile-answers.ts), and the slowest `/-/healthy` over the cycles after the start-up one is
 * its figure; the same answers in ASCII are the yardstick. A speed figure, so measured here and not
 * in the test, which holds the peak memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASCII_MARKER, answersRequest, CESU8_PAIR, HOSTILE_ANSWERS, HOSTILE_PATHS, hostileConfig, peakRss, type HostileKind } from './lib/hostile-answers.js';

/** Cycles measured after the start-up cycle (which also loads and compiles the exporter's code). */
const CYCLES = 3;
const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** One exporter run against one kind of answer. */
interface DecodeFigures {
  readonly slowestHealthyMs: number;
  /** Peak RSS of the exporter's process; undefined where /proc is not (not Linux). */
  readonly peakRssBytes: number | undefined;
}

/** Both kinds of answer, in ASCII and with the pair. */
export type DecodeRun = Record<HostileKind, { readonly ascii: DecodeFigures; readonly cesu8: DecodeFigures }>;

/** Starts the built exporter on `config` and resolves with its address once it says it started. */
function startExporter(config: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [MAIN, '--web.listen-address', '127.0.0.1:0', '--config.file', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const match = /"listen_address":"([^"]+)"/.exec(line);
        if (match) resolve({ child, address: match[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`the exporter exited with ${code} before start-up`)));
  });
}

async function measureOne(kind: HostileKind, marker: Buffer): Promise<DecodeFigures> {
  const body = HOSTILE_ANSWERS[kind](marker);
  let requests = 0;
  const gateway: Server = createServer((req, res) => {
    if (!answersRequest(kind, req.url)) {
      res.writeHead(204).end();
      return;
    }
    requests += 1;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-decode-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, hostileConfig(`http://127.0.0.1:${(gateway.address() as AddressInfo).port}`));
  let exporter: { child: ChildProcess; address: string } | undefined;
  try {
    exporter = await startExporter(config);
    let slowest = 0;
    const deadline = Date.now() + 120_000;
    // A cycle starts only once the one before it has finished, so the first request of cycle N + 1
    // means N cycles were read, decoded and parsed whole.
    while (requests <= HOSTILE_PATHS * (CYCLES + 1)) {
      if (Date.now() > deadline) throw new Error(`decode: ${kind}: ${CYCLES + 1} cycles took over 120 s`);
      const started = performance.now();
      const res = await fetch(`http://${exporter.address}/-/healthy`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`decode: /-/healthy answered ${res.status}`);
      if (requests > HOSTILE_PATHS) slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const linux = existsSync(`/proc/${exporter.child.pid}/status`);
    return { slowestHealthyMs: slowest, peakRssBytes: linux ? peakRss(exporter.child.pid!) : undefined };
  } finally {
    if (exporter && exporter.child.exitCode === null) {
      const exited = new Promise((resolve) => exporter!.child.once('exit', resolve));
      exporter.child.kill('SIGKILL');
      await exited;
    }
    await new Promise<void>((resolve) => {
      gateway.close(() => resolve());
      gateway.closeAllConnections();
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures both kinds of answer, ASCII first, one exporter process each. */
export async function measureDecode(log: (line: string) => void): Promise<DecodeRun> {
  const run: Partial<Record<HostileKind, { ascii: DecodeFigures; cesu8: DecodeFigures }>> = {};
  for (const kind of Object.keys(HOSTILE_ANSWERS) as HostileKind[]) {
    const ascii = await measureOne(kind, ASCII_MARKER);
    const cesu8 = await measureOne(kind, CESU8_PAIR);
    const mib = (f: DecodeFigures): string => (f.peakRssBytes === undefined ? 'n/a' : `${(f.peakRssBytes / 1024 / 1024).toFixed(0)} MiB`);
    log(`  ${kind}: slowest /-/healthy ASCII ${ascii.slowestHealthyMs.toFixed(0)} ms, CESU-8 ${cesu8.slowestHealthyMs.toFixed(0)} ms; peak RSS ASCII ${mib(ascii)}, CESU-8 ${mib(cesu8)}`);
    run[kind] = { ascii, cesu8 };
  }
  return run as DecodeRun;
}
