/**
 * Applies `--web.config.file` to the exporter's listener: TLS (with the toolkit's client
 * certificate policies), basic auth and security headers, re-reading the file and the files it
 * names when they change (checked with a `stat` before each new connection and each request).
 *
 * `/-/healthy` and `/-/ready` are exempt from basic auth (they reveal nothing and Kubernetes
 * probes cannot send credentials); they still get TLS and its client-certificate policy.
 * Whether the listener speaks HTTPS is decided at start; a later change between HTTP and HTTPS
 * needs a restart and is logged. A change that would leave no client authenticated (a truncated
 * rewrite, `basic_auth_users: {}`) is refused unless the file says `allow_unauthenticated: true`.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { FileSet } from '../fsutil/file-set.js';
import { BasicAuthenticator, basicCredentials, type AuthVerdict } from './auth.js';
import { authenticatesClients, loadWebConfigFile, type WebConfig, type WebTlsMaterial } from './webconfig.js';
import { isWorldWritable } from '../fsutil/file-mode.js';

/** Whether `path` is served without basic auth: health and readiness reveal nothing, and Kubernetes probes cannot send credentials. */
function exemptFromBasicAuth(path: string): boolean {
  return path === '/-/healthy' || path === '/-/ready';
}

const THROTTLE_LOG_INTERVAL_MS = 60_000;

function filesOf(path: string, config: WebConfig): string[] {
  const tls = config.tls;
  // Stryker disable next-line ConditionalExpression,ArrayDeclaration: FileSet treats a path it cannot stat as absent, so an extra undefined or bogus entry never changes
  return [path, ...(tls ? [tls.certFile, tls.keyFile, tls.clientCaFile].filter((p): p is string => p !== undefined) : [])];
}

function sansOf(socket: TLSSocket): string[] {
  // Stryker disable next-line StringLiteral: a certificate without SANs then has one made-up value, which client_allowed_sans (names from the file) does not hold either
  const text = socket.getPeerCertificate().subjectaltname ?? '';
  // "DNS:a, IP Address:10.0.0.1, email:x@y, URI:spiffe://…": the toolkit compares the values.
  // Stryker disable next-line MethodExpression,ConditionalExpression,StringLiteral: an empty value is never allowed (client_allowed_sans entries are non-empty), so dropping empties changes no verdict
  return text.split(', ').map((entry) => entry.slice(entry.indexOf(':') + 1)).filter((v) => v !== '');
}

/** The web configuration in effect, and what applies it. */
export class WebSecurity {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #auth = new BasicAuthenticator();
  readonly #https: boolean;
  #config: WebConfig;
  #material: WebTlsMaterial | undefined;
  #files: FileSet;
  #server: https.Server | undefined;
  #throttled = 0;
  #throttleLoggedMs = -Infinity;

