/**
 * `GET /$/GetAadMetadata?api-version=6.0`: the anonymous discovery call that names a cluster's Entra
 * ID authority, tenant and cluster application (the token audience).
 */
import { request, type Dispatcher } from 'undici';
import { classifyTransportError } from './classify.js';
import { AuthError, TimeoutError } from './errors.js';
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
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let status: number;
  let text: string;
  let tooLarge = false;
  try {
    const response = await request(url, { dispatcher, signal, headers: { accept: 'application/json', 'user-agent': options.userAgent } });
    status = response.statusCode;
    // Read as a stream with a limit: a misbehaving gateway or proxy must not make us buffer any amount.
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_BODY_BYTES) {
        tooLarge = true;
        response.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (deadline.aborted && !options.signal?.aborted) {
      throw new TimeoutError(`${prefix}: no complete answer within ${options.timeoutMs} ms`, { ...base, cause: error });
    }
    throw classifyTransportError(error, prefix, base);
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
