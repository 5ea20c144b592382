/**
 * nginx (Debian's package) as the static-file floor: started by hand on 127.0.0.1 with a
 * configuration, pid file and logs in a temporary folder, in the foreground (`daemon off`), one
 * worker (the exporter is one event loop). It serves the exposition file at `/metrics` with the same
 * content type, compressing per request at the exporter's gzip level when the client accepts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running nginx. */
interface Nginx {
  readonly address: string;
  readonly version: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function nginxVersion(binary: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', () => resolve(text.trim().replace(/^nginx version: /, '')));
    child.on('error', () => resolve('unavailable'));
  });
}

/** Starts nginx serving `file` at `/metrics`; throws when nginx is not installed or does not answer. */
export async function startNginx(file: string, contentType: string, gzipLevel: number): Promise<Nginx> {
  const binary = process.env.NGINX ?? '/usr/sbin/nginx';
  const dir = mkdtempSync(join(tmpdir(), 'sfue-bench-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  gzip on;
  gzip_comp_level ${gzipLevel};
  gzip_min_length 0;
  # Any type: the content type carries parameters (version=0.0.4), which a text/plain entry would not match.
  gzip_types *;
  server {
    listen 127.0.0.1:${port};
    location = /metrics {
      default_type "${contentType}";
      types { }
      alias ${file};
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await Promise.race([
      fetch(`http://${address}/metrics`, { method: 'HEAD' }).then((r) => r.ok, () => false),
      failed,
    ]);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      // SIGTERM first: the master then stops its worker; a SIGKILLed master would orphan it.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      if (child.exitCode === null) await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start on ${address}`);
    }
    await sleep(50);
  }
  return {
    address,
    version: await nginxVersion(binary),
    stop: async () => {
      // SIGQUIT: nginx's graceful shutdown; SIGKILL if it lingers.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
