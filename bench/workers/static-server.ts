/**
 * Benchmark worker: the floor for serving /metrics from Node: a plain `http` server answering with
 * the identical exposition bytes held in a buffer. `/metrics` compresses those bytes per request
 * with the exporter's own gzip function (and level) when the client accepts gzip; `/metrics-once`
 * answers with bytes compressed once at start (the compress-once server): the limit of a gzip
 * scrape, which the exporter approaches by compressing once per snapshot all but what changes per
 * scrape (`age_seconds` and the exporter-wide families).
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { acceptsGzip, gzipBody } from '../../src/web/compress.js';
import { serve } from '../lib/rpc.js';
import { cpuTime, memoryAfterGc } from '../lib/process-figures.js';

let server: http.Server | undefined;

serve({
  start: async (args: { file: string; contentType: string }) => {
    const body = await readFile(args.file);
    const once = await gzipBody(body);
    server = http.createServer((req, res) => {
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      if (req.url === '/metrics-once' && gzip) {
        res.writeHead(200, { 'Content-Type': args.contentType, 'Content-Encoding': 'gzip', 'Content-Length': once.length, Vary: 'Accept-Encoding' }).end(once);
        return;
      }
      if (!gzip) {
        res.writeHead(200, { 'Content-Type': args.contentType, 'Content-Length': body.length, Vary: 'Accept-Encoding' }).end(body);
        return;
      }
      gzipBody(body).then((compressed) => {
        res.writeHead(200, { 'Content-Type': args.contentType, 'Content-Encoding': 'gzip', 'Content-Length': compressed.length, Vary: 'Accept-Encoding' }).end(compressed);
      }, () => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: body.length, gzipBytes: once.length };
  },
  /** CPU time of this process so far, ms. */
  cpu: cpuTime,
  /** Heap and RSS after a forced GC: what holding and serving the bytes costs a Node process. */
  memory: memoryAfterGc,
  close: async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  },
});
