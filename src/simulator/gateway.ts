/**
 * The public HTTP handler of the simulated gateway: image-store routes with the runtime's URL parsing,
 * api-version check, status codes, headers and JSON bytes, plus fault injection. Node's `http` module
 * is used directly for byte-exact answers, raw backslashes in URLs and connection resets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { JSON_HEADERS, defaultCodeForStatus, defaultMessageForCode, sendFabricError, statusForCode } from './fabric-error-answers.js';
import { HTTPSYS_503_BODY, applyWrongShape, type FaultController, type FaultOperation, type FaultRule } from './faults.js';
import { acceptedApiVersion, parseContentRange, parseTimeoutSeconds } from './fields.js';
import { encodeJson, type JsonEncoding } from './json-writer.js';
import { decodeContentPath, matchImageStoreRoute, normalizeStorePath, parseTarget, type ParsedTarget } from './gateway-uri.js';
import type { SimulatedDisk } from './disk.js';
import { parseSessionId, type SessionRecord, type SessionStore } from './store.js';
import { contentWire, fabricErrorWire, imageStoreInfoWire, isoDate, uploadSessionWire, type UploadSessionInfoWire, type WireVersion } from './wire-format.js';
import { aadMetadataBody, type AadMetadataWire } from './gateway-security.js';

/** Settings of the simulated gateway. */
interface GatewayOptions {
  store: SessionStore;
  /** The disk GetImageStoreInfo reports. */
  disk: SimulatedDisk;
  faults: FaultController;
  /** On `linux` the upload-session routes do not exist (400 E_INVALIDARG), as on a Linux cluster. */
  platform: 'windows' | 'linux';
  /** Answer for a GetUploadSession that finds nothing: 204 (the runtime) or 200 with an empty list. */
  emptyStatus: 204 | 200;
  /** Highest accepted api-version (the simulated runtime's major.minor). */
  runtimeVersion: string;
  /** DeleteUploadSession of an unknown id: 404 `NotFound` (likely runtime behaviour) or 200. */
  deleteUnknown: 'not_found' | 'ok';
  /** JSON as the runtime writes it (CESU-8, `\/`), or standard UTF-8 JSON. */
  jsonEncoding: JsonEncoding;
  logger: Logger;
  /** Clock for sample data in faults, ms since epoch. */
  now: () => number;
  /** Whether a request carries an accepted credential; absent: every request is admitted. */
  authorize?: (req: IncomingMessage) => Promise<boolean>;
  /** The body of the anonymous `GET /$/GetAadMetadata`. */
  aadMetadata?: AadMetadataWire;
}

/** The image-store operations the gateway serves, by the names `requestCounts` uses. */
export type OperationName = Operation['name'];

type Operation =
  | { name: 'ListContent'; path: string }
  | { name: 'UploadFile'; path: string }
  | { name: 'DeleteContent'; path: string }
  | { name: 'GetUploadSessionByPath'; path: string }
  | { name: 'UploadChunk'; path: string }
  | { name: 'GetUploadSessionById' }
  | { name: 'CommitUploadSession' }
  | { name: 'DeleteUploadSession' }
  | { name: 'GetImageStoreInfo' };

/** A route matched, with the api-version it was called at. */
interface Resolved {
  op: Operation;
  version: WireVersion;
}

/** An answer before it is written, so body faults can rewrite it. */
interface Reply {
  status: number;
  statusMessage?: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Set on GetUploadSession answers: the sessions found (possibly none). */
  sessions?: UploadSessionInfoWire[];
}

const EMPTY = Buffer.alloc(0);
/** The first api-version of GetImageStoreInfo. */
const INFO_MIN_API_VERSION = 6.5;
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** Any dashed GUID including the empty one (Commit and Delete parse it; their checks come later). */
function parseAnyGuid(text: string | undefined): string | undefined {
  return text !== undefined && /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)
    ? text.toLowerCase()
    : undefined;
}

