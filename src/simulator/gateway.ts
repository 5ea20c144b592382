/**
 * The public HTTP handler of the simulated gateway: image-store routes with the runtime's URL parsing,
 * api-version check, status codes, headers and JSON, plus fault injection. Node's `http` module is
 * used directly for byte-exact answers, raw backslashes in URLs and connection resets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { UploadSessionInfoWire } from '../servicefabric/wire.js';
import { JSON_HEADERS, defaultCodeForStatus, defaultMessageForCode, fabricErrorBody, sendFabricError, statusForCode } from './errors.js';
import { HTTPSYS_503_BODY, applyWrongShape, type FaultController, type FaultOperation, type FaultRule } from './faults.js';
import { decodeContentPath, matchImageStoreRoute, parseTarget, type ParsedTarget } from './paths.js';
import { parseSessionId, type SessionRecord, type SessionStore } from './store.js';
import { contentWire, isoDate, uploadSessionWire } from './wire-format.js';
import { aadMetadataBody } from './security.js';

/** Settings of the simulated gateway. */
export interface GatewayOptions {
  store: SessionStore;
  faults: FaultController;
  /** On `linux` the upload-session routes do not exist (400 E_INVALIDARG), as on a Linux cluster. */
  platform: 'windows' | 'linux';
  /** Answer for a GetUploadSession that finds nothing: 204 (the runtime) or 200 with an empty list. */
  emptyStatus: 204 | 200;
  /** Highest accepted api-version (the simulated runtime's major.minor). */
  runtimeVersion: string;
  /** DeleteUploadSession of an unknown id: 404 `NotFound` (likely runtime behaviour) or 200. */
  deleteUnknown: 'not_found' | 'ok';
  logger: Logger;
  /** Clock for sample data in faults, ms since epoch. */
  now: () => number;
  /** Whether a request carries an accepted credential; absent: every request is admitted. */
  authorize?: (req: IncomingMessage) => Promise<boolean>;
  /** The body of the anonymous `GET /$/GetAadMetadata`. */
  aadMetadata?: string;
}

/** Lowest api-version accepted: the version the image-store upload-session operations appeared in. */
export const MIN_API_VERSION = 6.0;
/** Server-side budget when `timeout` is absent or invalid (the runtime never answers 400 for it). */
export const DEFAULT_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 4294967295;

type Operation =
  | { name: 'ListContent'; path: string }
  | { name: 'UploadFile'; path: string }
  | { name: 'DeleteContent'; path: string }
  | { name: 'GetUploadSessionByPath'; path: string }
  | { name: 'UploadChunk'; path: string }
  | { name: 'GetUploadSessionById' }
  | { name: 'CommitUploadSession' }
  | { name: 'DeleteUploadSession' };

/** An answer before it is written, so body faults can rewrite it. */
interface Reply {
  status: number;
  statusMessage?: string;
  headers: Record<string, string>;
  body: string;
  /** Set on GetUploadSession answers: the sessions found (possibly none). */
  sessions?: UploadSessionInfoWire[];
}

/** A parsed `Content-Range`; positions inclusive. */
export interface ContentRange {
  start: number;
  end: number;
  fileSize: number;
}

function parseUint(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  // Beyond 2^53 a JS number cannot hold a byte position exactly; treat it as unsatisfiable.
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses `Content-Range` as the gateway does: an optional leading `bytes` and whitespace, then
 * `{start}-{end}/{fileSize}`; `start ≤ end < fileSize` (a zero-byte file accepts `0-0/0`).
 */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined;
  let text = header.trim();
  if (text.startsWith('bytes')) text = text.slice('bytes'.length).trim();
  const parts = text.split('/').filter((s) => s !== '');
  if (parts.length !== 2) return undefined;
  const fileSize = parseUint(parts[1]);
  const pair = (parts[0] as string).split('-');
  if (pair.length !== 2) return undefined;
  const start = parseUint(pair[0]);
  const end = parseUint(pair[1]);
  if (fileSize === undefined || start === undefined || end === undefined) return undefined;
  if (start > end || end > fileSize || (end === fileSize && fileSize !== 0)) return undefined;
  return { start, end, fileSize };
}

