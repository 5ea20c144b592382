import express, { type Express } from 'express';
import type { MetricsSource } from '../metrics/render.js';
import { acceptsGzip, gzipChunks } from './compress.js';
import type { Logger } from '../log.js';
import type { ReloadResult } from '../config/reloader.js';
import { renderStatusPage, type PageInfo } from './status-page.js';
import type { StatusView } from '../status/view.js';

export interface AppOptions {
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
  /** The status view of the current snapshot: the live status page at `/`, and JSON at `/api/v1/sessions`. */
  readonly status: () => StatusView;
  readonly logger: Logger;
}

/** Builds the HTTP application: status page and JSON, telemetry path, health, readiness and reload. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get(options.telemetryPath, async (req, res) => {
    try {
      const body = await options.registry.metrics();
      const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
      // A source only takes back chunks it lent; a text body's buffer is simply not among them.
      const release = (): void => options.registry.release?.(chunks);
      res.setHeader('Content-Type', options.registry.contentType);
      res.setHeader('Vary', 'Accept-Encoding');
      // Written with Node's own res.write/end: express's send() would copy megabytes into one buffer.
      if (acceptsGzip(req.headers['accept-encoding'])) {
        const compressed = await gzipChunks(chunks).finally(release);
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Content-Length', compressed.length);
        res.end(compressed);
        return;
      }
      res.setHeader('Content-Length', chunks.reduce((n, c) => n + c.length, 0));
      // 'finish': every byte has been handed to the kernel. A response closed before that may
      // still have writes queued, so its chunks are never handed back.
      res.once('finish', release);
      res.cork();
      for (const chunk of chunks) res.write(chunk);
      res.end();
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
  app.post('/-/reload', (_req, res) => {
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
  app.get('/api/v1/sessions', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(options.status());
  });
  app.get('/', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(renderStatusPage(options.info, options.status()));
  });
  return app;
}
