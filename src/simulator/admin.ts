/**
 * The simulator's admin API: JSON over HTTP on its own loopback listener (never on the public
 * gateway port), to inject faults and inspect or reshape state from outside the process.
 *
 *   GET    /                 the list of endpoints
 *   GET    /healthz          {"status":"ok"}
 *   GET    /faults           {"faults":[rule…]}
 *   POST   /faults           add a rule (body: a fault rule) → 201 the rule with its id
 *   DELETE /faults           remove every rule → {"removed":n}
 *   DELETE /faults/{id}      remove one rule → {"removed":1} or 404
 *   GET    /sessions         {"sessions":[UploadSessionInfo + "Committed"]}
 *   POST   /sessions         create a session without HTTP uploads
 *                            (body: {"path","fileSize","sessionId"?,"received"?:[{"start","end"}],"modifiedDate"?}) → 201
 *   DELETE /sessions         drop every session, as an image-store failover does → {"removed":n}
 *   GET    /files            {"files":[FileInfo]} committed files
 *   GET    /disk             {"capacity","available"} and the usage GetImageStoreInfo reports now
 *   PUT    /disk             set the disk (body: {"capacity","available"}, bytes) → 200 as GET
 *   POST   /expire           run a cleanup tick now → {"removed":n}
 *   POST   /reset            drop sessions, files and faults → {"status":"ok"}
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { validateFaultRule, type FaultController } from './faults.js';
import { validateDiskSettings, type SimulatedDisk } from './disk.js';
import type { SessionStore } from './store.js';
import { fileInfoWire, sessionInfoWire, type WireVersion } from './wire-format.js';

/** The admin API shows sessions and files as api-version 6.0 answers do: ISO dates. */
const ADMIN_VIEW: WireVersion = { apiVersion: 6 };

/** What the admin API acts on. */
interface AdminTarget {
  store: SessionStore;
  disk: SimulatedDisk;
  faults: FaultController;
  /** Runs a cleanup tick; returns the number of sessions removed. */
  expireNow(): number;
  logger: Logger;
}

const MAX_ADMIN_BODY = 1024 * 1024;

/** Whether a host name or address is a loopback one (the admin API refuses anything else). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_ADMIN_BODY) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_ADMIN_BODY) return reject(new AdminError(413, 'body too large'));
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new AdminError(400, 'body is not valid JSON'));
      }
    });
  });
}

const ENDPOINTS = [
  'GET /healthz',
  'GET /faults',
  'POST /faults',
  'DELETE /faults',
  'DELETE /faults/{id}',
  'GET /sessions',
  'POST /sessions',
  'DELETE /sessions',
  'GET /files',
  'GET /disk',
  'PUT /disk',
  'POST /expire',
  'POST /reset',
];

function parseSessionInput(body: unknown): Parameters<SessionStore['putSession']>[0] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminError(400, 'body must be a JSON object');
  const o = body as Record<string, unknown>;
  if (typeof o.path !== 'string') throw new AdminError(400, 'path (string) is required');
  if (typeof o.fileSize !== 'number') throw new AdminError(400, 'fileSize (number) is required');
  if (o.sessionId !== undefined && typeof o.sessionId !== 'string') throw new AdminError(400, 'sessionId must be a string');
  let received: { start: number; end: number }[] | undefined;
  if (o.received !== undefined) {
    if (!Array.isArray(o.received)) throw new AdminError(400, 'received must be an array of {start,end}');
    received = o.received.map((r: unknown) => {
      const rr = r as Record<string, unknown> | null;
      if (!rr || typeof rr.start !== 'number' || typeof rr.end !== 'number') throw new AdminError(400, 'received must be an array of {start,end}');
      return { start: rr.start, end: rr.end };
    });
  }
  let modifiedMs: number | undefined;
  if (o.modifiedDate !== undefined) {
    modifiedMs = typeof o.modifiedDate === 'string' ? Date.parse(o.modifiedDate) : NaN;
    if (Number.isNaN(modifiedMs)) throw new AdminError(400, 'modifiedDate must be an ISO-8601 date');
  }
  return { path: o.path, fileSize: o.fileSize, sessionId: o.sessionId as string | undefined, received, modifiedMs };
}

async function route(target: AdminTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const { store, faults } = target;
  if (method === 'GET' && path === '/') return sendJson(res, 200, { endpoints: ENDPOINTS });
  if (method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/disk' && (method === 'GET' || method === 'PUT')) {
    if (method === 'PUT') {
      const body = await readJson(req);
      try {
        target.disk.set(validateDiskSettings(body));
      } catch (err) {
        throw new AdminError(400, (err as Error).message);
      }
      target.logger.info({ disk: body }, 'simulator: disk set');
    }
    return sendJson(res, 200, target.disk.info());
  }
  if (path === '/faults') {
    if (method === 'GET') return sendJson(res, 200, { faults: faults.list() });
    if (method === 'POST') {
      const body = await readJson(req);
      let rule;
      try {
        rule = faults.add(validateFaultRule(body));
      } catch (err) {
        throw new AdminError(400, (err as Error).message);
      }
      target.logger.info({ fault: rule }, 'simulator: fault added');
      return sendJson(res, 201, rule);
    }
    if (method === 'DELETE') {
      const removed = faults.list().length;
      faults.clear();
      return sendJson(res, 200, { removed });
    }
  }
  const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
  if (faultId !== undefined && method === 'DELETE') {
    if (!faults.remove(decodeURIComponent(faultId))) throw new AdminError(404, `no fault with id ${faultId}`);
    return sendJson(res, 200, { removed: 1 });
  }
  if (path === '/sessions') {
    if (method === 'GET') {
      return sendJson(res, 200, { sessions: store.all().map((s) => ({ ...sessionInfoWire(s, ADMIN_VIEW), Committed: s.committed })) });
    }
    if (method === 'POST') {
      const input = parseSessionInput(await readJson(req));
      let session;
      try {
        session = store.putSession(input);
      } catch (err) {
        throw new AdminError(400, (err as Error).message);
      }
      return sendJson(res, 201, sessionInfoWire(session, ADMIN_VIEW));
    }
    if (method === 'DELETE') return sendJson(res, 200, { removed: store.clearSessions() });
  }
  if (method === 'GET' && path === '/files') return sendJson(res, 200, { files: store.files().map((f) => fileInfoWire(f, ADMIN_VIEW)) });
  if (method === 'POST' && path === '/expire') return sendJson(res, 200, { removed: target.expireNow() });
  if (method === 'POST' && path === '/reset') {
    store.reset();
    faults.clear();
    return sendJson(res, 200, { status: 'ok' });
  }
  throw new AdminError(404, `no admin endpoint ${method} ${path}; see GET /`);
}

/** Creates (does not start) the admin HTTP server. */
export function createAdminServer(target: AdminTarget): http.Server {
  return http.createServer((req, res) => {
    route(target, req, res).catch((err: unknown) => {
      const status = err instanceof AdminError ? err.status : 500;
      if (status === 500) target.logger.error({ err }, 'simulator: admin request failed');
      if (!res.headersSent) sendJson(res, status, { error: status === 500 ? 'internal error' : (err as Error).message });
    });
  });
}