function bodyReply(status: number, body: Buffer, statusMessage?: string): Reply {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (status !== 204) headers['Content-Length'] = String(body.length);
  return { status, statusMessage, headers, body };
}

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
  private readonly counts = new Map<OperationName, number>();

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

  /** Requests that matched an operation so far, by operation (whatever their answer, faults included). */
  requestCounts(): Partial<Record<OperationName, number>> {
    return Object.fromEntries(this.counts);
  }

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
    if (this.isAadMetadata(req.method ?? '', target)) return send(res, this.json(200, this.options.aadMetadata ?? aadMetadataBody(undefined)));
    const resolved = this.resolve(req.method ?? '', target);
    // As on the real gateway, the URL is parsed before credentials are checked.
    if (!resolved) return send(res, this.error('E_INVALIDARG'));
    this.counts.set(resolved.op.name, (this.counts.get(resolved.op.name) ?? 0) + 1);
    if (this.options.authorize && !(await this.options.authorize(req))) {
      setNote('forbidden');
      return send(res, { status: 403, statusMessage: 'Client certificate required', headers: { 'Content-Length': '0' }, body: EMPTY });
    }

    const { store } = this.options;
    const { op } = resolved;
    const query = target.query;
    const budgetSeconds = parseTimeoutSeconds(query.get('timeout'));
    const faultOp = faultOperation(op);
    if (faultOp) {
      const faultPath = 'path' in op ? op.path : sessionPathOf(store, query.get('session-id'));
      const decision = this.options.faults.decide(faultOp, faultPath);
      if (decision.latencyMs > 0) {
        const budgetMs = budgetSeconds * 1000;
        setNote(`latency ${decision.latencyMs}ms`);
        await this.sleep(Math.min(decision.latencyMs, budgetMs));
        if (this.closed) return;
        if (decision.latencyMs > budgetMs) return send(res, this.error('FABRIC_E_TIMEOUT'));
      }
      const rule = decision.action;
      if (rule) {
        setNote(rule.kind);
        if (rule.kind === 'reset' && rule.resetAfterBytes === undefined) {
          resetConnection(req);
          return;
        }
        if (rule.kind === 'large_body') return sendLargeBody(req, res, rule);
        if (rule.kind === 'status') return send(res, this.statusFaultReply(rule));
        const reply = this.execute(resolved, query, req, bodyBytes, budgetSeconds);
        return this.deliverBodyFault(res, rule, reply, faultPath);
      }
    }
    send(res, this.execute(resolved, query, req, bodyBytes, budgetSeconds));
  }

  /** A JSON answer in the configured encoding. */
  private json(status: number, value: unknown, statusMessage?: string): Reply {
    return bodyReply(status, encodeJson(value, this.options.jsonEncoding), statusMessage);
  }

  /** A FabricError answer; the reason phrase is the code except for E_INVALIDARG ("Bad Request"). */
  private error(code: string, options: { status?: number; message?: string } = {}): Reply {
    const status = options.status ?? statusForCode(code);
    return this.json(status, fabricErrorWire(code, options.message ?? defaultMessageForCode(code)), code === 'E_INVALIDARG' ? 'Bad Request' : code);
  }

  /** `GET /$/GetAadMetadata` at an accepted api-version: anonymous, before any credential check. */
  private isAadMetadata(method: string, target: ParsedTarget): boolean {
    return (
      method === 'GET' &&
      target.segments.length === 2 &&
      target.segments[0] === '$' &&
      target.segments[1] === 'GetAadMetadata' &&
      acceptedApiVersion(target.query.get('api-version'), this.options.runtimeVersion) !== undefined
    );
  }

  /** Matches method and URL against the gateway's templates, including the api-version check. */
  private resolve(method: string, target: ParsedTarget): Resolved | undefined {
    const route = matchImageStoreRoute(target.segments);
    if (!route) return undefined;
    const apiVersion = acceptedApiVersion(target.query.get('api-version'), this.options.runtimeVersion);
    if (apiVersion === undefined) return undefined;
    const windows = this.options.platform === 'windows';
    let op: Operation | undefined;
    if (route.kind === 'root') {
      if (method === 'GET') op = { name: 'ListContent', path: '' };
    } else if (route.kind === 'content') {
      const path = decodeContentPath(route.rawPath);
      if (path === undefined) return undefined;
      if (method === 'GET') op = { name: 'ListContent', path };
      else if (method === 'PUT') op = { name: 'UploadFile', path };
      else if (method === 'DELETE') op = { name: 'DeleteContent', path };
    } else if (route.rawPath !== undefined) {
      const path = decodeContentPath(route.rawPath);
      if (path === undefined) return undefined;
      if (windows && route.name === 'GetUploadSession' && method === 'GET') op = { name: 'GetUploadSessionByPath', path };
      else if (windows && route.name === 'UploadChunk' && method === 'PUT') op = { name: 'UploadChunk', path };
    } else if (route.name === 'Info' && method === 'GET') {
      // Registered at api-version 6.5 (as the specification's ApiVersion_6-5 parameter says): below
      // it, or on a runtime before 6.5, the URL matches no template and the answer is 400.
      if (apiVersion >= INFO_MIN_API_VERSION) op = { name: 'GetImageStoreInfo' };
    } else if (windows) {
      if (route.name === 'GetUploadSession' && method === 'GET') op = { name: 'GetUploadSessionById' };
      else if (route.name === 'CommitUploadSession' && method === 'POST') op = { name: 'CommitUploadSession' };
      else if (route.name === 'DeleteUploadSession' && method === 'DELETE') op = { name: 'DeleteUploadSession' };
    }
    return op ? { op, version: { apiVersion } } : undefined;
  }

  /**
   * Performs one operation against the store and builds its answer. Arguments the gateway checks
   * itself are checked first; with a `timeout` of 0 every call into the image store then has no
   * time left, so it answers 504 as a real cluster would (`UpdateRequestTimeout` takes 0 as it is).
   */
  private execute({ op, version }: Resolved, query: ReadonlyMap<string, string>, req: IncomingMessage, bodyBytes: number, budgetSeconds: number): Reply {
    const { store } = this.options;
    const outOfTime = budgetSeconds === 0;
    const OK = (): Reply => bodyReply(200, EMPTY);
    switch (op.name) {
      case 'GetUploadSessionByPath':
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        return this.sessionsReply(store.byPath(op.path), version, op.path);
      case 'GetUploadSessionById': {
        const id = parseSessionId(query.get('session-id'));
        if (!id) return this.error('FABRIC_E_INVALID_UPLOAD_SESSION_ID');
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        const session = store.byId(id);
        return this.sessionsReply(session ? [session] : [], version);
      }
      case 'UploadChunk': {
        // The gateway parses Content-Range while it reads the body, before it looks at the session id.
        const range = parseContentRange(headerValue(req, 'content-range'));
        if (!range) return this.error('FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
        const id = parseSessionId(query.get('session-id'));
        if (!id) return this.error('FABRIC_E_INVALID_UPLOAD_SESSION_ID');
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        // The body is staged as it came, whatever its length (none at all is an empty file): only
        // commit compares the joined bodies with the file size.
        const result = store.addChunk(op.path, id, range.start, range.end, range.fileSize, bodyBytes);
        if (!result.ok) {
          if (result.error === 'id_conflict') return this.error('FABRIC_E_UPLOAD_SESSION_ID_CONFLICT');
          if (result.error === 'size_mismatch') return this.error('E_INVALIDARG');
          return this.error('FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE');
        }
        return OK();
      }
      case 'CommitUploadSession': {
        const id = parseAnyGuid(query.get('session-id'));
        if (!id) return this.error('E_INVALIDARG');
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        const result = store.commit(id);
        if (result === 'ok') return OK();
        const session = store.byId(id);
        if (result === 'size_mismatch' && session) {
          // IDS_FSS_UnexpectedMergeSize, with the arguments in the order the runtime passes them:
          // the file size where the text says "has", the joined size where it says "expected".
          return this.error('E_INVALIDARG', {
            message: `Upload failed due to an internal error. Image store file ${normalizeStorePath(session.path)} has ${session.fileSize} bytes, which doesn't match expected value of ${session.receivedBytes} bytes. Please retry.`,
          });
        }
        return this.error('E_INVALIDARG');
      }
      case 'DeleteUploadSession': {
        const id = parseAnyGuid(query.get('session-id'));
        if (!id) return this.error('E_INVALIDARG');
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        // The FileStoreService refuses the empty GUID itself (ValidateRequest), before any lookup.
        if (id === EMPTY_GUID) return this.error('E_INVALIDARG');
        if (store.delete(id) || this.options.deleteUnknown === 'ok') return OK();
        return this.error('NotFound');
      }
      case 'ListContent': {
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        const listing = store.list(op.path);
        if (listing.files.length > 0 || listing.folders.length > 0) return this.json(200, contentWire(listing, version));
        // HandleListContentResult: nothing listed is 404 for a path that does not exist, else 204;
        // both with an empty body.
        if (op.path !== '' && !listing.exists) return bodyReply(404, EMPTY, 'Not Found');
        return bodyReply(204, EMPTY);
      }
      case 'GetImageStoreInfo':
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        return this.json(200, imageStoreInfoWire(this.options.disk.info()));
      case 'UploadFile':
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        store.putFile(op.path, bodyBytes);
        return OK();
      case 'DeleteContent':
        if (outOfTime) return this.error('FABRIC_E_TIMEOUT');
        return store.deleteContent(op.path) ? OK() : this.error('FABRIC_E_FILE_NOT_FOUND');
    }
  }

  private sessionsReply(sessions: readonly SessionRecord[], version: WireVersion, requestedPath?: string): Reply {
    const wire = uploadSessionWire(sessions, version, requestedPath);
    const infos = wire.UploadSessions;
    if (infos.length === 0 && this.options.emptyStatus === 204) return { ...bodyReply(204, EMPTY), sessions: infos };
    return { ...this.json(200, wire), sessions: infos };
  }

  /** Applies an `invalid_json`, `wrong_shape`, `stall` or mid-response `reset` rule to an answer. */
  private deliverBodyFault(res: ServerResponse, rule: FaultRule, reply: Reply, path: string | undefined): void {
    // With nothing to distort (no session), the reference example's first session stands in, so
    // the fault is always visible to the client under test.
    const sessions = reply.sessions && reply.sessions.length === 0 ? [sampleSession(path, this.options.now())] : reply.sessions;
    const encode = (value: unknown): Buffer => encodeJson(value, this.options.jsonEncoding);
    const baseBody = sessions ? encode({ UploadSessions: sessions }) : reply.body;
    if (rule.kind === 'wrong_shape') {
      if (!sessions) return send(res, reply);
      const shaped = applyWrongShape({ UploadSessions: sessions as unknown as Record<string, unknown>[] }, rule.shape ?? 'numbers');
      return send(res, this.json(200, shaped));
    }
    if (rule.kind === 'invalid_json') {
      const text = rule.text !== undefined ? Buffer.from(rule.text) : baseBody.length > 1 ? baseBody.subarray(0, Math.floor(baseBody.length / 2)) : Buffer.from('{"UploadSessions":[');
      // Always a success status: the point is a 2xx whose body does not parse.
      return send(res, bodyReply(200, text));
    }
    // stall: status line, headers announcing the full length, part of the body, then nothing.
    // reset (mid-response): the same, then the connection is reset instead of left hanging.
    const body = baseBody.length > 0 ? baseBody : Buffer.from('{"UploadSessions":[]}');
    const wanted = rule.kind === 'reset' ? rule.resetAfterBytes : rule.stallAfterBytes;
    const cut = Math.min(wanted ?? Math.floor(body.length / 2), body.length - 1);
    const status = reply.status === 204 ? 200 : reply.status;
    res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': String(body.length) });
    res.flushHeaders();
    if (rule.kind === 'reset') {
      // Reset only once what was written has left, so the client sees headers and part of a body.
      res.write(cut > 0 ? body.subarray(0, cut) : '', () => resetConnection(res.req));
      return;
    }
    if (cut > 0) res.write(body.subarray(0, cut));
  }

  private statusFaultReply(rule: FaultRule): Reply {
    const status = rule.status ?? 503;
    const bodyKind = rule.body ?? (status === 401 || status === 403 ? 'empty' : 'fabric');
    const extra: Record<string, string> = rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
    if (bodyKind === 'empty') {
      // As the gateway's auth failure: no FabricError, no JSON content type.
      const statusMessage = status === 403 ? 'Client certificate required' : undefined;
      return { status, statusMessage, headers: { 'Content-Length': '0', ...extra }, body: EMPTY };
    }
    if (bodyKind === 'html') {
      const html = Buffer.from(HTTPSYS_503_BODY);
      return {
        status,
        statusMessage: 'Service Unavailable',
        headers: {
          'Content-Type': 'text/html; charset=us-ascii',
          Server: 'Microsoft-HTTPAPI/2.0',
          'Content-Length': String(html.length),
          Connection: 'close',
          ...extra,
        },
        body: html,
      };
    }
    const code = rule.code ?? defaultCodeForStatus(status);
    const reply = this.error(code, { status, message: rule.message ?? defaultMessageForCode(code) });
    return { ...reply, headers: { ...reply.headers, ...extra } };
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
    case 'GetImageStoreInfo':
      return op.name;
    default:
      return undefined;
  }
}

function sessionPathOf(store: SessionStore, sessionId: string | undefined): string | undefined {
  const id = parseAnyGuid(sessionId);
  return id ? store.byId(id)?.path : undefined;
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
