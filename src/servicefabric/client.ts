/**
 * The HTTP client for one Service Fabric cluster's image store: its upload sessions, whether a
 * file is in the store, and the store's disk and usage.
 *
 * Every failure leaves here as exactly one typed error from `request-errors.ts` (or `AbortedError` when the
 * caller's own signal fired), so the poller and the metrics never inspect raw exceptions.
 */
import { readBoundedBody, discardBody, type BoundedBody } from './body.js';
import { classifyRequestFailure } from './classify.js';
import { decodeBody } from './decode.js';
import { OWN_TURN_BYTES, ownTurn } from './turns.js';
import {
  AbortedError,
  clip,
  FabricError,
  HttpStatusError,
  InvalidResponseError,
  MAX_FABRIC_CODE_CHARS,
  MAX_FABRIC_MESSAGE_CHARS,
  type ServiceFabricError,
  type ServiceFabricErrorOptions,
} from './request-errors.js';
import { createClusterHttp, withInFlight, type BearerToken, type ClusterHttp } from './http.js';
import { InFlight } from './in-flight.js';
import { jsonShapeProblem, parseImageStoreInfo, parseStoreContent, parseStoreContentPage, parseUploadSessions, type StoreContentPage } from './parse.js';
import { storeContentPath, storeKey, uploadSessionPath } from './path.js';
import { parseRetryAfter } from './retry-after.js';
import type { UploadSession } from './session.js';
import { MAX_LISTING_ENTRIES, MAX_LISTING_PAGES, type StoreFile, type StoreFolderListing } from './store-file.js';
import type { ImageStoreInfo } from './image-store-info.js';
import { API_VERSION, CONTENT_API_VERSION, INFO_API_VERSION } from './wire.js';
import type { buildConnector } from 'undici';
import type { FabricErrorWire } from './wire.js';

/** Options for one cluster's client. */
export interface ClientOptions {
  /** The HTTP gateway base URL, e.g. `http://127.0.0.1:19080` (no trailing slash needed). */
  endpoint: string;
  /** Deadline for one whole request, body included; also sent as `timeout` (whole seconds, rounded up). */
  requestTimeoutMs: number;
  /** The `User-Agent` header, e.g. `sf-upload-exporter/0.1.0`. */
  userAgent: string;
  /**
   * Most sockets open to this cluster at once (= `poll.concurrency`).
   * @default 8
   */
  connections?: number;
  /**
   * Largest response body read; a bigger one is cancelled and counts as an invalid response.
   * @default 4194304 (4 MiB)
   */
  maxResponseBytes?: number;
  /**
   * Extra options for undici's socket/TLS connector (`ca`, `cert`, `key`, `checkServerIdentity`,
   * `lookup`, …), merged over the defaults; or a whole connector (`tls.ts`), used as it is. The one
   * hook for per-cluster transport security.
   */
  connect?: Partial<buildConnector.BuildOptions> | buildConnector.connector;
  /**
   * The cluster's bearer token (Entra ID), set on every request by ky's `beforeRequest` hook. Its
   * failure (an `AuthError`, or discovery's own) is the request's failure.
   */
  bearerToken?: BearerToken;
  /**
   * What ky's requests run on (http.ts): `undici`, or `global`, Node's fetch with the Agent as its
   * dispatcher, kept so the benchmark can show what the choice is worth.
   * @default 'undici'
   */
  fetch?: 'undici' | 'global';
}

/** Per-call options. */
export interface RequestOptions {
  /** Aborts the call (shutdown); the call then rejects with `AbortedError`. */
  signal?: AbortSignal;
}

const DEFAULT_CONNECTIONS = 8;
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Error bodies are only read for a FabricError; a real one is a few hundred bytes. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The gateway's bound on the `timeout` query parameter (uint32 seconds). */
const MAX_SERVER_TIMEOUT_S = 4_294_967_295;
/** Node's timers (ky's timeout, our deadline) cannot wait longer. */
const MAX_TIMER_MS = 2_147_483_647;
const LINUX_HINT = 'upload sessions may not be supported on this cluster (Linux clusters have no upload-session API)';
const INFO_HINT = `GetImageStoreInfo needs api-version ${INFO_API_VERSION}, which clusters older than Service Fabric 6.5 refuse`;
/** A listing of nothing: 204, 404 with an empty body, or an empty 200 body. */
const NO_PAGE: StoreContentPage = Object.freeze({ files: [], continuationToken: undefined });

