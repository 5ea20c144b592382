/**
 * Hot and cold paths end to end: the exporter against the simulator, with two packages described by
 * path files and a short poll.idle_interval. A session that starts on a cold path shows at the
 * path's turn; from then on its package is hot, so the next file of the copy shows in the very next
 * cycle, while the other package's files stay at their own turns.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exporter } from '../src/exporter.js';
import { formatPathFile } from '../src/pathfiles/path-file-format.js';
import { startSimulator } from '../src/simulator/server.js';
import { parseExposition, seriesOf } from './helpers/exposition.js';
import { startOneCycleExporter } from './helpers/exporter.js';
import { uploadChunk } from './helpers/upload.js';

const running: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const IDLE_MS = 4000;
const FILE_SIZE = 4096;
const files = (app: string): string[] => Array.from({ length: 4 }, (_, i) => `Store\\${app}\\Code\\file${i}.dll`);
const A = files('AppA');
const B = files('AppB');

async function statesOn(exp: Exporter): Promise<Map<string, string | undefined>> {
  const series = parseExposition(await (await fetch(`http://${exp.address}/metrics`)).text());
  const out = new Map<string, string | undefined>();
  for (const s of seriesOf(series, 'servicefabric_imagestore_path_state')) {
    if (!out.has(s.labels.content_path as string)) out.set(s.labels.content_path as string, undefined);
    if (s.value === 1) out.set(s.labels.content_path as string, s.labels.state as string);
  }
  return out;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('cold paths end to end', () => {
  it("shows a cold path's new upload at its turn, then wakes its package: the next file shows in the next cycle", async () => {
    const sim = await startSimulator();
    running.push(sim);
    const dir = mkdtempSync(join(tmpdir(), 'sfue-cold-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.yaml'), formatPathFile({ package: 'AppA', version: '1', entries: A.map((path) => ({ path, size: FILE_SIZE })) }));
    writeFileSync(join(dir, 'b.yaml'), formatPathFile({ package: 'AppB', version: '1', entries: B.map((path) => ({ path, size: FILE_SIZE })) }));
    const exp = await startOneCycleExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [], contentPathFiles: [join(dir, '*.yaml')] }], {
      poll: { idleIntervalMs: IDLE_MS },
    });
    running.push(exp);
    // The start-up cycle polls every path and lists each package's folder once.
    expect(sim.requestCounts()).toMatchObject({ GetUploadSessionByPath: 8, ListContent: 2 });
    expect([...(await statesOn(exp)).values()]).toEqual(Array(8).fill('absent'));

    // A copy starts on A's first file: a cold path, shown at its turn (within the interval).
    const sessionA0 = globalThis.crypto.randomUUID();
    expect(await uploadChunk(sim.url, A[0] as string, sessionA0, { start: 0, end: 1023, fileSize: FILE_SIZE })).toBe(200);
    let ticks = 0;
    while ((await statesOn(exp)).get(A[0] as string) !== 'uploading') {
      expect(ticks).toBeLessThan(60);
      await pause(200);
      await exp.poller.tick();
      ticks += 1;
    }

    // The package is hot now: its next file shows in the very next cycle.
    const sessionA1 = globalThis.crypto.randomUUID();
    expect(await uploadChunk(sim.url, A[1] as string, sessionA1, { start: 0, end: 1023, fileSize: FILE_SIZE })).toBe(200);
    await exp.poller.tick();
    const states = await statesOn(exp);
    expect(states.get(A[1] as string)).toBe('uploading');
    expect(B.map((path) => states.get(path))).toEqual(Array(4).fill('absent'));

    // Every file of A every cycle; B's files at most once each over less than one interval.
    const before = sim.requestCounts().GetUploadSessionByPath ?? 0;
    const windowStarted = Date.now();
    for (let i = 0; i < 4; i++) await exp.poller.tick();
    const asked = (sim.requestCounts().GetUploadSessionByPath ?? 0) - before;
    expect(asked).toBeGreaterThanOrEqual(4 * A.length);
    if (Date.now() - windowStarted < IDLE_MS) expect(asked).toBeLessThanOrEqual(4 * A.length + B.length);
  });
});
