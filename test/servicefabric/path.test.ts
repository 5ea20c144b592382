import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { ServiceFabricClient } from '../../src/servicefabric/client.js';
import { storeContentPath, storeKey, uploadSessionPath } from '../../src/servicefabric/path.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

interface SdkClient {
  getImageStoreUploadSessionByPath(contentPath: string, options?: { timeout?: number }): Promise<unknown>;
  getImageStoreContent(contentPath: string, options?: { timeout?: number }): Promise<unknown>;
}
type SdkConstructor = new (baseUri: string, options?: { noRetryPolicy?: boolean }) => SdkClient;

// The SDK is CommonJS; require() avoids depending on how the ESM loader exposes its exports.
const require = createRequire(import.meta.url);
const { ServiceFabricClient: SdkServiceFabricClient } = require('azure-servicefabric') as { ServiceFabricClient: SdkConstructor };

const PATHS = [
  'SwaggerTest\\Common.dll',
  'a/b c#d%e',
  'Ünïcødé\\文件 😀.dll',
  'apps\\My App\\Code Package\\app.exe?x=1&y=2',
  "plain-name_1.0~!*'()",
  '$/GetUploadSession',
  // Every printable ASCII character, so no single one can differ unnoticed.
  Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join(''),
];

describe('uploadSessionPath', () => {
  it('builds the path relative to the gateway base, with $ and the function name literal', () => {
    expect(uploadSessionPath('SwaggerTest\\Common.dll')).toBe('ImageStore/SwaggerTest%5CCommon.dll/$/GetUploadSession');
  });

  it('encodes the whole content path as one component, like encodeURIComponent', () => {
    expect(uploadSessionPath('a/b c#d%e')).toBe('ImageStore/a%2Fb%20c%23d%25e/$/GetUploadSession');
    expect(uploadSessionPath('é')).toBe('ImageStore/%C3%A9/$/GetUploadSession');
  });

  it("also encodes ' as %27, as the SDK's transport does after encodeURIComponent", () => {
    expect(uploadSessionPath("it's (1)!*~")).toBe('ImageStore/it%27s%20(1)!*~/$/GetUploadSession');
  });

  it.each(['.', '..'])('refuses the dot segment %j, which URL parsing would remove', (p) => {
    expect(() => uploadSessionPath(p)).toThrow(RangeError);
  });

  it('throws like the SDK on a lone surrogate, which has no UTF-8 form', () => {
    expect(() => uploadSessionPath('a\uD800b')).toThrow(URIError);
  });
});

describe('storeContentPath', () => {
  it('is the content path alone under ImageStore, encoded as one component', () => {
    expect(storeContentPath('SwaggerTest\\Common.dll')).toBe('ImageStore/SwaggerTest%5CCommon.dll');
    expect(storeContentPath('a/b')).toBe('ImageStore/a%2Fb');
  });

  it.each(['.', '..'])('refuses the dot segment %j', (p) => {
    expect(() => storeContentPath(p)).toThrow(RangeError);
  });
});

describe('storeKey', () => {
  it('keys a path as a Windows store does: \\ separators, spaces and separators trimmed at the ends, lower case', () => {
    expect(storeKey(' /Store/App\\Code/A.DLL\\ ')).toBe('store\\app\\code\\a.dll');
    expect(storeKey('Store\\App\\a.dll')).toBe(storeKey('store/app/A.dll'));
  });

  it('keeps spaces inside the path and what is not a separator', () => {
    expect(storeKey('My App\\file name.dll')).toBe('my app\\file name.dll');
    expect(storeKey('a\\b')).not.toBe(storeKey('a\\\\b'));
  });
});

describe('content path on the wire', () => {
  let server: TestServer;
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(204).end();
    });
  });
  afterAll(async () => {
    await server.close();
  });

  async function ourRequestUrl(contentPath: string): Promise<string> {
    const client = new ServiceFabricClient({ endpoint: server.url, requestTimeoutMs: 60_000, userAgent: 'test/0' });
    try {
      seen.length = 0;
      await client.getUploadSessions(contentPath);
      expect(seen).toHaveLength(1);
      return seen[0] ?? '';
    } finally {
      await client.close();
    }
  }

  async function ourLookupUrl(contentPath: string): Promise<string> {
    const client = new ServiceFabricClient({ endpoint: server.url, requestTimeoutMs: 60_000, userAgent: 'test/0' });
    try {
      seen.length = 0;
      await client.getStoreFile(contentPath);
      expect(seen).toHaveLength(1);
      return seen[0] ?? '';
    } finally {
      await client.close();
    }
  }

  async function sdkLookupUrl(contentPath: string): Promise<string> {
    const sdk = new SdkServiceFabricClient(server.url, { noRetryPolicy: true });
    seen.length = 0;
    await sdk.getImageStoreContent(contentPath, { timeout: 60 }).catch(() => undefined);
    expect(seen).toHaveLength(1);
    return seen[0] ?? '';
  }

  async function sdkRequestUrl(contentPath: string): Promise<string> {
    const sdk = new SdkServiceFabricClient(server.url, { noRetryPolicy: true });
    seen.length = 0;
    // The SDK treats the gateway's 204 ("no session") as an error; only the request matters here.
    await sdk.getImageStoreUploadSessionByPath(contentPath, { timeout: 60 }).catch(() => undefined);
    expect(seen).toHaveLength(1);
    return seen[0] ?? '';
  }

  it('sends a backslash as %5C, not as the / that URL parsing would make of it', async () => {
    expect(await ourRequestUrl('SwaggerTest\\Common.dll')).toBe(
      '/ImageStore/SwaggerTest%5CCommon.dll/$/GetUploadSession?api-version=6.0&timeout=60',
    );
  });

  it('sends spaces, #, % and / encoded', async () => {
    expect(await ourRequestUrl('a/b c#d%e')).toBe('/ImageStore/a%2Fb%20c%23d%25e/$/GetUploadSession?api-version=6.0&timeout=60');
  });

  it('sends unicode as percent-encoded UTF-8', async () => {
    expect(await ourRequestUrl('Ünïcødé\\文件 😀.dll')).toBe(
      '/ImageStore/%C3%9Cn%C3%AFc%C3%B8d%C3%A9%5C%E6%96%87%E4%BB%B6%20%F0%9F%98%80.dll/$/GetUploadSession?api-version=6.0&timeout=60',
    );
  });

  it.each(PATHS)('sends exactly the request the official SDK sends for %j', async (contentPath) => {
    const ours = await ourRequestUrl(contentPath);
    const sdk = await sdkRequestUrl(contentPath);
    expect(ours).toBe(sdk);
  });

  it.each(PATHS)('sends exactly the store listing request the official SDK sends (getImageStoreContent) for %j', async (contentPath) => {
    const ours = await ourLookupUrl(contentPath);
    expect(ours).toBe(await sdkLookupUrl(contentPath));
    expect(ours).toMatch(/\?api-version=6\.2&timeout=60$/);
  });
});
