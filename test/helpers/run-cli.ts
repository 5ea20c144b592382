/**
 * Runs the built CLI (`dist/src/main.js`, as users run it) without blocking the event loop, so
 * that a simulator started in the same test process can answer it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertBuilt } from './dist.js';

export const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/src/main.js ...args`; kills it after `timeoutMs`. */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A daemon started from the built CLI, with what it has written so far. */
export interface Daemon {
  readonly child: ChildProcess;
  /** The bound address from the start-up log line, e.g. `127.0.0.1:41234`. */
  readonly address: string;
  /** Every JSON log line written to stdout so far. */
  lines(): Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts `node dist/src/main.js --web.listen-address 127.0.0.1:0 ...args` and resolves once its
 * start-up log line names the bound address; rejects if it exits first. The caller kills it.
 */
export function startDaemon(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Daemon> {
  assertBuilt();
  const child = spawn(process.execPath, [MAIN, '--web.listen-address', '127.0.0.1:0', ...args], {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.startsWith('{')) continue;
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'sf-upload-exporter started') {
          resolve({ child, address: String(line.listen_address), lines: () => lines, stdout: () => stdout, stderr: () => stderr });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code} before start-up: ${stderr}`)));
  });
}
