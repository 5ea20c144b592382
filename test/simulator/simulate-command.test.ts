import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Command } from 'commander';
import { simulateCommand } from '../../src/simulator/simulate-command.js';
import { assertBuilt } from '../helpers/dist.js';
import { MAIN } from '../helpers/run-cli.js';
import { byPathUrl, chunkUrl, rawRequest } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * `simulate` from the built CLI, as users run it, on the ports given (0: any free one); resolves with
 * the URLs its start-up log line reports, so no port is picked before the simulator binds it.
 */
function spawnSimulator(args: string[]): Promise<{ child: ChildProcess; url: string; adminUrl: string | undefined; exited: Promise<number | null> }> {
  assertBuilt();
  const child = spawn(process.execPath, [MAIN, 'simulate', '--log.level', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
        let entry: { msg?: string; url?: string; admin_url?: string };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.msg?.startsWith('simulator listening on ') && entry.url) resolve({ child, url: entry.url, adminUrl: entry.admin_url, exited });
      }
    });
    void exited.then((code) => reject(new Error(`simulate exited with ${code} before it listened: ${stderr}`)));
  });
}

/** The command with errors and output captured instead of exiting the process. */
function captured(signal?: AbortSignal): { cmd: Command; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const cmd = simulateCommand({ signal })
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { cmd, out: () => out, err: () => err };
}

describe('simulate command', () => {
  it('documents every flag in --help', async () => {
    const c = captured();
    await expect(c.cmd.parseAsync(['--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const flag of ['--listen', '--scenario', '--platform', '--empty-status', '--session-timeout', '--cleanup-interval', '--admin-listen', '--json-encoding', '--log.level', '--log.format']) {
      expect(c.out()).toContain(flag);
    }
    expect(c.out()).toContain('127.0.0.1:19080');
  });

  it.each([
    [['--admin-listen', '0.0.0.0:19081'], /loopback/],
    [['--admin-listen', '10.1.2.3:19081'], /loopback/],
    [['--listen', 'nowhere'], /expected host:port/],
    [['--session-timeout', 'soon'], /invalid duration/],
    [['--platform', 'mac'], /Allowed choices are windows, linux/],
    [['--empty-status', '404'], /Allowed choices are 204, 200/],
    [['--scenario', 'chaos'], /Allowed choices/],
    [['--json-encoding', 'latin1'], /Allowed choices are runtime, utf8/],
  ])('refuses %j', async (args, message) => {
    const c = captured();
    await expect(c.cmd.parseAsync(args, { from: 'user' })).rejects.toThrow();
    expect(c.err()).toMatch(message);
  });

  it('serves the gateway and the admin API until stopped, then frees the ports', async () => {
    const sim = await spawnSimulator(['--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--empty-status', '200', '--scenario', 'steady']);
    const res = await rawRequest(sim.url, 'GET', byPathUrl('nothing'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"UploadSessions":[]}');
    expect((await rawRequest(sim.adminUrl!, 'GET', '/healthz')).body).toBe('{"status":"ok"}');
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    await expect(rawRequest(sim.url, 'GET', byPathUrl('nothing'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(rawRequest(sim.adminUrl!, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('writes plain UTF-8 JSON with --json-encoding utf8, the runtime bytes without it', async () => {
    const path = 'apps/\u{1F600}.zip';
    for (const [args, slash] of [[['--json-encoding', 'utf8'], '"apps/'], [[], '"apps\\/']] as const) {
      const sim = await spawnSimulator(['--listen', '127.0.0.1:0', '--admin-listen', 'none', ...args]);
      const url = sim.url;
      await rawRequest(url, 'PUT', chunkUrl(path, '2032ac6c-a348-4594-86da-dab0f2bb1ae1'), { headers: { 'Content-Range': 'bytes 0-0/10' } });
      const res = await rawRequest(url, 'GET', byPathUrl(path));
      expect(res.bytes.includes(Buffer.from(slash))).toBe(true);
      expect(res.bytes.includes(Buffer.from('\u{1F600}', 'utf8'))).toBe(args.length > 0);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    }
  });

  it('runs in linux mode', async () => {
    const sim = await spawnSimulator(['--listen', '127.0.0.1:0', '--admin-listen', 'none', '--platform', 'linux']);
    expect(sim.adminUrl).toBeUndefined();
    const res = await rawRequest(sim.url, 'GET', byPathUrl('a'));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).Error.Code).toBe('E_INVALIDARG');
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });
});
