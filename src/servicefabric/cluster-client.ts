/**
 * One cluster's client as configured: plain, TLS with a client certificate and server pinning,
 * and/or an Entra ID bearer token. Built from a `ClusterConfig` alone, so a configuration reload
 * builds a new one. Certificate and key files are checked for changes before each request and the
 * connection pool is rebuilt when they change (see fsutil/file-set.ts for why a `stat` rather than a watch).
 */
import { Agent } from 'undici';
import type { ClusterConfig } from '../config/types.js';
import { FileSet } from '../fsutil/file-set.js';
import type { Logger } from '../log.js';
import { fetchAadMetadata } from './aad-metadata.js';
import { ServiceFabricClient, type ClientOptions, type RequestOptions } from './client.js';
import { EntraTokenSource } from './entra.js';
import { HttpStatusError } from './request-errors.js';
import type { UploadSession } from './session.js';
import type { ImageStoreInfo } from './image-store-info.js';
import type { StoreFile, StoreFolderListing } from './store-file.js';
import { createTlsConnector, loadTlsMaterial, tlsFiles, TlsMaterialError, type TlsMaterial } from './tls.js';

/**
 * What every cluster client shares: the poll settings and identity. A `connect` object here (e.g.
 * a DNS `lookup` in tests) is kept under the cluster's TLS settings.
 */
type SharedClientOptions = Omit<ClientOptions, 'endpoint' | 'bearerToken'>;

/** Builds the client for one cluster; throws `TlsMaterialError`, naming the cluster, when its TLS files are unusable now. */
export function createClusterClient(cluster: ClusterConfig, shared: SharedClientOptions, logger: Logger): ClusterClient {
  if (cluster.tls?.insecureSkipVerify) {
    logger.warn({ sf_cluster: cluster.name }, 'tls.insecure_skip_verify is set: the cluster\'s server certificate is not verified, so anyone on the network path can impersonate it');
  }
  try {
    return new ClusterClient(cluster, shared, logger);
  } catch (error) {
    if (error instanceof TlsMaterialError) throw new TlsMaterialError(`cluster ${JSON.stringify(cluster.name)}: ${error.message}`);
    throw error;
  }
}

/** A cluster's client with its current key material; implements the poller's `SessionLister`. */
export class ClusterClient {
  readonly #cluster: ClusterConfig;
  readonly #shared: SharedClientOptions;
  readonly #logger: Logger;
  readonly #files: FileSet | undefined;
  readonly #tokens: EntraTokenSource | undefined;
  #material: TlsMaterial | undefined;
  #client: ServiceFabricClient;
  #refreshing: Promise<void> | undefined;
  #retired: Array<Promise<void>> = [];

