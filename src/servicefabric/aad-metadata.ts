/**
 * `GET /$/GetAadMetadata?api-version=6.0`: the anonymous discovery call that names a cluster's Entra
 * ID authority, tenant and cluster application (the token audience).
 */
import ky, { type Options } from 'ky';
import type { Dispatcher } from 'undici';
import { readBoundedBody } from './body.js';
import { classifyRequestFailure } from './classify.js';
import { AuthError } from './request-errors.js';
import { InFlight } from './in-flight.js';
import { jsonShapeProblem } from './parse.js';

/** The `metadata` object of a cluster whose `type` is `aad`. */
export interface AadMetadata {
  /** Login host, e.g. `https://login.microsoftonline.com`. */
  readonly login: string;
  /** `login/tenant`. */
  readonly authority: string;
  readonly tenant: string;
  /** The cluster application id: the audience tokens must carry. */
  readonly cluster: string;
  /** The native client application id (used by interactive tools, not by us). */
  readonly client?: string;
}

const MAX_BODY_BYTES = 64 * 1024;

/** A one-off anonymous call per token lifetime: no retries, no redirects, statuses judged below. */
const discovery = ky.create({ retry: 0, throwHttpErrors: false, redirect: 'manual' });

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Fetches and checks a cluster's AAD metadata; throws a ServiceFabricError (`auth`, or the transport's reason). */
export async function fetchAadMetadata(
  endpoint: string,
  dispatcher: Dispatcher,
  options: { timeoutMs: number; userAgent: string; signal?: AbortSignal },
): Promise<AadMetadata> {
  const url = `${endpoint}/$/GetAadMetadata?api-version=6.0`;
  const prefix = `GET ${url}`;
  const base = { method: 'GET', url };
  const inFlight = new InFlight(options.signal, options.timeoutMs);
  let status: number;
  let text: string;
  let tooLarge = false;
  try {
    const response = await discovery.get(url, {
      signal: inFlight.signal,
      timeout: options.timeoutMs,
      headers: { accept: 'application/json', 'user-agent': options.userAgent },
      // The cluster's pool and TLS settings (see http.ts for the cast).
      ...({ dispatcher } as unknown as Options),
    });
    status = response.status;
    // The deadline (InFlight) covers the body too; read with a limit: a misbehaving gateway or
    // proxy must not make us buffer any amount.
    const read = await readBoundedBody(response, MAX_BODY_BYTES);
    if (read.tooLarge) tooLarge = true;
    text = read.tooLarge ? '' : Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength).toString('utf8');
  } catch (error) {
    throw classifyRequestFailure(error, { ...base, prefix, timeoutMs: options.timeoutMs }, inFlight.timedOut);
  } finally {
    inFlight.settle();
  }
  if (tooLarge) throw new AuthError(`${prefix}: Entra ID discovery failed: the answer is larger than ${MAX_BODY_BYTES} bytes`, { ...base, status });
  if (status !== 200) throw new AuthError(`${prefix}: Entra ID discovery failed: status ${status}`, { ...base, status });
  const shape = jsonShapeProblem(text);
  if (shape !== undefined) throw new AuthError(`${prefix}: Entra ID discovery failed: the answer ${shape}`, { ...base, status });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AuthError(`${prefix}: Entra ID discovery failed: the answer is not JSON`, { ...base, status });
  }
  const { type, metadata } = (body ?? {}) as { type?: unknown; metadata?: Record<string, unknown> };
  if (type !== 'aad') {
    throw new AuthError(`${prefix}: the cluster does not use Entra ID (metadata type ${JSON.stringify(type ?? null)}); remove clusters[].auth`, {
      ...base,
      status,
    });
  }
  const m = metadata ?? {};
  if (!nonEmpty(m.login) || !nonEmpty(m.tenant) || !nonEmpty(m.cluster)) {
    throw new AuthError(`${prefix}: Entra ID discovery failed: metadata lacks login, tenant or cluster`, { ...base, status });
  }
  return {
    login: m.login.replace(/\/+$/, ''),
    authority: nonEmpty(m.authority) ? m.authority : `${m.login.replace(/\/+$/, '')}/${m.tenant}`,
    tenant: m.tenant,
    cluster: m.cluster,
    client: nonEmpty(m.client) ? m.client : undefined,
  };
}
