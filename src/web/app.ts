import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { renderLanding, type LandingInfo } from './landing.js';

export interface AppOptions {
  readonly registry: Registry;
  /** `--web.telemetry-path`. */
  readonly telemetryPath: string;
  /** True once the first poll cycle has completed. */
  readonly ready: () => boolean;
  readonly landing: LandingInfo;
  readonly logger: Logger;
}

/** Builds the HTTP application: landing page, telemetry path, health and readiness. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const landing = renderLanding(options.landing);

  app.get(options.telemetryPath, async (_req, res) => {
    try {
      const body = await options.registry.metrics();
      res.set('Content-Type', options.registry.contentType).send(body);
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
  app.get('/', (_req, res) => {
    res.type('html').send(landing);
  });
  return app;
}
