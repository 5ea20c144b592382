/**
 * Load with wrk (Debian's package): one thread, a fixed number of keep-alive connections, for a
 * fixed time. A Lua `done` hook prints the figures as one JSON line, so nothing is scraped from
 * wrk's human-readable output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One load run's figures. */
export interface LoadResult {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  /** Connect, read, write and timeout errors, and answers with a status of 400 or above. */
  readonly errors: number;
  readonly bytesPerResponse: number;
}

const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"p50":%d,"p99":%d,"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d}\\n',
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.timeout + e.status))
end
`;

/** Runs wrk against `url`; rejects when wrk is missing, fails, or every request failed. */
export async function runLoad(url: string, options: { connections: number; durationS: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-bench-wrk-'));
  const script = join(dir, 'report.lua');
  writeFileSync(script, REPORT);
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--timeout', '30s', '-s', script];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(url);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.env.WRK ?? 'wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${err.trim()}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk printed no report: ${output.trim()}`);
    const r = JSON.parse(line.slice('WRKJSON '.length)) as { p50: number; p99: number; requests: number; duration_us: number; bytes: number; errors: number };
    if (r.requests === 0) throw new Error(`wrk completed no request against ${url}`);
    return {
      medianMs: r.p50 / 1000,
      p99Ms: r.p99 / 1000,
      requestsPerSecond: r.requests / (r.duration_us / 1e6),
      requests: r.requests,
      errors: r.errors,
      bytesPerResponse: r.bytes / r.requests,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