const CONTENT_HINT = `the store listing by path needs api-version ${CONTENT_API_VERSION}, which clusters older than Service Fabric 6.2 refuse`;

interface RequestContext {
  readonly method: string;
  readonly url: string;
  /** `GET <url>`, the prefix of every message. */
  readonly prefix: string;
  /** The content path asked about. */
  readonly contentPath: string;
}

/** Turns one answer into the call's result, or throws its typed error; the request's deadline still runs. */
type AnswerHandler<T> = (response: Response, context: RequestContext) => Promise<T>;

/** What a 200 body held, once read and checked to be JSON: nothing at all, or the parsed value. */
type JsonBody = { readonly empty: true } | { readonly empty: false; readonly value: unknown };

const EMPTY_BODY: JsonBody = { empty: true };

function validEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`endpoint must be http: or https:, not ${url.protocol}`);
  }
  // fetch refuses URLs with credentials, and error messages must never carry them.
  if (url.username !== '' || url.password !== '') throw new TypeError('endpoint must not contain credentials');
  if (url.search !== '' || url.hash !== '') throw new TypeError('endpoint must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function statusLine(response: Response): string {
  return response.statusText ? `${response.status} ${response.statusText}` : String(response.status);
}

function shorten(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** An object of the wire format before its values are checked. */
type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/** `{"Error":{"Code":…,"Message":…}}`, or undefined for anything else. */
function fabricErrorOf(bytes: Uint8Array): { code: string; message: string | undefined } | undefined {
  let body: unknown;
  try {
    // Decoded as a success body is: the gateway's JSON writer sends CESU-8 here too.
    const text = decodeBody(bytes);
    if (jsonShapeProblem(text) !== undefined) return undefined;
    // Stryker disable BlockStatement: the catch block's: without its return, body stays undefined and the lines below return undefined all the same
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
  // The wire format's keys, each value untrusted until checked.
  const error = (body as Unchecked<FabricErrorWire> | null)?.Error;
  const code = (error as Unchecked<FabricErrorWire['Error']> | null)?.Code;
  if (typeof code !== 'string' || code === '') return undefined;
  const message = (error as Unchecked<FabricErrorWire['Error']>).Message;
  // Cluster text: bounded here, once, for every place that shows it.
  return { code: clip(code, MAX_FABRIC_CODE_CHARS), message: typeof message === 'string' ? clip(message, MAX_FABRIC_MESSAGE_CHARS) : undefined };
}

/** The InvalidResponseError of one answer. */
function invalidResponse(context: RequestContext, base: ServiceFabricErrorOptions, what: string, cause?: unknown): InvalidResponseError {
  return new InvalidResponseError(`${context.prefix}: invalid response: ${what}`, { ...base, cause });
}

/** The error for a success status the operation never answers with; its body is dropped unread. */
function unexpectedSuccess(response: Response, context: RequestContext, base: ServiceFabricErrorOptions): InvalidResponseError {
  discardBody(response);
  return new InvalidResponseError(`${context.prefix}: invalid response: unexpected success status ${statusLine(response)}`, base);
}

/** Runs a parser on an answer; what it refuses comes back as an InvalidResponseError naming the request. */
function namingTheRequest<T>(parse: () => T, context: RequestContext, base: ServiceFabricErrorOptions): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidResponseError) throw invalidResponse(context, base, error.message, error);
    throw error;
  }
}

/**
 * The gateway's answer for a path that does not exist: 404 with an empty body (no FabricError). A
 * 404 with a body is not that answer (a proxy's page for a wrong endpoint, say) and stays a failure.
 */
function isNotFound(status: number, read: BoundedBody): boolean {
  return status === 404 && !read.tooLarge && read.bytes.byteLength === 0;
}

/** A keep-alive HTTP client for one cluster's image store. */
export class ServiceFabricClient {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #serverTimeoutS: number;
  readonly #maxResponseBytes: number;
  readonly #http: ClusterHttp;

