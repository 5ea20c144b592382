/**
 * Benchmark worker: the memory floor the exporter's RSS is held to (≤ 1.5 × this). A Node process that reads the exposition bytes,
 * gzips them once, and answers every request with one or the other, and does nothing else: no
 * exporter code is loaded, nothing is computed per request. The exporter's RSS is held to this
 * process's RSS under the same scrapes.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { serve } from '../lib/rpc.js';
import { memoryAfterGc } from '../lib/process-figures.js';

let server: http.Server | undefined;

serve({
  start: async (args: { file: string; contentType: string }) => {
    const body = await readFile(args.file);
    const gzipped = gzipSync(body, { level: 1 });
    server = http.createServer((req, res) => {
      // The exporter's own negotiation is not loaded here: any mention of gzip gets gzip.
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const bytes = gzip ? gzipped : body;
      res.writeHead(200, { 'Content-Type': args.contentType, 'Content-Length': bytes.length, Vary: 'Accept-Encoding', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) }).end(bytes);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: body.length, gzipBytes: gzipped.length };
  },
  /** RSS now, without a GC: sampled while the scrapes run. */
  rss: () => process.memoryUsage.rss(),
  memory: memoryAfterGc,
  close: async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  },
});
