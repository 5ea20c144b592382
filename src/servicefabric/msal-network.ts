/**
 * MSAL's HTTP: every request it makes for a token (to a login host or an identity endpoint) goes
 * through ky, with our deadline, our TLS settings, a bounded answer, and only to the origins the
 * caller allows.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import ky, { type Options } from 'ky';
import { Agent, type buildConnector } from 'undici';
import { readBoundedBody } from './body.js';

/** Replaces every occurrence of each secret in `text` (defence in depth for third-party messages). */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/**
 * Requests to the authority (made for MSAL, below): no retries (MSAL decides what to do with a
 * failure, and a failed token request is held, not repeated), and every status handed back to MSAL,
 * which reads its error out of the body.
 */
const authority = ky.create({ retry: 0, throwHttpErrors: false });

/**
 * The largest answer read from the authority (its OpenID configuration, a token): Entra ID's are a
 * few KiB, a token with many group claims some tens. A misbehaving or hostile host must not make us
 * buffer any amount.
 */
export const MAX_AUTHORITY_ANSWER_BYTES = 1024 * 1024;

/** Where a `NetworkClient` may send requests, and how it connects there. */
interface NetworkClientOptions {
  /** Origins requests may go to; any other is refused before it is made. @default any */
  readonly origins?: readonly string[];
  /** Connects instead of undici's default (e.g. a pinned server certificate). */
  readonly connect?: buildConnector.connector;
}

/** MSAL's HTTP, through ky on an undici Agent so that `authority_ca_file` and our deadline apply. */
export class NetworkClient implements INetworkModule {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #origins: readonly string[] | undefined;
  /** Why this client refused a request or an answer: MSAL reports only `network_error` for it. */
  refused: string | undefined;

  constructor(ca: Buffer | undefined, timeoutMs: number, options: NetworkClientOptions = {}) {
    this.#agent = new Agent({ connect: options.connect ?? { ca, timeout: timeoutMs } });
    this.#timeoutMs = timeoutMs;
    this.#origins = options.origins;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const origin = new URL(url).origin;
    if (this.#origins !== undefined && !this.#origins.includes(origin)) {
      // Shown as an origin only: a URL's query may carry an identity's parameters.
      this.refused = `refused to send a request to ${origin}, which is not the endpoint the configuration or environment names`;
      throw new Error(this.refused);
    }
    const response = await authority(url, {
      method,
      headers: options?.headers,
      body: options?.body,
      timeout: this.#timeoutMs,
      // ky's timeout ends with the headers; this deadline covers the body too.
      signal: AbortSignal.timeout(this.#timeoutMs),
      // ky hands the dispatcher to the global fetch; the cast bridges undici's and Node's types.
      ...({ dispatcher: this.#agent } as unknown as Options),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const read = await readBoundedBody(response, MAX_AUTHORITY_ANSWER_BYTES);
    if (read.tooLarge) {
      this.refused = `the answer to ${method} ${origin} is larger than ${MAX_AUTHORITY_ANSWER_BYTES} bytes`;
      throw new Error(this.refused);
    }
    const text = Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // MSAL reads an error out of the body; a non-JSON one becomes an empty object and its status.
      body = {};
    }
    return { headers, body: body as T, status: response.status };
  }
}
