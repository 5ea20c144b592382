/**
 * The failure classification behind the `reason` label of poll_failures_total: what ky throws, and
 * errors shaped as Node's fetch and undici raise them (`TypeError: fetch failed` with the real
 * error in `cause`, sometimes an AggregateError of one error per address tried).
 */
import { describe, expect, it } from '@jest/globals';
import { HTTPError, NetworkError, TimeoutError as KyTimeoutError, type NormalizedOptions } from 'ky';
import { classifyRequestFailure, classifyTransportError, type FailedRequest } from '../../src/servicefabric/classify.js';
import { AuthError, ConnectionError, HttpStatusError, TimeoutError } from '../../src/servicefabric/request-errors.js';

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

  it('keeps the method and URL on every typed error, and reads Retry-After only on 429 and 503', () => {
    const httpError = (status: number): Error =>
      new HTTPError(new Response(null, { status, statusText: 'x', headers: { 'retry-after': '7' } }), kyRequest(), {} as NormalizedOptions);
    expect(classifyRequestFailure(httpError(429), REQUEST, false)).toMatchObject({ status: 429, retryAfterMs: 7000, method: 'GET', url: URL_ });
    expect(classifyRequestFailure(httpError(500), REQUEST, false)).toMatchObject({ status: 500, retryAfterMs: undefined });
    expect(classifyRequestFailure(new KyTimeoutError(kyRequest()), REQUEST, false)).toMatchObject({ method: 'GET', url: URL_ });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19080'), { code: 'ECONNREFUSED' });
    expect(classifyRequestFailure(new NetworkError(kyRequest(), { cause: refused }), REQUEST, false)).toMatchObject({ method: 'GET', url: URL_ });
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

/** A Node system error: a message and a `code`. */
function systemError(code: string, message = `${code.toLowerCase()} happened`): Error {
  return Object.assign(new Error(message), { code });
}

/** What fetch throws: `TypeError: fetch failed`, the real error as its cause. */
function fetchFailed(cause: unknown): Error {
  return new TypeError('fetch failed', { cause });
}

const classify = (error: unknown) => classifyTransportError(error, 'GET https://cluster:19080/ImageStore', { method: 'GET', url: 'https://cluster:19080/ImageStore' });

describe('classifyTransportError', () => {
  // Codes from Node's and OpenSSL's documentation, not from the module: each must land in its reason.
  it.each([
    ...[
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_GET_CRL',
      'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
      'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
      'CERT_SIGNATURE_FAILURE',
      'CERT_NOT_YET_VALID',
      'CERT_HAS_EXPIRED',
      'CERT_REVOKED',
      'CERT_UNTRUSTED',
      'CERT_REJECTED',
      'CERT_CHAIN_TOO_LONG',
      'INVALID_CA',
      'INVALID_PURPOSE',
      'PATH_LENGTH_EXCEEDED',
      'HOSTNAME_MISMATCH',
      'EPROTO',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ].map((code) => [code, 'tls'] as const),
    ...['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'].map((code) => [code, 'timeout'] as const),
    ...[
      'ECONNREFUSED',
      'ECONNRESET',
      'ECONNABORTED',
      'EPIPE',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EAI_FAIL',
      'EAI_NODATA',
      'EAI_NONAME',
      'EHOSTUNREACH',
      'EHOSTDOWN',
      'ENETUNREACH',
      'ENETDOWN',
      'EADDRNOTAVAIL',
      'UND_ERR_SOCKET',
      'UND_ERR_CLOSED',
    ].map((code) => [code, 'connection'] as const),
    ...['HPE_INVALID_CONSTANT', 'HPE_INVALID_HEADER_TOKEN', 'UND_ERR_HEADERS_OVERFLOW'].map((code) => [code, 'invalid_response'] as const),
  ])('classifies code %s under fetch failed as %s', (code, reason) => {
    const error = classify(fetchFailed(systemError(code)));
    expect(error.reason).toBe(reason);
    // The code is named once, before the message that did not carry it.
    expect(error.message).toContain(`${code}: ${code.toLowerCase()} happened`);
  });

  it('names the failure in the message after the request, and keeps the method, URL and original error', () => {
    const original = fetchFailed(systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:19080'));
    const error = classify(original);
    expect(error.message).toBe('GET https://cluster:19080/ImageStore: connection failed: connect ECONNREFUSED 127.0.0.1:19080');
    expect(error).toMatchObject({ method: 'GET', url: 'https://cluster:19080/ImageStore', cause: original });
    expect(classify(fetchFailed(systemError('CERT_HAS_EXPIRED', 'certificate has expired'))).message).toBe(
      'GET https://cluster:19080/ImageStore: TLS failed: CERT_HAS_EXPIRED: certificate has expired',
    );
    expect(classify(fetchFailed(systemError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'))).message).toBe(
      'GET https://cluster:19080/ImageStore: timed out: UND_ERR_HEADERS_TIMEOUT: Headers Timeout Error',
    );
    expect(classify(fetchFailed(systemError('HPE_INVALID_CONSTANT', 'Expected HTTP/')))).toMatchObject({
      message: 'GET https://cluster:19080/ImageStore: invalid response: not HTTP: HPE_INVALID_CONSTANT: Expected HTTP/',
    });
  });

  it('recognises failures by message or name where Node leaves the code unset', () => {
    const cases: Array<[Error, string]> = [
      [new Error('Client network socket disconnected before secure TLS connection was established'), 'tls'],
      [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'timeout'],
      [new Error('socket hang up'), 'connection'],
      [new Error('other side closed'), 'connection'],
      [new TypeError('terminated'), 'connection'],
      [Object.assign(new Error('Response does not match the HTTP/1.1 protocol'), { name: 'HTTPParserError' }), 'invalid_response'],
      [new Error('HTTPParserError: Response does not match the HTTP/1.1 protocol'), 'invalid_response'],
    ];
    for (const [cause, reason] of cases) expect({ message: cause.message, reason: classify(fetchFailed(cause)).reason }).toEqual({ message: cause.message, reason });
    // Only a whole "terminated" is the streaming body's end; a message that merely contains it is not.
    // (Unrecognised, the innermost error names the failure; recognised, the one recognised would.)
    expect(classify(fetchFailed(new Error('request terminated by policy', { cause: new Error('the root') }))).message).toBe(
      'GET https://cluster:19080/ImageStore: connection failed: the root',
    );
    expect(classify(fetchFailed(new Error('x HTTPParserError')))).toMatchObject({ reason: 'connection' });
  });

  it('keeps TLS when the TLS error is wrapped in a reset, whichever is outermost', () => {
    const tls = systemError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames");
    const inner = classify(fetchFailed(Object.assign(systemError('ECONNRESET', 'read ECONNRESET'), { cause: tls })));
    expect(inner.reason).toBe('tls');
    expect(inner.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    const outer = classify(Object.assign(systemError('ERR_SSL_DECRYPTION_FAILED', 'decryption failed'), { cause: systemError('ECONNRESET') }));
    expect(outer.reason).toBe('tls');
  });

  it('ranks the kinds found in one chain: TLS, then timeout, then not-HTTP, then connection', () => {
    const chain = (...errors: Error[]): Error => errors.reduceRight((cause: Error | undefined, e) => Object.assign(e, { cause }) as Error, undefined) as Error;
    expect(classify(chain(systemError('ECONNRESET'), systemError('UND_ERR_HEADERS_TIMEOUT'))).reason).toBe('timeout');
    expect(classify(chain(systemError('UND_ERR_HEADERS_TIMEOUT'), systemError('ECONNRESET'))).reason).toBe('timeout');
    expect(classify(chain(systemError('ETIMEDOUT'), systemError('CERT_HAS_EXPIRED'))).reason).toBe('tls');
    expect(classify(chain(systemError('ECONNRESET'), systemError('HPE_INVALID_CONSTANT'))).reason).toBe('invalid_response');
    expect(classify(chain(systemError('HPE_INVALID_CONSTANT'), systemError('ETIMEDOUT'))).reason).toBe('timeout');
  });

  it('searches every address of an AggregateError and reports the innermost error of the kind it picked', () => {
    const perAddress = new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:19080'), systemError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:19080')]);
    const timedOut = classify(fetchFailed(perAddress));
    expect(timedOut.reason).toBe('timeout');
    expect(timedOut.message).toBe('GET https://cluster:19080/ImageStore: timed out: connect ETIMEDOUT 10.0.0.1:19080');
    // Two of one kind: the one further in describes it best.
    const nested = classify(Object.assign(systemError('ECONNRESET', 'outer reset'), { cause: systemError('ECONNREFUSED', 'inner refusal') }));
    expect(nested.message).toBe('GET https://cluster:19080/ImageStore: connection failed: ECONNREFUSED: inner refusal');
  });

  it('counts anything unrecognised as a connection failure, in the words of the innermost error', () => {
    const error = classify(fetchFailed(new Error('something odd', { cause: new Error('the root of it') })));
    expect(error.reason).toBe('connection');
    expect(error.message).toBe('GET https://cluster:19080/ImageStore: connection failed: the root of it');
    expect(classify('a string was thrown').message).toBe('GET https://cluster:19080/ImageStore: connection failed: a string was thrown');
    expect(classify(Object.assign(new Error('numeric code'), { code: 42 })).message).toBe('GET https://cluster:19080/ImageStore: connection failed: numeric code');
  });

  it('names a recognised connection failure by itself, not by the unrecognised error it wraps', () => {
    expect(classify(fetchFailed(new Error('socket hang up', { cause: new Error('underneath') }))).message).toBe('GET https://cluster:19080/ImageStore: connection failed: socket hang up');
    expect(classify(fetchFailed(Object.assign(systemError('ECONNRESET', 'read ECONNRESET'), { cause: new Error('underneath') }))).message).toBe(
      'GET https://cluster:19080/ImageStore: connection failed: read ECONNRESET',
    );
  });

  it('skips a null cause', () => {
    const error = classify(fetchFailed(Object.assign(new Error('the last word'), { cause: null })));
    expect(error).toMatchObject({ reason: 'connection', message: 'GET https://cluster:19080/ImageStore: connection failed: the last word' });
  });

  it('ends on a cause cycle and on a chain longer than anything real', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classify(a).reason).toBe('connection');
    let deep: Error = systemError('CERT_HAS_EXPIRED');
    for (let i = 0; i < 40; i++) deep = new Error(`wrapper ${i}`, { cause: deep });
    // Past 32 links the search stops: what is that far in is not looked at.
    expect(classify(deep).reason).toBe('connection');
    expect(classify(deep).message).toBe('GET https://cluster:19080/ImageStore: connection failed: wrapper 8');
  });
});
