import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import type { Command } from 'commander';
import { simulateCommand } from '../../src/simulator/cli.js';
import { byPathUrl, chunkUrl, rawRequest } from './helpers.js';

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
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
    const [port, adminPort] = [await freePort(), await freePort()];
    const abort = new AbortController();
    const c = captured(abort.signal);
    const run = c.cmd.parseAsync(
      ['--listen', `127.0.0.1:${port}`, '--admin-listen', `127.0.0.1:${adminPort}`, '--empty-status', '200', '--scenario', 'steady', '--log.level', 'error'],
      { from: 'user' },
    );
    const url = `http://127.0.0.1:${port}`;
    let res;
    for (;;) {
      res = await rawRequest(url, 'GET', byPathUrl('nothing')).catch(() => undefined);
      if (res) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"UploadSessions":[]}');
    expect((await rawRequest(`http://127.0.0.1:${adminPort}`, 'GET', '/healthz')).body).toBe('{"status":"ok"}');
    abort.abort();
    await run;
    await expect(rawRequest(url, 'GET', byPathUrl('nothing'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(rawRequest(`http://127.0.0.1:${adminPort}`, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('writes plain UTF-8 JSON with --json-encoding utf8, the runtime bytes without it', async () => {
    const path = 'apps/\u{1F600}.zip';
    for (const [args, slash] of [[['--json-encoding', 'utf8'], '"apps/'], [[], '"apps\\/']] as const) {
      const port = await freePort();
      const abort = new AbortController();
      const run = captured(abort.signal).cmd.parseAsync(['--listen', `127.0.0.1:${port}`, '--admin-listen', 'none', '--log.level', 'error', ...args], { from: 'user' });
      const url = `http://127.0.0.1:${port}`;
      while (!(await rawRequest(url, 'GET', byPathUrl('x')).catch(() => undefined))) await new Promise((r) => setTimeout(r, 10));
      await rawRequest(url, 'PUT', chunkUrl(path, '2032ac6c-a348-4594-86da-dab0f2bb1ae1'), { headers: { 'Content-Range': 'bytes 0-0/10' } });
      const res = await rawRequest(url, 'GET', byPathUrl(path));
      expect(res.bytes.includes(Buffer.from(slash))).toBe(true);
      expect(res.bytes.includes(Buffer.from('\u{1F600}', 'utf8'))).toBe(args.length > 0);
      abort.abort();
      await run;
    }
  });

  it('runs in linux mode', async () => {
    const port = await freePort();
    const abort = new AbortController();
    const run = captured(abort.signal).cmd.parseAsync(['--listen', `127.0.0.1:${port}`, '--admin-listen', 'none', '--platform', 'linux', '--log.level', 'error'], {
      from: 'user',
    });
    let res;
    for (;;) {
      res = await rawRequest(`http://127.0.0.1:${port}`, 'GET', byPathUrl('a')).catch(() => undefined);
      if (res) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).Error.Code).toBe('E_INVALIDARG');
    abort.abort();
    await run;
  });
});
