import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A real Prometheus server (Debian's `prometheus` package) started for one test file. */
export interface PrometheusServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Runs an instant query (at `time`, Unix seconds, else now); rejects with Prometheus's error text when the query fails. */
  query(expr: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The active (pending and firing) alerts. */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }>>;
  /** What Prometheus logged, for failure messages. */
  log(): string;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

interface PrometheusOptions {
  /** prometheus.yml text; `rule_files` may name files written through `files`. */
  readonly config: string;
  /** Extra files to write beside prometheus.yml, by name. */
  readonly files?: Readonly<Record<string, string>>;
  readonly binary?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready after 20 s:\n${log()}`);
}

/** Starts Prometheus on 127.0.0.1 with a temporary data directory; resolves once it is ready. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), options.config);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  // Prometheus cannot be told to take any free port and say which: a port found free may be taken
  // again before Prometheus binds it, so a failed bind is retried on another one.
  let started: ReturnType<typeof launch> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    const port = await freePort();
    const candidate = launch(options, dir, port);
    try {
      await waitReady(candidate.url, candidate.child, candidate.log);
      started = candidate;
    } catch (error) {
      await candidate.stop();
      if (attempt >= 5 || !/address already in use/i.test(candidate.log())) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const { url, log, stop } = started;
  const close = async (): Promise<void> => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.errorType}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    query: async (expr, time) =>
      (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}${time === undefined ? '' : `&time=${time}`}`)).result,
    alerts: async () => (await api<{ alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> }>('/api/v1/alerts')).alerts,
    log,
    close,
  };
}

/** Spawns Prometheus on `port` with the files in `dir`. */
function launch(options: PrometheusOptions, dir: string, port: number): { url: string; child: ChildProcess; log: () => string; stop: () => Promise<void> } {
  const child = spawn(
    options.binary ?? 'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Polls `check` every 250 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The job name the shipped dashboard and alerts expect the exporter under. */
export const EXPORTER_JOB = 'sf-upload-exporter';

/**
 * Prometheus scraping one exporter (`target`, host:port) as job `sf-upload-exporter` and evaluating
 * `rules` (rules.yml text), both every second, so that alerts show within a test.
 */
export function prometheusWithRules(target: string, rules: string): Promise<PrometheusServer> {
  return startPrometheus({
    config: stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yml'],
      scrape_configs: [{ job_name: EXPORTER_JOB, static_configs: [{ targets: [target] }] }],
    }),
    files: { 'rules.yml': rules },
  });
}

/** The active (pending and firing) alerts named `alertname`; none without a server. */
export async function alertsNamed(prometheus: PrometheusServer | undefined, alertname: string): ReturnType<PrometheusServer['alerts']> {
  return ((await prometheus?.alerts()) ?? []).filter((a) => a.labels.alertname === alertname);
}