/** The `timeout` query parameter in seconds: a uint32 from 1 up, anything else means 60. */
export function parseTimeoutSeconds(text: string | undefined): number {
  const n = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= MAX_TIMEOUT_SECONDS ? n : DEFAULT_TIMEOUT_SECONDS;
}

/** Whether an api-version string is accepted: numeric (a `-preview` suffix is ignored), within range. */
export function apiVersionAccepted(text: string | undefined, runtimeVersion: string): boolean {
  if (text === undefined) return false;
  const value = text.endsWith('-preview') ? text.slice(0, -'-preview'.length) : text;
  if (!/^\d+(\.\d+)?$/.test(value)) return false;
  const v = Number(value);
  return v >= MIN_API_VERSION && v <= Number(runtimeVersion);
}

/** Any dashed GUID including the empty one (Commit and Delete do not reject the empty GUID). */
function parseAnyGuid(text: string | undefined): string | undefined {
  return text !== undefined && /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)
    ? text.toLowerCase()
    : undefined;
}

function jsonReply(status: number, body: string, statusMessage?: string): Reply {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (status !== 204) headers['Content-Length'] = String(Buffer.byteLength(body));
  return { status, statusMessage, headers, body };
}

function errorReply(code: string, options: { status?: number; message?: string } = {}): Reply {
  const status = options.status ?? statusForCode(code);
  return jsonReply(status, fabricErrorBody(code, options.message ?? defaultMessageForCode(code)), code === 'E_INVALIDARG' ? 'Bad Request' : code);
}

const INVALID_ARGUMENT = (): Reply => errorReply('E_INVALIDARG');

/** The reference example's first session: the sample a body fault sends when no session exists. */
function sampleSession(path: string | undefined, nowMs: number): UploadSessionInfoWire {
  return {
    StoreRelativePath: path ?? 'SwaggerTest\\Common.dll',
    SessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1',
    FileSize: '2097152',
    ModifiedDate: isoDate(nowMs),
    ExpectedRanges: [
      { StartPosition: '0', EndPosition: '207615' },
      { StartPosition: '626977', EndPosition: '2097151' },
    ],
  };
}

/** Reads and discards a request body, counting its bytes: uploaded content is never kept. */
function drainBody(req: IncomingMessage): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => resolve(bytes));
    req.on('error', () => resolve(bytes));
    req.on('close', () => resolve(bytes));
  });
}

/** The simulated HTTP gateway; `handle` is the `http.Server` request listener. */
export class Gateway {
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(private readonly options: GatewayOptions) {}

