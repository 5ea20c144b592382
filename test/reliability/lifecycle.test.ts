/**
 * The daemon as users run it (the built CLI): SIGHUP reloads, SIGTERM under load exits 0 within the
 * 5 s shutdown deadline (past it the process exits 1, so exit code 0 is the proof), SIGTERM aborts
 * a store lookup the gateway holds, and concurrent scrapes in process all see one consistent
 * snapshot.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExposition, seriesOf, type Series } from '../helpers/exposition.js';
import { startDaemon, type Daemon } from '../helpers/run-cli.js';
import { startServer } from '../helpers/http-server.js';
import { FAULTY, HEALTHY_A, HEALTHY_B, closeAll, healthySimulator, runExporter, track } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sf-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await closeAll();
});

function configText(endpoint: string, paths: string[], extra = ''): string {
  return `poll:\n  schedule: "* * * * * *"\n  request_timeout: 10s\n  max_staleness: 1m${extra}\nclusters:\n  - name: sim\n    endpoint: ${endpoint}\n    content_paths: [${paths.map((p) => `'${p}'`).join(', ')}]\n`;
}

/** Starts the daemon on a config file; it is killed after the test. */
async function daemon(configFile: string): Promise<Daemon> {
  const started = await startDaemon(['--config.file', configFile]);
  children.push(started.child);
  return started;
}

async function metrics(address: string): Promise<Series[]> {
  const res = await fetch(`http://${address}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const pathsPolled = async (address: string): Promise<string[]> =>
  seriesOf(await metrics(address), 'servicefabric_imagestore_poll_success').map((s) => s.labels.content_path!);
const reloadOk = async (address: string): Promise<number | undefined> =>
  seriesOf(await metrics(address), 'servicefabric_exporter_config_last_reload_successful')[0]?.value;

describe('the daemon', () => {
  it('reloads --config.file on SIGHUP: a valid file takes effect, an invalid one is rejected and logged', async () => {
    const sim = await healthySimulator();
    const file = join(dir, 'sighup.yaml');
    writeFileSync(file, configText(sim.url, [HEALTHY_A]));
    const d = await daemon(file);
    await waitFor('the first cycle', async () => (await pathsPolled(d.address)).length === 1);

    writeFileSync(file, configText(sim.url, [HEALTHY_B, FAULTY]));
    d.child.kill('SIGHUP');
    await waitFor('the new paths', async () => (await pathsPolled(d.address)).join() === [HEALTHY_B, FAULTY].join());
    expect(await reloadOk(d.address)).toBe(1);

    writeFileSync(file, configText(sim.url, [HEALTHY_A], '\n  concurrency: 0'));
    d.child.kill('SIGHUP');
    await waitFor('the failed reload', async () => (await reloadOk(d.address)) === 0);
    expect(await pathsPolled(d.address)).toEqual([HEALTHY_B, FAULTY]);
    const failed = d.lines().filter((l) => l.level === 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ trigger: 'SIGHUP', msg: expect.stringContaining('poll.concurrency: must be at least 1, got 0') });

    d.child.kill('SIGTERM');
    const [code] = (await once(d.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('exits 0 on SIGTERM with scrapes and polls in flight, well within the shutdown deadline', async () => {
    const sim = await healthySimulator();
    // Every poll hangs for 8 s, so a cycle is in flight whenever the signal arrives.
    sim.faults.add({ kind: 'latency', latencyMs: 8000, path: FAULTY });
    for (let i = 0; i < 300; i++) sim.store.putSession({ path: HEALTHY_A, fileSize: 1000 + i });
    const file = join(dir, 'sigterm.yaml');
    writeFileSync(file, configText(sim.url, [HEALTHY_A, FAULTY]));
    const d = await daemon(file);

    // A stream of scrapes, 10 at a time, until the server goes away.
    let stop = false;
    const scrapers = Array.from({ length: 10 }, async () => {
      let ok = 0;
      while (!stop) {
        try {
          const res = await fetch(`http://${d.address}/metrics`);
          await res.text();
          ok += 1;
        } catch {
          return ok;
        }
      }
      return ok;
    });
    await new Promise((r) => setTimeout(r, 500));
    const exit = once(d.child, 'exit') as Promise<[number | null, string | null]>;
    d.child.kill('SIGTERM');
    const [code, signal] = await exit;
    stop = true;
    const served = (await Promise.all(scrapers)).reduce((a, b) => a + b, 0);
    expect(served).toBeGreaterThan(0);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(d.stderr()).not.toMatch(/unhandled/i);
    expect(d.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });

  it('on SIGTERM aborts a store lookup the gateway holds, and stops without waiting for the request timeout', async () => {
    // A gateway that finds no session, then holds every other path request (the store lookup, of the
    // file or of its folder) and never answers it: only the exporter can end it, by closing the
    // connection.
    const held: Array<{ url: string; closed: Promise<unknown> }> = [];
    let holding: () => void = () => undefined;
    const lookupHeld = new Promise<void>((resolve) => (holding = resolve));
    const gateway = track(
      await startServer((req: IncomingMessage, res: ServerResponse) => {
        if (req.url?.includes('/$/GetUploadSession')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"UploadSessions":[]}');
          return;
        }
        if (req.url?.startsWith('/ImageStore/$/Info')) {
          // A runtime without GetImageStoreInfo: the capacity poll is left out, nothing is held.
          res.writeHead(400).end();
          return;
        }
        held.push({ url: req.url ?? '', closed: once(req.socket, 'close') });
        holding();
      }),
    );
    const file = join(dir, 'held-lookup.yaml');
    // A request timeout far beyond the 5 s shutdown deadline: a stop that waited for the lookup to
    // time out would exit 1.
    writeFileSync(
      file,
      `poll:\n  schedule: "0 0 1 1 *"\n  request_timeout: 10m\n  max_staleness: 11m\nclusters:\n  - name: sim\n    endpoint: ${gateway.url}\n    content_paths: ['App\\held.dll']\n`,
    );
    const d = await daemon(file);
    await lookupHeld;
    expect(held.map((r) => r.url)).toEqual([expect.stringMatching(/^\/ImageStore\/App/)]);

    const exit = once(d.child, 'exit') as Promise<[number | null, string | null]>;
    d.child.kill('SIGTERM');
    const [code, signal] = await exit;
    // Exit code 0 and "stopped": the exporter's stop resolved within the deadline while the gateway
    // still held the lookup (it never answers), so the stop aborted it rather than wait for it.
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(d.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(d.lines().map((l) => l.msg)).not.toContain('shutdown took too long; exiting anyway');
    // The lookup's connection closed without an answer, and no other request followed it.
    await held[0]?.closed;
    expect(held.map((r) => r.url)).toEqual([expect.stringMatching(/^\/ImageStore\/App/)]);
  });
});

