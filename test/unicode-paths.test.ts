/**
 * Paths outside the Basic Multilingual Plane, end to end: the built exporter (`dist/`, as users run
 * it) polls the simulator, which writes JSON as a real gateway does, so an emoji and U+20BB7 in a
 * `StoreRelativePath` arrive as CESU-8 surrogate pairs. Both paths must reach `/metrics` with their
 * real names and exact remaining bytes, and the exposition must stay valid for promtool.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../src/simulator/server.js';
import { parseExposition, valueOf, type Series } from './helpers/exposition.js';
import { startDaemon, type Daemon } from './helpers/run-cli.js';
import { uploadChunk } from './helpers/upload.js';

const EMOJI_PATH = 'Store\\Release \u{1F680}\\app.zip';
const CJK_PATH = 'Store\\\u{20BB7}\u91CE\u5BB6\\pkg.bin';
const UPLOADS = [
  { path: EMOJI_PATH, sessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1', fileSize: 1000, received: { start: 0, end: 399 }, remaining: 600 },
  { path: CJK_PATH, sessionId: 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5', fileSize: 2048, received: { start: 1024, end: 2047 }, remaining: 1024 },
];

let dir: string;
let sim: Simulator;
let daemon: Daemon | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sf-unicode-'));
  sim = await startSimulator();
  for (const u of UPLOADS) expect(await uploadChunk(sim.url, u.path, u.sessionId, { ...u.received, fileSize: u.fileSize })).toBe(200);
  // YAML single quotes keep the backslashes as they are.
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `poll:\n  schedule: "* * * * * *"\n  request_timeout: 5s\nclusters:\n  - name: sim\n    endpoint: ${sim.url}\n    content_paths: [${UPLOADS.map((u) => `'${u.path}'`).join(', ')}]\n`,
  );
  daemon = await startDaemon(['--config.file', config]);
});

afterAll(async () => {
  const child: ChildProcess | undefined = daemon?.child;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Scrapes until every path has been polled once (the suite's timeout bounds it; no timing asserted). */
async function scrapeAfterFirstPolls(): Promise<{ text: string; series: Series[] }> {
  for (;;) {
    const text = await (await fetch(`http://${daemon!.address}/metrics`)).text();
    const series = parseExposition(text);
    const polled = UPLOADS.every((u) => series.some((s) => s.name === 'servicefabric_imagestore_poll_success' && s.labels.content_path === u.path));
    if (polled) return { text, series };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('paths outside the BMP, polled through the built exporter', () => {
  it('arrive from the simulator as CESU-8, not UTF-8', async () => {
    const res = await fetch(`${sim.url}/ImageStore/${encodeURIComponent(EMOJI_PATH)}/$/GetUploadSession?api-version=6.0`);
    const bytes = Buffer.from(await res.arrayBuffer());
    // U+1F680 is D83D DE80: two 3-byte surrogates where UTF-8 has F0 9F 9A 80.
    expect(bytes.includes(Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xba, 0x80]))).toBe(true);
    expect(bytes.includes(Buffer.from('\u{1F680}', 'utf8'))).toBe(false);
  });

  it('appear on /metrics with their real names and remaining bytes', async () => {
    const { series } = await scrapeAfterFirstPolls();
    for (const u of UPLOADS) {
      expect(valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: u.path })).toBe(1);
      const labels = { sf_cluster: 'sim', content_path: u.path, store_relative_path: u.path, session_id: u.sessionId };
      expect(valueOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes', labels)).toBe(u.remaining);
      expect(valueOf(series, 'servicefabric_imagestore_upload_session_size_bytes', labels)).toBe(u.fileSize);
    }
    expect(series.filter((s) => s.name === 'servicefabric_imagestore_poll_failures_total' && s.value > 0)).toEqual([]);
  });

  it('keep the exposition valid for promtool check metrics', async () => {
    const { text } = await scrapeAfterFirstPolls();
    expect(text).toContain(`content_path="${EMOJI_PATH.replace(/\\/g, '\\\\')}"`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });
});