  /** Request listener: never throws; an unexpected error answers 500 E_FAIL without details. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    let note: string | undefined;
    res.on('close', () => {
      if (!this.options.logger.isLevelEnabled('debug')) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.options.logger.debug(
        { method: req.method, url: req.url, status: res.headersSent ? res.statusCode : undefined, ms: Math.round(ms * 10) / 10, fault: note },
        'request',
      );
    });
    this.process(req, res, (n) => (note = n)).catch((err: unknown) => {
      this.options.logger.error({ err, method: req.method, url: req.url }, 'simulator: unexpected error handling request');
      if (!res.headersSent) sendFabricError(res, 'E_FAIL');
      else res.destroy();
    });
  };

  /** Cancels pending latency waits (their requests are dropped with their sockets). */
  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
      };
      this.timers.add(entry);
    });
  }

  private async process(req: IncomingMessage, res: ServerResponse, setNote: (note: string) => void): Promise<void> {
    const bodyBytes = await drainBody(req);
    const target = parseTarget(req.url ?? '/');
    if (this.isAadMetadata(req.method ?? '', target)) return send(res, jsonReply(200, this.options.aadMetadata ?? aadMetadataBody(undefined)));
    const op = this.resolve(req.method ?? '', target);
    // As on the real gateway, the URL is parsed before credentials are checked.
    if (!op) return send(res, INVALID_ARGUMENT());
    if (this.options.authorize && !(await this.options.authorize(req))) {
      setNote('forbidden');
      return send(res, { status: 403, statusMessage: 'Client certificate required', headers: { 'Content-Length': '0' }, body: '' });
    }

    const { store } = this.options;
    const query = target.query;
    const faultOp = faultOperation(op);
    if (faultOp) {
      const faultPath = 'path' in op ? op.path : sessionPathOf(store, query.get('session-id'));
      const decision = this.options.faults.decide(faultOp, faultPath);
      if (decision.latencyMs > 0) {
        const budgetMs = parseTimeoutSeconds(query.get('timeout')) * 1000;
        setNote(`latency ${decision.latencyMs}ms`);
        await this.sleep(Math.min(decision.latencyMs, budgetMs));
        if (this.closed) return;
        if (decision.latencyMs > budgetMs) return send(res, errorReply('FABRIC_E_TIMEOUT'));
      }
      const rule = decision.action;
      if (rule) {
        setNote(rule.kind);
        if (rule.kind === 'reset' && rule.resetAfterBytes === undefined) {
          resetConnection(req);
          return;
        }
        if (rule.kind === 'large_body') return sendLargeBody(req, res, rule);
        if (rule.kind === 'status') return send(res, statusFaultReply(rule));
        const reply = this.execute(op, query, req, bodyBytes);
        return this.deliverBodyFault(res, rule, reply, faultPath);
      }
    }
    send(res, this.execute(op, query, req, bodyBytes));
  }

  /** `GET /$/GetAadMetadata` at an accepted api-version: anonymous, before any credential check. */
  private isAadMetadata(method: string, target: ParsedTarget): boolean {
    return (
      method === 'GET' &&
      target.segments.length === 2 &&
      target.segments[0] === '$' &&
      target.segments[1] === 'GetAadMetadata' &&
      apiVersionAccepted(target.query.get('api-version'), this.options.runtimeVersion)
    );
  }

  /** Matches method and URL against the gateway's templates, including the api-version check. */
  private resolve(method: string, target: ParsedTarget): Operation | undefined {
    const route = matchImageStoreRoute(target.segments);
    if (!route) return undefined;
    if (!apiVersionAccepted(target.query.get('api-version'), this.options.runtimeVersion)) return undefined;
    const windows = this.options.platform === 'windows';
    const decoded = (raw: string): string | undefined => decodeContentPath(raw);
    let op: Operation | undefined;
    if (route.kind === 'root') {
      if (method === 'GET') op = { name: 'ListContent', path: '' };
    } else if (route.kind === 'content') {
      const path = decoded(route.rawPath);
      if (path === undefined) return undefined;
      if (method === 'GET') op = { name: 'ListContent', path };
      else if (method === 'PUT') op = { name: 'UploadFile', path };
      else if (method === 'DELETE') op = { name: 'DeleteContent', path };
    } else if (route.rawPath !== undefined) {
      const path = decoded(route.rawPath);
      if (path === undefined) return undefined;
      if (windows && route.name === 'GetUploadSession' && method === 'GET') op = { name: 'GetUploadSessionByPath', path };
      else if (windows && route.name === 'UploadChunk' && method === 'PUT') op = { name: 'UploadChunk', path };
    } else if (windows) {
      if (route.name === 'GetUploadSession' && method === 'GET') op = { name: 'GetUploadSessionById' };
      else if (route.name === 'CommitUploadSession' && method === 'POST') op = { name: 'CommitUploadSession' };
      else if (route.name === 'DeleteUploadSession' && method === 'DELETE') op = { name: 'DeleteUploadSession' };
    }
    return op;
  }

  /** Performs one operation against the store and builds its answer. */
  private execute(op: Operation, query: ReadonlyMap<string, string>, req: IncomingMessage, bodyBytes: number): Reply {
    const { store } = this.options;
    switch (op.name) {
      case 'GetUploadSessionByPath':
        return this.sessionsReply(store.byPath(op.path), op.path);
      case 'GetUploadSessionById': {
        const id = parseSessionId(query.get('session-id'));
        if (!id) return errorReply('FABRIC_E_INVALID_UPLOAD_SESSION_ID');
        const session = store.byId(id);
        return this.sessionsReply(session ? [session] : []);
      }
      case 'UploadChunk': {
        // The gateway parses Content-Range before it looks at the session id.
        const range = parseContentRange(headerValue(req, 'content-range'));
        if (!range) return errorReply('FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
        const id = parseSessionId(query.get('session-id'));
        if (!id) return errorReply('FABRIC_E_INVALID_UPLOAD_SESSION_ID');
        // The real gateway never compares the body with the range, and the generated SDKs send no
        // body at all. So: an empty body is accepted as the chunk (bytes are not kept anyway); a
        // non-empty body must be exactly end-start+1 bytes, or it is an invalid argument.
        const expected = range.end - range.start + 1;
        if (bodyBytes > 0 && bodyBytes !== expected) {
          return errorReply('E_INVALIDARG', {
            message: `Chunk body is ${bodyBytes} bytes but Content-Range bytes ${range.start}-${range.end} needs ${expected}`,
          });
        }
        const result = store.addChunk(op.path, id, range.start, range.end, range.fileSize);
        if (!result.ok) {
          if (result.error === 'id_conflict') return errorReply('FABRIC_E_UPLOAD_SESSION_ID_CONFLICT');
          if (result.error === 'size_mismatch') return INVALID_ARGUMENT();
          return errorReply('FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
        }
        return jsonReply(200, '');
      }
      case 'CommitUploadSession': {
        const id = parseAnyGuid(query.get('session-id'));
        if (!id) return INVALID_ARGUMENT();
        return store.commit(id) === 'ok' ? jsonReply(200, '') : INVALID_ARGUMENT();
      }
      case 'DeleteUploadSession': {
        const id = parseAnyGuid(query.get('session-id'));
        if (!id) return INVALID_ARGUMENT();
        if (store.delete(id) || this.options.deleteUnknown === 'ok') return jsonReply(200, '');
        return errorReply('NotFound');
      }
      case 'ListContent': {
        const listing = store.list(op.path);
        if (listing.files.length > 0 || listing.folders.length > 0) return jsonReply(200, JSON.stringify(contentWire(listing)));
        // HandleListContentResult: nothing listed is 404 for a path that does not exist, else 204;
        // both with an empty body.
        if (op.path !== '' && !listing.exists) return jsonReply(404, '', 'Not Found');
        return jsonReply(204, '');
      }
      case 'UploadFile':
        store.putFile(op.path, bodyBytes);
        return jsonReply(200, '');
      case 'DeleteContent':
        return store.deleteContent(op.path) ? jsonReply(200, '') : errorReply('FABRIC_E_FILE_NOT_FOUND');
    }
  }

  private sessionsReply(sessions: readonly SessionRecord[], requestedPath?: string): Reply {
    const wire = uploadSessionWire(sessions, requestedPath);
    const infos = wire.UploadSessions ?? [];
    if (infos.length === 0 && this.options.emptyStatus === 204) return { ...jsonReply(204, ''), sessions: infos };
    return { ...jsonReply(200, JSON.stringify(wire)), sessions: infos };
  }

  /** Applies an `invalid_json`, `wrong_shape`, `stall` or mid-response `reset` rule to an answer. */
  private deliverBodyFault(res: ServerResponse, rule: FaultRule, reply: Reply, path: string | undefined): void {
    // With nothing to distort (no session), the reference example's first session stands in, so
    // the fault is always visible to the client under test.
    const sessions = reply.sessions && reply.sessions.length === 0 ? [sampleSession(path, this.options.now())] : reply.sessions;
    const baseBody = reply.sessions ? JSON.stringify({ UploadSessions: sessions }) : reply.body;
    if (rule.kind === 'wrong_shape') {
      if (!reply.sessions) return send(res, reply);
      const shaped = applyWrongShape({ UploadSessions: sessions as unknown as Record<string, unknown>[] }, rule.shape ?? 'numbers');
      return send(res, jsonReply(200, JSON.stringify(shaped)));
    }
    if (rule.kind === 'invalid_json') {
      const text = rule.text ?? (baseBody.length > 1 ? baseBody.slice(0, Math.floor(baseBody.length / 2)) : '{"UploadSessions":[');
      // Always a success status: the point is a 2xx whose body does not parse.
      return send(res, jsonReply(200, text));
    }
    // stall: status line, headers announcing the full length, part of the body, then nothing.
    // reset (mid-response): the same, then the connection is reset instead of left hanging.
    const body = baseBody.length > 0 ? baseBody : '{"UploadSessions":[]}';
    const wanted = rule.kind === 'reset' ? rule.resetAfterBytes : rule.stallAfterBytes;
    const cut = Math.min(wanted ?? Math.floor(Buffer.byteLength(body) / 2), Buffer.byteLength(body) - 1);
    const status = reply.status === 204 ? 200 : reply.status;
    res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': String(Buffer.byteLength(body)) });
    res.flushHeaders();
    if (rule.kind === 'reset') {
      // Reset only once what was written has left, so the client sees headers and part of a body.
      res.write(cut > 0 ? Buffer.from(body).subarray(0, cut) : '', () => resetConnection(res.req));
      return;
    }
    if (cut > 0) res.write(Buffer.from(body).subarray(0, cut));
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function faultOperation(op: Operation): FaultOperation | undefined {
  switch (op.name) {
    case 'GetUploadSessionByPath':
    case 'GetUploadSessionById':
      return 'GetUploadSession';
    case 'UploadChunk':
    case 'CommitUploadSession':
    case 'DeleteUploadSession':
    case 'ListContent':
      return op.name;
    default:
      return undefined;
  }
}

function sessionPathOf(store: SessionStore, sessionId: string | undefined): string | undefined {
  const id = parseAnyGuid(sessionId);
  return id ? store.byId(id)?.path : undefined;
}

function statusFaultReply(rule: FaultRule): Reply {
  const status = rule.status ?? 503;
  const bodyKind = rule.body ?? (status === 401 || status === 403 ? 'empty' : 'fabric');
  const extra: Record<string, string> = rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
  if (bodyKind === 'empty') {
    // As the gateway's auth failure: no FabricError, no JSON content type.
    const statusMessage = status === 403 ? 'Client certificate required' : undefined;
    return { status, statusMessage, headers: { 'Content-Length': '0', ...extra }, body: '' };
  }
  if (bodyKind === 'html') {
    return {
      status,
      statusMessage: 'Service Unavailable',
      headers: {
        'Content-Type': 'text/html; charset=us-ascii',
        Server: 'Microsoft-HTTPAPI/2.0',
        'Content-Length': String(Buffer.byteLength(HTTPSYS_503_BODY)),
        Connection: 'close',
        ...extra,
      },
      body: HTTPSYS_503_BODY,
    };
  }
  const code = rule.code ?? defaultCodeForStatus(status);
  const reply = errorReply(code, { status, message: rule.message ?? defaultMessageForCode(code) });
  return { ...reply, headers: { ...reply.headers, ...extra } };
}

/** Chunk of a `large_body` answer: the start of a plausible body, then JSON whitespace. */
const LARGE_BODY_CHUNK = 64 * 1024;

/**
 * Streams a 200 body of `bodyBytes` (default 100 MiB) without ever holding it: a valid JSON start
 * padded with spaces, written as fast as the client reads and stopped when the client goes away.
 */
function sendLargeBody(req: IncomingMessage, res: ServerResponse, rule: FaultRule): void {
  const total = rule.bodyBytes ?? 100 * 1024 * 1024;
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (rule.declareLength) headers['Content-Length'] = String(total);
  res.writeHead(200, headers);
  const head = Buffer.from('{"UploadSessions":[');
  const padding = Buffer.alloc(LARGE_BODY_CHUNK, 0x20);
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const chunk = sent === 0 ? Buffer.concat([head, padding]).subarray(0, Math.min(LARGE_BODY_CHUNK, total)) : padding.subarray(0, Math.min(LARGE_BODY_CHUNK, total - sent));
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (sent >= total && !res.destroyed) res.end();
  };
  req.socket.once('close', () => res.removeListener('drain', pump));
  pump();
}

/** Drops the connection abruptly (TCP RST where the runtime supports it). */
function resetConnection(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = reply.status;
  if (reply.statusMessage) res.statusMessage = reply.statusMessage;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.end(reply.status === 204 ? undefined : reply.body);
}
