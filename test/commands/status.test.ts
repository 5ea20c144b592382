import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { StatusView } from '../../src/status/view.js';
import { closedPort } from '../helpers/http-server.js';
import { sessionOperation, uploadChunk, uploadWholeFile } from '../helpers/upload.js';
import { MAIN, runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait.js';

const sims: Simulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator();
  sims.push(sim);
  return sim;
}

/** Writes a configuration (and any extra files) into a fresh folder; returns the config's path. */
function config(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-status-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return join(dir, 'config.yaml');
}

const ID = '0f0e0d0c-0b0a-4908-8706-050403020100';
const NO_TTY_ENV = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined };
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

describe('status command', () => {
  it('prints a progress bar per session, exits 0, and uses no colour when piped', async () => {
    const sim = await simulator();
    expect(await uploadChunk(sim.url, 'Store\\App\\big.zip', ID, { start: 0, end: 499, fileSize: 1000 })).toBe(200);
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: ['Store\\App\\big.zip', 'Store\\App\\idle.zip']\n`);
    const { status, stdout, stderr } = await runCli(['status', '--config.file', file], { env: NO_TTY_ENV });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('1 upload session: 1 uploading, 0 stalled, 0 complete');
    expect(stdout).toContain('Store\\App\\big.zip');
    expect(stdout).toContain('0f0e0d0c');
    expect(stdout).toMatch(/█{10}░{10}\s+50%/);
    expect(stdout).toContain('(1 path without an upload session)');
    expect(stdout).not.toMatch(ANSI);
  });

  it("prints each cluster's image store disk, with the alert's warning below 10 % free, in the table and the JSON", async () => {
    const full = await startSimulator({ disk: { capacity: 64 * 1024 ** 3, available: 4 * 1024 ** 3 } });
    sims.push(full);
    const roomy = await simulator();
    const file = config(`clusters:\n  - name: full\n    endpoint: ${full.url}\n    content_paths: [a]\n  - name: roomy\n    endpoint: ${roomy.url}\n    content_paths: [a]\n`);
    const table = await runCli(['status', '--config.file', file], { env: NO_TTY_ENV });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^full {2}\(1 path without an upload session\)\nImage store disk: 4 GiB free of 64 GiB \(6%\), below 10 %: deployments fail once it is full$/m);
    expect(table.stdout).toMatch(/^roomy {2}\(1 path without an upload session\)\nImage store disk: 48 GiB free of 64 GiB \(75%\)$/m);
    const json = await runCli(['status', '--config.file', file, '--output', 'json'], { env: NO_TTY_ENV });
    const view = JSON.parse(json.stdout) as StatusView;
    expect(view.clusters.map((c) => [c.name, c.capacity?.status, c.capacity?.available_bytes, c.capacity?.free_fraction, c.capacity?.low])).toEqual([
      ['full', 'ok', 4 * 1024 ** 3, 0.0625, true],
      ['roomy', 'ok', 48 * 1024 ** 3, 0.75, false],
    ]);
  });

  it('colours states with FORCE_COLOR and never with NO_COLOR', async () => {
    const sim = await simulator();
    await uploadChunk(sim.url, 'a', ID, { start: 0, end: 9, fileSize: 100 });
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: [a]\n`);
    expect((await runCli(['status', '--config.file', file], { env: { ...NO_TTY_ENV, FORCE_COLOR: '1' } })).stdout).toMatch(ANSI);
    expect((await runCli(['status', '--config.file', file], { env: { ...NO_TTY_ENV, FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
  });

  it('exits 2 when a session is stalled, with the same JSON as /api/v1/sessions', async () => {
    const sim = await simulator();
    await uploadChunk(sim.url, 'Store\\App\\big.zip', ID, { start: 0, end: 99, fileSize: 1000 });
    // Nothing arrives for longer than status.stalled_after.
    await new Promise((r) => setTimeout(r, 1500));
    const file = config(`status:\n  stalled_after: 1s\nclusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: ['Store\\App\\big.zip']\n`);
    const { status, stdout } = await runCli(['status', '--config.file', file, '--output', 'json']);
    expect(status).toBe(2);
    const view = JSON.parse(stdout) as StatusView;
    expect(view.stalled_after_seconds).toBe(1);
    expect(view.summary).toMatchObject({ sessions: 1, stalled: 1 });
    expect(view.clusters[0]!.paths[0]!.sessions[0]).toMatchObject({ session_id: ID, size_bytes: 1000, remaining_bytes: 900, state: 'stalled' });

    // A stalled session outranks a failed poll: exit 2, not 3.
    sim.faults.add({ kind: 'status', path: 'busy', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY', message: 'busy' });
    const both = config(`status:\n  stalled_after: 1s\nclusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: [busy, 'Store\\App\\big.zip']\n`);
    const worst = await runCli(['status', '--config.file', both, '--output', 'json']);
    expect((JSON.parse(worst.stdout) as StatusView).summary).toMatchObject({ failed_paths: 1, stalled: 1 });
    expect(worst.status).toBe(2);
  });

  it('polls again every --watch seconds, one JSON document per poll, and ends on SIGINT with the last poll\'s code', async () => {
    const sim = await simulator();
    await uploadChunk(sim.url, 'Store\\App\\watched.zip', ID, { start: 0, end: 99, fileSize: 1000 });
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: ['Store\\App\\watched.zip']\n`);
    const child = spawn(process.execPath, [MAIN, 'status', '--config.file', file, '--output', 'json', '--watch', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const documents = (): StatusView[] => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as StatusView);
    const remaining = (view: StatusView): number | undefined => view.clusters[0]?.paths[0]?.sessions[0]?.remaining_bytes;
    try {
      await waitFor('the first poll', () => documents().length >= 1);
      expect(remaining(documents()[0]!)).toBe(900);
      // A chunk that arrives after the first poll shows in a later one, without restarting the command.
      await uploadChunk(sim.url, 'Store\\App\\watched.zip', ID, { start: 100, end: 199, fileSize: 1000 });
      await waitFor('a poll that sees the new chunk', () => documents().some((d) => remaining(d) === 800));
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(documents().length).toBeGreaterThanOrEqual(2);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 3 when a path cannot be polled, and shows the FabricError code and message', async () => {
    const sim = await simulator();
    sim.faults.add({ kind: 'status', path: 'busy', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY', message: 'busy <now>' });
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_paths: [busy, fine]\n`);
    const table = await runCli(['status', '--config.file', file], { env: NO_TTY_ENV });
    expect(table.status).toBe(3);
    expect(table.stdout).toContain('poll failed (fabric_error, FABRIC_E_SERVICE_TOO_BUSY, HTTP 503)');
    const json = JSON.parse((await runCli(['status', '--config.file', file, '--output', 'json'])).stdout) as StatusView;
    expect(json.clusters[0]!.paths[0]!.poll.error).toMatchObject({ reason: 'fabric_error', status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY' });
    const down = config(`clusters:\n  - name: down\n    endpoint: http://127.0.0.1:${await closedPort()}\n    content_paths: [x]\n`);
    expect((await runCli(['status', '--config.file', down])).status).toBe(3);
  });

  it('groups files by package, and exits 2 for a package whose copy started and stopped, 0 while it moves', async () => {
    const sim = await simulator();
    // One file copied and its session gone (in the store), one never started: the copy stopped.
    const done = await uploadWholeFile(sim.url, 'VotingApp\\ApplicationManifest.xml', 300);
    expect(await sessionOperation(sim.url, 'CommitUploadSession', done)).toBe(200);
    expect(await sessionOperation(sim.url, 'DeleteUploadSession', done)).toBe(200);
    const pathFile = (paths: string[]): string =>
      `package: VotingApp\nversion: '1.4.0'\npaths:\n${paths.map((p) => `  - path: '${p}'\n    size: ${p.endsWith('.xml') ? 300 : 1000}\n`).join('')}`;
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_path_files: ['*.paths.yaml']\n`, {
      'voting.paths.yaml': pathFile(['VotingApp\\ApplicationManifest.xml', 'VotingApp\\Code\\web.dll']),
    });
    const stopped = await runCli(['status', '--config.file', file], { env: NO_TTY_ENV });
    expect(stopped.stderr).toBe('');
    expect(stopped.status).toBe(2);
    const lines = stopped.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('VotingApp 1.4.0'));
    expect(lines[head]).toMatch(/^VotingApp 1\.4\.0 {2}█{4}░{16}\s+23% {2}300 B of 1\.2 KiB; 2 files: 1 in_store, 1 absent {2}stalled$/);
    expect(lines[head + 1]).toMatch(/^ {4}█{10} 100%\s+in_store .*VotingApp\\ApplicationManifest\.xml$/);
    expect(lines[head + 2]).toMatch(/^ {4}░{10}\s+0%\s+absent .*VotingApp\\Code\\web\.dll$/);
    // The copy resumes: a chunk arrives for the second file.
    expect(await uploadChunk(sim.url, 'VotingApp\\Code\\web.dll', ID, { start: 0, end: 499, fileSize: 1000 })).toBe(200);
    const moving = await runCli(['status', '--config.file', file, '--output', 'json']);
    expect(moving.status).toBe(0);
    const [pkg] = (JSON.parse(moving.stdout) as StatusView).clusters[0]!.packages;
    expect(pkg).toMatchObject({ name: 'VotingApp', stalled: false, size_bytes: 1300, received_bytes: 800, files_by_state: { in_store: 1, uploading: 1 } });
  });

  it('polls paths from content_path_files and says where each path comes from', async () => {
    const sim = await simulator();
    await uploadChunk(sim.url, 'Store\\Pipeline\\new.zip', ID, { start: 0, end: 9, fileSize: 20 });
    // A relative pattern is relative to the configuration file's folder.
    const file = config(`clusters:\n  - name: prod\n    endpoint: ${sim.url}\n    content_path_files: ['paths.d/*.yaml']\n`);
    const dir = join(file, '..', 'paths.d');
    mkdirSync(dir);
    writeFileSync(join(dir, 'release.yaml'), "- 'Store\\Pipeline\\new.zip'\n");
    const { status, stdout } = await runCli(['status', '--config.file', file, '--output', 'json']);
    expect(status).toBe(0);
    const path = (JSON.parse(stdout) as StatusView).clusters[0]!.paths[0]!;
    expect(path).toMatchObject({ content_path: 'Store\\Pipeline\\new.zip', source: 'file' });
    expect(path.sessions).toHaveLength(1);
  });

  it('works against the demo, and refuses to run without a configuration or with both', async () => {
    const demo = await runCli(['status', '--demo', '--output', 'json']);
    expect(demo.status).toBe(0);
    expect((JSON.parse(demo.stdout) as StatusView).summary.sessions).toBeGreaterThan(0);
    // The demo's path files announce the packages it copies.
    expect((JSON.parse(demo.stdout) as StatusView).clusters[0]!.packages.map((p) => p.name)).toEqual(['CalcServiceApp', 'InventoryApp', 'VotingApp']);
    const neither = await runCli(['status']);
    expect(neither.status).toBe(1);
    expect(neither.stderr).toContain('--config.file');
  });
});