  /** Loads `path`; throws ConfigError naming the file and key when it is invalid or names unusable files. */
  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
    const { config, material } = loadWebConfigFile(path);
    this.#warnIfWorldWritable();
    this.#auth.warm(config.users);
    this.#config = config;
    this.#material = material;
    this.#https = config.tls !== undefined;
    this.#files = new FileSet(filesOf(path, config));
    const token = this.#files.pollSync();
    if (token !== undefined) this.#files.accept(token);
  }

  /** Whether the listener serves HTTPS. */
  get https(): boolean {
    return this.#https;
  }

  /** Whether the configuration in force authenticates clients (basic auth users, or verified client certificates). */
  authenticatesClients(): boolean {
    return authenticatesClients(this.#config);
  }

  /** What the start-up log may say: never users or hashes, only how many. */
  describe(): Record<string, unknown> {
    return {
      file: this.#path,
      tls: this.#config.tls ? { cert_file: this.#config.tls.certFile, client_auth_type: this.#config.tls.clientAuthType } : false,
      basic_auth_users: Object.keys(this.#config.users).length,
      ...(this.#config.allowUnauthenticated ? { allow_unauthenticated: true } : {}),
    };
  }

  #warnIfWorldWritable(): void {
    if (!isWorldWritable(this.#path)) return;
    this.#logger.warn(
      { file: this.#path },
      'web configuration file is world-writable: anyone on this host can change the TLS, users and headers of this listener (chmod o-w)',
    );
  }

  /** Re-reads the configuration if it or a file it names changed; keeps the previous one if the new one is unusable. */
  refresh(): void {
    const token = this.#files.pollSync();
    if (token === undefined) return;
    this.#files.accept(token);
    let loaded: ReturnType<typeof loadWebConfigFile>;
    try {
      loaded = loadWebConfigFile(this.#path);
    } catch (error) {
      this.#logger.error({ file: this.#path }, `web configuration changed but is not usable; keeping the previous one: ${(error as Error).message}`);
      return;
    }
    this.#warnIfWorldWritable();
    if ((loaded.config.tls !== undefined) !== this.#https) {
      this.#logger.error({ file: this.#path }, 'web configuration changed between HTTP and HTTPS; that takes a restart, keeping the previous one');
      return;
    }
    const dropsAuthentication = authenticatesClients(this.#config) && !authenticatesClients(loaded.config);
    if (dropsAuthentication && !loaded.config.allowUnauthenticated) {
      this.#logger.error(
        { file: this.#path },
        'web configuration changed to one that authenticates no client (no basic_auth_users, no client_auth_type RequireAndVerifyClientCert); keeping the previous one. To remove authentication on purpose, add "allow_unauthenticated: true" to the file',
      );
      return;
    }
    this.#config = loaded.config;
    this.#auth.warm(loaded.config.users);
    this.#material = loaded.material;
    // A changed file list (e.g. a new client_ca_file) is tracked from now on.
    this.#files = new FileSet(filesOf(this.#path, loaded.config));
    const next = this.#files.pollSync();
    if (next !== undefined) this.#files.accept(next);
    if (this.#server) this.#applyTls(this.#server);
    if (dropsAuthentication) this.#logger.warn({ file: this.#path }, 'web configuration reloaded without authentication, as its allow_unauthenticated says: every client that can connect is served');
    else this.#logger.info({ file: this.#path }, 'web configuration reloaded');
  }

  /** Wraps the application: security headers on every answer, basic auth except on health and readiness. */
  wrap(handler: http.RequestListener): http.RequestListener {
    return (req, res) => {
      this.refresh();
      const config = this.#config;
      for (const [name, value] of Object.entries(config.headers)) res.setHeader(name, value);
      // Stryker disable next-line StringLiteral: an HTTP server's request always has a url, and split always gives a first part
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (Object.keys(config.users).length === 0 || exemptFromBasicAuth(path)) return handler(req, res);
      const credentials = basicCredentials(req);
      // No credentials at all (a browser's first request) costs no check and is not a failed attempt.
      const verdict: Promise<AuthVerdict> =
        credentials === undefined
          ? Promise.resolve({ result: 'denied' })
          : // Stryker disable next-line StringLiteral: a connected TCP socket always has a remote address
            this.#auth.verify(config.users, credentials.user, credentials.password, req.socket.remoteAddress ?? '');
      verdict.then(
        (outcome) => {
          if (outcome.result === 'ok') return handler(req, res);
          if (outcome.result === 'throttled') {
            this.#warnThrottled(req.socket.remoteAddress);
            res
              .writeHead(429, { 'Retry-After': String(outcome.retryAfterSeconds), 'Content-Type': 'text/plain; charset=utf-8' })
              .end('Too many failed authentication attempts: try again later\n');
            return;
          }
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="sf-upload-exporter"', 'Content-Type': 'text/plain; charset=utf-8' }).end('Unauthorized\n');
        },
        // Stryker disable all: unreachable: the hashes were validated when the file was read, so bcrypt.compare never rejects
        (error: unknown) => {
          this.#logger.error({ err: error }, 'basic auth check failed');
          if (!res.headersSent) res.writeHead(500).end();
        },
        // Stryker restore all
      );
    };
  }

  /** One warning a minute at most: the flood it reports must not become one in the log. */
  #warnThrottled(remote: string | undefined): void {
    this.#throttled += 1;
    const now = Date.now();
    if (now - this.#throttleLoggedMs < THROTTLE_LOG_INTERVAL_MS) return;
    this.#logger.warn({ remote, refused_since_last_warning: this.#throttled }, 'basic auth: too many failed attempts; answering 429 without checking');
    this.#throttleLoggedMs = now;
    this.#throttled = 0;
  }

  /** Creates the listener's server: HTTPS with the configured TLS, or plain HTTP; `options` carry the listener's limits (limits.ts). */
  createServer(handler: http.RequestListener, options: http.ServerOptions & { handshakeTimeout?: number } = {}): http.Server | https.Server {
    if (!this.#https) {
      const { handshakeTimeout: _tlsOnly, ...httpOptions } = options;
      return http.createServer(httpOptions, handler);
    }
    const server = https.createServer(options, handler);
    this.#server = server;
    this.#applyTls(server);
    // Before tls.Server's own listener builds the TLS socket, so a renewed certificate or policy
    // applies to this very connection.
    server.prependListener('connection', () => this.refresh());
    server.on('secureConnection', (socket: TLSSocket) => {
      const problem = this.#clientCertificateProblem(socket);
      if (problem !== undefined) {
        this.#logger.debug({ remote: socket.remoteAddress }, `client certificate refused: ${problem}`);
        socket.destroy();
      }
    });
    return server;
  }

  #applyTls(server: https.Server): void {
    const tls = this.#config.tls;
    const material = this.#material;
    if (tls === undefined || material === undefined) return;
    server.setSecureContext({
      cert: material.cert,
      key: material.key,
      ca: material.ca,
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      honorCipherOrder: tls.preferServerCipherSuites,
    });
    // tls.Server reads these two per connection but setSecureContext does not take them.
    const policy = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    // Stryker disable next-line ConditionalExpression: with NoClientCert a certificate asked for is neither verified nor checked against client_allowed_sans
    policy.requestCert = tls.clientAuthType !== 'NoClientCert';
    policy.rejectUnauthorized = tls.clientAuthType === 'RequireAndVerifyClientCert';
  }

  /** The toolkit's client_auth_type and client_allowed_sans, for the policies the handshake does not enforce itself. */
  #clientCertificateProblem(socket: TLSSocket): string | undefined {
    const tls = this.#config.tls;
    if (tls === undefined) return undefined;
    const cert = socket.getPeerCertificate();
    // Stryker disable next-line ConditionalExpression: getPeerCertificate gives {} rather than null when there is none; the null check is for safety
    const presented = cert !== null && Object.keys(cert).length > 0;
    switch (tls.clientAuthType) {
      case 'RequireAnyClientCert':
        if (!presented) return 'a client certificate is required';
        break;
      case 'VerifyClientCertIfGiven':
        if (presented && !socket.authorized) return `not trusted: ${String(socket.authorizationError)}`;
        break;
      // Stryker disable next-line ConditionalExpression: the default case only breaks, as falling out of the switch does
      default:
        break;
    }
    // Stryker disable next-line ConditionalExpression: with NoClientCert no certificate is asked for, so none is presented
    if (tls.clientAllowedSans !== undefined && presented && tls.clientAuthType !== 'NoClientCert') {
      if (!sansOf(socket).some((san) => tls.clientAllowedSans?.includes(san))) return 'no subject alternative name is in client_allowed_sans';
    }
    return undefined;
  }
}