  constructor(cluster: ClusterConfig, shared: SharedClientOptions, logger: Logger) {
    this.#cluster = cluster;
    this.#shared = shared;
    this.#logger = logger;
    if (cluster.tls !== undefined) {
      this.#files = new FileSet(tlsFiles(cluster.tls));
      const token = this.#files.pollSync();
      // Unusable material at start-up stops the start (the caller reports it); later it only warns.
      this.#material = loadTlsMaterial(cluster.tls);
      if (token !== undefined) this.#files.accept(token);
    }
    if (cluster.auth !== undefined) {
      this.#tokens = new EntraTokenSource({
        auth: cluster.auth,
        timeoutMs: shared.requestTimeoutMs,
        discover: (signal) => this.#discover(signal),
      });
    }
    this.#client = this.#build();
  }

  /** Lists one path's upload sessions with the current credentials; throws a ServiceFabricError. */
  getUploadSessions(contentPath: string, options: RequestOptions = {}): Promise<UploadSession[]> {
    // Without certificate files or tokens this stays a plain call: an extra promise and options
    // copy per request are a measurable share of a 10,000-path cycle's CPU.
    if (this.#files === undefined && this.#tokens === undefined) return this.#client.getUploadSessions(contentPath, options);
    return this.#withCredentials((client) => client.getUploadSessions(contentPath, options));
  }

  /** Looks one path up in the image store with the current credentials (`ServiceFabricClient.getStoreFile`); throws a ServiceFabricError. */
  getStoreFile(contentPath: string, options: RequestOptions = {}): Promise<StoreFile | undefined> {
    if (this.#files === undefined && this.#tokens === undefined) return this.#client.getStoreFile(contentPath, options);
    return this.#withCredentials((client) => client.getStoreFile(contentPath, options));
  }

  /** The image store's disk and usage with the current credentials (`ServiceFabricClient.getImageStoreInfo`); throws a ServiceFabricError. */
  getImageStoreInfo(options: RequestOptions = {}): Promise<ImageStoreInfo> {
    if (this.#files === undefined && this.#tokens === undefined) return this.#client.getImageStoreInfo(options);
    return this.#withCredentials((client) => client.getImageStoreInfo(options));
  }

  /** Lists one image-store folder with the current credentials (`ServiceFabricClient.listStoreFolder`); throws a ServiceFabricError. */
  listStoreFolder(folder: string, options: RequestOptions = {}): Promise<StoreFolderListing> {
    if (this.#files === undefined && this.#tokens === undefined) return this.#client.listStoreFolder(folder, options);
    return this.#withCredentials((client) => client.listStoreFolder(folder, options));
  }

  async #withCredentials<T>(call: (client: ServiceFabricClient) => Promise<T>): Promise<T> {
    await this.refresh();
    try {
      return await call(this.#client);
    } catch (error) {
      // The gateway refuses a stale or revoked token with 403 and an empty body (as .NET's client
      // does, the next attempt fetches a fresh token).
      if (this.#tokens && error instanceof HttpStatusError && (error.status === 401 || error.status === 403)) this.#tokens.invalidate();
      throw error;
    }
  }

  /** Rebuilds the connection pool if a certificate or key file changed; keeps the old one if the new files are unusable. */
  refresh(): Promise<void> {
    if (this.#files === undefined) return Promise.resolve();
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    await Promise.all([this.#client.close(), ...this.#retired]);
  }

  async #refresh(): Promise<void> {
    const tls = this.#cluster.tls;
    if (this.#files === undefined || tls === undefined) return;
    const token = await this.#files.poll();
    if (token === undefined) return;
    try {
      this.#material = loadTlsMaterial(tls);
    } catch (error) {
      // Mid-rotation a key may not match its certificate yet: keep polling with the old pair and
      // say so once per change seen (the token is accepted, so the next change is tried again).
      this.#files.accept(token);
      const message = error instanceof TlsMaterialError ? error.message : String(error);
      this.#logger.warn({ sf_cluster: this.#cluster.name }, `certificate files changed but cannot be used; keeping the previous ones: ${message}`);
      return;
    }
    this.#files.accept(token);
    const old = this.#client;
    this.#client = this.#build();
    // In-flight requests finish on the old pool; close() waits for them.
    this.#retired.push(old.close().catch(() => undefined));
    this.#logger.info({ sf_cluster: this.#cluster.name }, 'certificate files changed; reloaded them');
  }

  #build(): ServiceFabricClient {
    const tls = this.#cluster.tls;
    const tokens = this.#tokens;
    return new ServiceFabricClient({
      ...this.#shared,
      endpoint: this.#cluster.endpoint,
      ...(tls !== undefined && this.#material !== undefined ? { connect: this.#connector() } : {}),
      // Set on each request by the client's ky hook; the source caches it and renews it ahead of expiry.
      ...(tokens !== undefined ? { bearerToken: (signal: AbortSignal) => tokens.token(signal) } : {}),
    });
  }

  #extraConnect(): object {
    const connect = this.#shared.connect;
    return typeof connect === 'object' ? connect : {};
  }

  #connector() {
    return createTlsConnector(this.#cluster.tls!, this.#material!, this.#shared.requestTimeoutMs, this.#extraConnect());
  }

  async #discover(signal: AbortSignal | undefined) {
    const tls = this.#cluster.tls;
    const agent = new Agent({
      connect: tls !== undefined && this.#material !== undefined ? this.#connector() : { timeout: this.#shared.requestTimeoutMs, ...this.#extraConnect() },
    });
    try {
      return await fetchAadMetadata(this.#cluster.endpoint, agent, {
        timeoutMs: this.#shared.requestTimeoutMs,
        userAgent: this.#shared.userAgent,
        signal,
      });
    } finally {
      await agent.close();
    }
  }
}
