import { describe, expect, it } from '@jest/globals';
import { HTTPError, NetworkError, TimeoutError as KyTimeoutError, type NormalizedOptions } from 'ky';
import { classifyRequestFailure, type FailedRequest } from '../../src/servicefabric/classify.js';
import { AuthError, ConnectionError, HttpStatusError, TimeoutError } from '../../src/servicefabric/errors.js';

const URL_ = 'http://127.0.0.1:19080/ImageStore/a/$/GetUploadSession?api-version=6.0&timeout=2';
const REQUEST: FailedRequest = { method: 'GET', url: URL_, prefix: `GET ${URL_}`, timeoutMs: 1500 };
const kyRequest = (): Request => new Request(URL_);

describe('classifyRequestFailure: what ky throws, as one typed error', () => {
  it("turns ky's TimeoutError into a timeout with the request's deadline", () => {
    const error = classifyRequestFailure(new KyTimeoutError(kyRequest()), REQUEST, false);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe(`GET ${URL_}: no complete answer within 1500 ms`);
  });

  it('turns any error into a timeout once our deadline on the body has passed', () => {
    const error = classifyRequestFailure(new Error('terminated'), REQUEST, true);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it("turns ky's HTTPError into http_status, with the status and a 503's Retry-After", () => {
    const response = new Response(null, { status: 503, statusText: 'Service Unavailable', headers: { 'retry-after': '7' } });
    const error = classifyRequestFailure(new HTTPError(response, kyRequest(), {} as NormalizedOptions), REQUEST, false);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect([error.status, error.retryAfterMs]).toEqual([503, 7000]);
    expect(error.message).toBe(`GET ${URL_}: status 503 Service Unavailable`);
  });

  it("classifies ky's NetworkError by the cause it carries", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19080'), { code: 'ECONNREFUSED' });
    const error = classifyRequestFailure(new NetworkError(kyRequest(), { cause: new TypeError('fetch failed', { cause: refused }) }), REQUEST, false);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('passes an error already typed (the token hook\'s) through unchanged', () => {
    const auth = new AuthError('Entra ID token request to https://login.example/t failed: invalid_client');
    expect(classifyRequestFailure(auth, REQUEST, false)).toBe(auth);
  });
});
