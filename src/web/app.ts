import type { ServerResponse } from 'node:http';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { MetricsSource } from '../metrics/render.js';
import { acceptsGzip, createChunkGzip } from './compress.js';
import type { Logger } from '../log.js';
import type { ReloadResult } from '../config/reloader.js';
import { parseStatusFilter, renderStatusPage, renderStatusSection, type PageInfo } from './status-page.js';
import type { CachedStatusView } from '../status/cache.js';
import { hostProblem } from './allowed-host.js';

interface AppOptions {
  /** The exposition: the exporter's renderer (render.ts), or any prom-client Registry. */
  readonly registry: MetricsSource;
  /** `--web.telemetry-path`. */
  readonly telemetryPath: string;
  /** True once the first poll cycle has completed. */
  readonly ready: () => boolean;
  /** What the status page says about the exporter. */
  readonly info: PageInfo;
  /** Reloads the configuration for `POST /-/reload`; absent when there is none to reload (demo mode). */
  readonly reload?: (trigger: string) => ReloadResult;
  /** `--web.enable-lifecycle`: without it `POST /-/reload` answers 403, as in Prometheus. */
  readonly enableLifecycle?: boolean;
  /**
   * The status view of the current snapshot, built once per snapshot (cache.ts): `/` becomes the
   * live status page and `/api/v1/sessions` serves it as JSON.
   */
  readonly status: () => CachedStatusView;
  readonly logger: Logger;
  /** `--web.allowed-host`, canonical (allowed-host.ts): names besides the exporter's addresses that `POST /-/reload` and the status pages accept in `Host`. */
  readonly allowedHosts?: readonly string[];
  /**
   * Whether the status page and `/api/v1/sessions` check `Host` too: true while the listener
   * authenticates no client, since a rebinding page could then read them; default true.
   */
  readonly checkPageHost?: () => boolean;
}

/**
 * Why a `POST /-/reload` is refused, if it is. A browser lets any page send a simple cross-site
 * POST (a form, or fetch with a text body) without asking: such a request carries a body or names
 * another site in `Origin` / `Sec-Fetch-Site`. curl, wget and config reloaders send neither.
 */
function reloadRequestProblem(req: Request): { status: number; message: string } | undefined {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    return { status: 400, message: 'a reload request takes no body' };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, message: `cross-site reload requests are refused (Sec-Fetch-Site: ${site === 'same-site' ? 'same-site' : 'cross-site'})` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
    return { status: 403, message: 'cross-site reload requests are refused (the Origin header names another site)' };
  }
  return undefined;
}

/** Whether an `Origin` header names this server, as reached (the `Host` header). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    // `null` (a sandboxed page, a file) and anything unparsable.
    return false;
  }
}

/** Sends `chunks` as the body with its Content-Length, written with Node's own res.write/end: express's send() would copy megabytes into one buffer. */
function send(res: ServerResponse, chunks: readonly Buffer[]): void {
  res.setHeader('Content-Length', chunks.reduce((n, c) => n + c.length, 0));
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/** Builds the HTTP application: status page and JSON, telemetry path, health, readiness and reload. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const allowedHosts = options.allowedHosts ?? [];
  // Answers 403 to a Host that names another site (DNS rebinding); `always` false: only while no client is authenticated.
  const hostGuard =
    (always: boolean): RequestHandler =>
    (req, res, next) => {
      const problem = always || (options.checkPageHost?.() ?? true) ? hostProblem(req, allowedHosts) : undefined;
      if (problem === undefined) {
        next();
        return;
      }
      options.logger.debug({ remote: req.socket.remoteAddress, path: req.path }, 'request refused: its Host names another site');
      res.status(403).type('text/plain').send(`${problem}\n`);
    };

  const gzip = createChunkGzip();
  const isFixed = (chunk: Buffer): boolean => options.registry.isFixed?.(chunk) ?? false;
  app.get(options.telemetryPath, async (req, res) => {
    try {
      const body = await options.registry.metrics();
      const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
      // A source only takes back chunks it lent; a text body's buffer is simply not among them.
      const release = (): void => options.registry.release?.(chunks);
      res.setHeader('Content-Type', options.registry.contentType);
      res.setHeader('Vary', 'Accept-Encoding');
      if (acceptsGzip(req.headers['accept-encoding'])) {
        // The parts rendered once per snapshot are compressed once too; the chunks are read until this resolves.
        const compressed = await gzip(chunks, isFixed).finally(release);
        res.setHeader('Content-Encoding', 'gzip');
        send(res, compressed);
        return;
      }
      // 'finish': every byte has been handed to the kernel. A response closed before that may
      // still have writes queued, so its chunks are never handed back.
      res.once('finish', release);
      send(res, chunks);
    } catch (error) {
      options.logger.error({ err: error }, 'rendering metrics failed');
      res.status(500).type('text/plain').send('error rendering metrics\n');
    }
  });
  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (options.ready()) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send('Not ready: the first poll cycle has not completed\n');
  });
  // As Prometheus and blackbox_exporter: POST reloads, 200 on success, 500 with the reason on failure.
  app.post('/-/reload', (req, res, next) => {
    if (options.enableLifecycle !== true) {
      res.status(403).type('text/plain').send('Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle, or send it SIGHUP\n');
      return;
    }
    next();
  });
  // A state change: Host is checked whatever the authentication.
  app.post('/-/reload', hostGuard(true), (req, res) => {
    const refusal = reloadRequestProblem(req);
    if (refusal !== undefined) {
      res.status(refusal.status).type('text/plain').send(`${refusal.message}\n`);
      return;
    }
    if (!options.reload) {
      res.status(400).type('text/plain').send('nothing to reload: the exporter runs without --config.file (demo mode)\n');
      return;
    }
    const result = options.reload('POST /-/reload');
    if (result.ok) res.type('text/plain').send('configuration reloaded; it takes effect at the next poll cycle\n');
    else res.status(500).type('text/plain').send(`failed to reload config: ${result.error}\n`);
  });
  app.all('/-/reload', (_req, res) => {
    res.status(405).set('Allow', 'POST').type('text/plain').send('This endpoint requires a POST request.\n');
  });
  const status = options.status;
  // The ETag lets a script ask whether anything changed (If-None-Match → 304) without the body.
  app.get('/api/v1/sessions', hostGuard(false), (_req, res) => {
    const current = status();
    res.set({ 'Cache-Control': 'no-cache', ETag: current.etag }).type('json').send(current.json());
  });
  app.get('/', hostGuard(false), (req, res) => {
    const filter = parseStatusFilter(req.query as Record<string, unknown>);
    if ('error' in filter) {
      res.status(400).type('text/plain').send(`${filter.error}\n`);
      return;
    }
    const current = status();
    // Kept per filter only for a cluster the view has: any other name would be a new entry each.
    const known = filter.cluster === undefined || current.view.clusters.some((c) => c.name === filter.cluster);
    const render = (): string => renderStatusSection(current.view, filter);
    const section = known ? current.rendered(JSON.stringify([filter.cluster, filter.state]), render) : render();
    res.set('Cache-Control', 'no-store').type('html').send(renderStatusPage(options.info, section, filter, current.view.clusters.map((c) => c.name)));
  });
  return app;
}