  /** Builds the client and its connection pool; throws TypeError/RangeError on bad options. */
  constructor(options: ClientOptions) {
    this.#base = validEndpoint(options.endpoint);
    if (!Number.isFinite(options.requestTimeoutMs) || options.requestTimeoutMs <= 0 || options.requestTimeoutMs > MAX_TIMER_MS) {
      throw new RangeError(`requestTimeoutMs must be a positive number up to ${MAX_TIMER_MS}, got ${options.requestTimeoutMs}`);
    }
    this.#timeoutMs = options.requestTimeoutMs;
    this.#serverTimeoutS = Math.min(MAX_SERVER_TIMEOUT_S, Math.max(1, Math.ceil(options.requestTimeoutMs / 1000)));
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#http = createClusterHttp({
      base: this.#base,
      userAgent: options.userAgent,
      timeoutMs: options.requestTimeoutMs,
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      connect: options.connect,
      bearerToken: options.bearerToken,
      fetch: options.fetch,
    });
  }

  /** Lists the upload sessions of exactly this content path (204 → []). Throws a ServiceFabricError subclass. */
  getUploadSessions(contentPath: string, options: RequestOptions = {}): Promise<UploadSession[]> {
    const path = `${uploadSessionPath(contentPath)}?api-version=${API_VERSION}&timeout=${this.#serverTimeoutS}`;
    return this.#get(path, contentPath, options.signal, this.#handleSessions);
  }

  /**
   * Looks the content path up in the image store (GetImageStoreContent, the listing of that path):
   * the stored file when the store holds a file at that path, undefined when it holds none (404
   * with an empty body: nothing there; 204, or a listing without it: a folder). The path is
   * matched as the store keys it (`storeKey`), not as spelled. Throws a ServiceFabricError subclass.
   */
  getStoreFile(contentPath: string, options: RequestOptions = {}): Promise<StoreFile | undefined> {
    const path = `${storeContentPath(contentPath)}?api-version=${CONTENT_API_VERSION}&timeout=${this.#serverTimeoutS}`;
    return this.#get(path, contentPath, options.signal, this.#handleStoreFile);
  }

  /**
   * The disk and usage of the image store (GetImageStoreInfo, once per cycle per cluster). A runtime
   * without the route answers 400, which arrives as the FabricError or HttpStatusError it is (status
   * 400). Throws a ServiceFabricError subclass.
   */
  getImageStoreInfo(options: RequestOptions = {}): Promise<ImageStoreInfo> {
    const path = `ImageStore/$/Info?api-version=${INFO_API_VERSION}&timeout=${this.#serverTimeoutS}`;
    // Stryker disable next-line StringLiteral: only the store-file handler reads the content path; this answer names none
    return this.#get(path, '', options.signal, this.#handleInfo);
  }

  /**
   * Lists the files directly in `folder` (GetImageStoreContent of the folder, paged through
   * `ContinuationToken`): one request answers for every watched file there. Reads at most
   * `maxPages` pages and keeps at most `maxEntries` files; beyond either, the listing comes back
   * incomplete. A folder that does not exist (404 with an empty body) or holds nothing (204) lists
   * no file. Throws a ServiceFabricError subclass.
   */
  async listStoreFolder(folder: string, options: RequestOptions & { maxPages?: number; maxEntries?: number } = {}): Promise<StoreFolderListing> {
    const maxPages = options.maxPages ?? MAX_LISTING_PAGES;
    const maxEntries = options.maxEntries ?? MAX_LISTING_ENTRIES;
    const files: StoreFile[] = [];
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      // The gateway unescapes the token it reads (ImageStoreHandler::ListContentByRelativePath) and
      // escapes the one it sends, so the token travels as one encoded query value.
      const query = `api-version=${CONTENT_API_VERSION}&timeout=${this.#serverTimeoutS}${token === undefined ? '' : `&ContinuationToken=${encodeURIComponent(token)}`}`;
      const answer = await this.#get(`${storeContentPath(folder)}?${query}`, folder, options.signal, this.#handleListing);
      for (const file of answer.files) {
        if (files.length >= maxEntries) return { files, complete: false };
        files.push(file);
      }
      token = answer.continuationToken;
      if (token === undefined) return { files, complete: true };
    }
    return { files, complete: false };
  }

  /** Closes keep-alive connections. */
  async close(): Promise<void> {
    await this.#http.agent.close();
  }

  /** One GET through the cluster's ky instance: the caller's abort, the deadline, and every failure classified once. */
  async #get<T>(path: string, contentPath: string, caller: AbortSignal | undefined, handle: AnswerHandler<T>): Promise<T> {
    const url = `${this.#base}/${path}`;
    const context: RequestContext = { method: 'GET', url, prefix: `GET ${url}`, contentPath };
    if (caller?.aborted) {
      throw new AbortedError(`${context.prefix}: aborted by the caller`, { ...context, cause: caller.reason });
    }

    const inFlight = new InFlight(caller, this.#timeoutMs);
    try {
      const response = await this.#http.ky.get(path, withInFlight(inFlight));
      return await handle(response, context);
    } catch (error) {
      // The caller's abort wins over everything: a shutdown is not a failed poll.
      if (caller?.aborted) {
        throw new AbortedError(`${context.prefix}: aborted by the caller`, { ...context, cause: error });
      }
      throw classifyRequestFailure(error, { ...context, timeoutMs: this.#timeoutMs }, inFlight.timedOut);
    } finally {
      inFlight.settle();
    }
  }

  // Arrow properties: one function per client rather than a closure per request.
  readonly #handleSessions: AnswerHandler<UploadSession[]> = async (response, context) => {
    const status = response.status;
    const base: ServiceFabricErrorOptions = { method: context.method, url: context.url, status };
    // 204 is what a real gateway answers when the path has no session.
    if (status === 204) {
      discardBody(response);
      return [];
    }
    // A Response's status is 200–599 (the Fetch standard), so this is 201–299 but 204.
    if (status < 300 && status !== 200) throw unexpectedSuccess(response, context, base);
    // The request's deadline (InFlight) covers the body as it did the headers.
    if (status === 200) return this.#sessionsOf(await this.#successBody(response), base, context);
    throw this.#failureOf(response, await this.#errorBody(response), base, context, LINUX_HINT);
  };

  readonly #handleStoreFile: AnswerHandler<StoreFile | undefined> = async (response, context) => {
    const status = response.status;
    const base: ServiceFabricErrorOptions = { method: context.method, url: context.url, status };
    // HandleListContentResult: a path that exists and lists nothing (an empty folder) is 204.
    if (status === 204) {
      discardBody(response);
      return undefined;
    }
    // As for GetUploadSession, 201–299 but 204: no 1xx gets here (undici reads past it to the final
    // answer, or fails the request).
    if (status < 300 && status !== 200) throw unexpectedSuccess(response, context, base);
    if (status === 200) return this.#storeFileOf(await this.#successBody(response), base, context);
    const read = await this.#errorBody(response);
    if (isNotFound(status, read)) return undefined;
    throw this.#failureOf(response, read, base, context, CONTENT_HINT);
  };

  readonly #handleInfo: AnswerHandler<ImageStoreInfo> = async (response, context) => {
    const status = response.status;
    const base: ServiceFabricErrorOptions = { method: context.method, url: context.url, status };
    // Only 200 carries the answer: an empty one (204 or otherwise) holds no figure to show.
    if (status < 300 && status !== 200) throw unexpectedSuccess(response, context, base);
    if (status !== 200) throw this.#failureOf(response, await this.#errorBody(response), base, context, INFO_HINT);
    const body = this.#jsonOf(await this.#successBody(response), base, context);
    if (body.empty) throw invalidResponse(context, base, 'empty body');
    return namingTheRequest(() => parseImageStoreInfo(body.value), context, base);
  };

  readonly #handleListing: AnswerHandler<StoreContentPage> = async (response, context) => {
    const status = response.status;
    const base: ServiceFabricErrorOptions = { method: context.method, url: context.url, status };
    if (status === 204) {
      discardBody(response);
      return NO_PAGE;
    }
    if (status < 300 && status !== 200) throw unexpectedSuccess(response, context, base);
    if (status === 200) {
      const body = this.#jsonOf(await this.#successBody(response), base, context);
      if (body.empty) return NO_PAGE;
      return namingTheRequest(() => parseStoreContentPage(body.value), context, base);
    }
    const read = await this.#errorBody(response);
    if (isNotFound(status, read)) return NO_PAGE;
    throw this.#failureOf(response, read, base, context, CONTENT_HINT);
  };

  /** An error answer's body: only read for a FabricError, under a small bound. */
  #errorBody(response: Response): Promise<BoundedBody> {
    return readBoundedBody(response, Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes));
  }

  /** A 200 body, read within the limit; a large one is handed back in a turn of its own (turns.ts). */
  async #successBody(response: Response): Promise<BoundedBody> {
    const read = await readBoundedBody(response, this.#maxResponseBytes);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: which answers wait for a turn of their own changes when the event loop runs, never what is parsed
    if (!read.tooLarge && read.bytes.byteLength >= OWN_TURN_BYTES) await ownTurn();
    return read;
  }

  #sessionsOf(read: BoundedBody, base: ServiceFabricErrorOptions, context: RequestContext): UploadSession[] {
    const body = this.#jsonOf(read, base, context);
    // An empty 200 body means zero sessions: no gateway is known to send one, but it cannot mean
    // anything else. (An object without `UploadSessions` is rejected by the parser.)
    if (body.empty) return [];
    return namingTheRequest(() => parseUploadSessions(body.value), context, base);
  }

  #storeFileOf(read: BoundedBody, base: ServiceFabricErrorOptions, context: RequestContext): StoreFile | undefined {
    const body = this.#jsonOf(read, base, context);
    // Lists nothing, as 204 and 404 do: no gateway is known to send it, and it cannot mean a file.
    if (body.empty) return undefined;
    const files = namingTheRequest(() => parseStoreContent(body.value), context, base);
    // The listing of a file is that file, under the path the store holds (`\` separators, its own
    // case); the listing of a folder is its content, whose paths are longer than the folder's.
    const key = storeKey(context.contentPath);
    let found: StoreFile | undefined;
    files.forEach((file, i) => {
      if (storeKey(file.storeRelativePath) !== key) return;
      // The store holds one file per key; two would leave the size (and so the package figures) a guess.
      if (found) throw invalidResponse(context, base, `StoreFiles[${i}]: lists ${JSON.stringify(clip(file.storeRelativePath, 200))} a second time`);
      found = file;
    });
    return found;
  }

  /** A 200 body read, decoded and parsed as JSON; throws InvalidResponseError when it is none. */
  #jsonOf(read: BoundedBody, base: ServiceFabricErrorOptions, context: RequestContext): JsonBody {
    const invalid = (what: string, cause?: unknown): InvalidResponseError => invalidResponse(context, base, what, cause);
    if (read.tooLarge) throw invalid(`body exceeds the ${this.#maxResponseBytes}-byte limit`);
    let text: string;
    try {
      text = decodeBody(read.bytes);
    } catch (error) {
      throw invalid((error as Error).message, error);
    }
    if (text.trim() === '') return EMPTY_BODY;
    // Before parsing: a deeply nested body costs far more memory to parse than its size.
    const shape = jsonShapeProblem(text);
    if (shape !== undefined) throw invalid(`body ${shape}; not parsed`);
    try {
      return { empty: false, value: JSON.parse(text) as unknown };
    } catch (error) {
      // V8's message quotes part of the input; shortened so a huge body never lands in a log.
      throw invalid(`body is not JSON (${shorten((error as Error).message)})`, error);
    }
  }

  /** The typed error of an answer with an error status; `invalidArgHint` explains a 400 E_INVALIDARG for this operation. */
  #failureOf(response: Response, read: BoundedBody, base: ServiceFabricErrorOptions, context: RequestContext, invalidArgHint: string): ServiceFabricError {
    const withRetry: ServiceFabricErrorOptions =
      response.status === 429 || response.status === 503 ? { ...base, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) } : base;
    const fabric = read.tooLarge ? undefined : fabricErrorOf(read.bytes);
    if (!fabric) {
      return new HttpStatusError(`${context.prefix}: status ${statusLine(response)} without a Service Fabric error body`, withRetry);
    }
    // Routing failures answer 400 E_INVALIDARG; for the well-formed requests we send, the likely
    // cause is a route the cluster does not have: no upload sessions on Linux, no listing at 6.2
    // on a runtime older than that.
    const hint = response.status === 400 && fabric.code === 'E_INVALIDARG' ? invalidArgHint : undefined;
    const text = fabric.message ? `${fabric.code}: ${fabric.message}` : fabric.code;
    return new FabricError(`${context.prefix}: status ${response.status} ${text}${hint ? `; ${hint}` : ''}`, {
      ...withRetry,
      status: response.status,
      code: fabric.code,
      fabricMessage: fabric.message,
      hint,
    });
  }
}