describe('concurrent scrapes', () => {
  it('50 scrapes at once, while a cycle completes, each see one whole snapshot', async () => {
    const sim = await healthySimulator();
    for (let i = 0; i < 500; i++) sim.store.putSession({ path: HEALTHY_B, fileSize: 1000 + i });
    const { exporter } = await runExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [HEALTHY_A, HEALTHY_B, FAULTY] }]);
    const before = exporter.poller.current()!;

    // The next cycle sees another world: every session replaced, and the faulty path failing.
    sim.store.clearSessions();
    for (let i = 0; i < 500; i++) sim.store.putSession({ path: HEALTHY_A, fileSize: 2000 + i });
    sim.faults.add({ kind: 'status', status: 500, path: FAULTY });

    const cycle = exporter.poller.tick();
    const bodies = await Promise.all(
      Array.from({ length: 50 }, async () => parseExposition(await (await fetch(`http://${exporter.address}/metrics`)).text())),
    );
    await cycle;
    const after = exporter.poller.current()!;
    expect(after).not.toBe(before);

    const expectedOf = (snapshot: typeof before): string =>
      JSON.stringify({
        sessions: snapshot.paths.flatMap((p) => p.sessions.map((s) => `${p.contentPath}/${s.sessionId}=${s.remainingBytes}`)).sort(),
        success: snapshot.paths.map((p) => `${p.contentPath}=${p.success ? 1 : 0}`),
        counts: snapshot.paths.map((p) => `${p.contentPath}=${p.lastSuccessSessionCount}`),
      });
    const views = new Set([expectedOf(before), expectedOf(after)]);
    for (const series of bodies) {
      const seen = JSON.stringify({
        sessions: seriesOf(series, 'servicefabric_imagestore_upload_session_remaining_bytes')
          .map((s) => `${s.labels.content_path}/${s.labels.session_id}=${s.value}`)
          .sort(),
        success: seriesOf(series, 'servicefabric_imagestore_poll_success').map((s) => `${s.labels.content_path}=${s.value}`),
        counts: seriesOf(series, 'servicefabric_imagestore_upload_sessions').map((s) => `${s.labels.content_path}=${s.value}`),
      });
      expect(views.has(seen)).toBe(true);
      // And within one body, every per-session family covers the same sessions.
      const ids = (name: string): string[] => seriesOf(series, name).map((s) => s.labels.session_id!).sort();
      expect(ids('servicefabric_imagestore_upload_session_size_bytes')).toEqual(ids('servicefabric_imagestore_upload_session_remaining_bytes'));
      expect(ids('servicefabric_imagestore_upload_session_age_seconds')).toEqual(ids('servicefabric_imagestore_upload_session_remaining_bytes'));
    }
  });
});
