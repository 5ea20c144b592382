/**
 * The `Host` check against DNS rebinding. A hostile page can point a name of its own at the
 * exporter's address; the browser then treats the exporter as that page's own origin, so neither
 * `Origin` nor `Sec-Fetch-Site` gives it away. Only `Host` does: it carries the page's name. An
 * address the request arrived on, a loopback name and the names given with `--web.allowed-host`
 * are accepted; `/metrics` and the health endpoints are never checked (Prometheus scrapes by
 * service name).
 */
import type { IncomingMessage } from 'node:http';

/** Longest `--web.allowed-host` value: a DNS name is at most 253 characters. */
const MAX_NAME = 253;

/**
 * The host part of a `Host` value or of an address, as a URL's host: lowercase, punycode for
 * international names, IPv6 compressed in brackets, IPv4 in dotted decimal; a trailing dot
 * removed. Undefined when it is not a host.
 */
function canonicalHost(text: string): string | undefined {
  try {
    const url = new URL(`http://${text}`);
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return undefined;
    return url.hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** A socket's local address as a `Host` would name it: an IPv4-mapped address as its IPv4 form. */
function addressHost(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return canonicalHost(mapped[1]!);
  return canonicalHost(address.includes(':') ? `[${address}]` : address);
}

/** Parses the `--web.allowed-host` values; throws an Error naming the flag and the value when one is not a host name or address. */
export function parseAllowedHosts(values: readonly string[]): string[] {
  return values.map((value) => {
    const host = value.length > MAX_NAME ? undefined : canonicalHost(value);
    // A port would be ignored (the check never compares ports): refuse it rather than mislead.
    const port = value.replace(/^\[[^\]]*\]/, '').includes(':');
    if (host === undefined || host === '' || port) {
      throw new Error(`--web.allowed-host: ${JSON.stringify(value.slice(0, 80))} is not a host name or address (no scheme, port or path), e.g. --web.allowed-host=exporter.example.com`);
    }
    return host;
  });
}

/** Names that only ever reach this host: a rebinding page cannot make a browser send them. */
function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Why `req`'s `Host` is refused, or undefined when it names this exporter: the address the request
 * arrived on, a loopback name, or one of `allowed` (canonical, from `parseAllowedHosts`). A request
 * without `Host` (HTTP/1.0) is accepted: no browser sends one.
 */
export function hostProblem(req: IncomingMessage, allowed: readonly string[]): string | undefined {
  const header = req.headers.host;
  if (header === undefined) return undefined;
  const host = canonicalHost(header);
  if (host === undefined) return 'the Host header is not a host name or address';
  if (isLoopbackName(host) || allowed.includes(host)) return undefined;
  const local = req.socket.localAddress;
  if (local !== undefined && addressHost(local) === host) return undefined;
  // The canonical form only: no control character or markup of the header reaches the answer.
  return `Host ${JSON.stringify(host.slice(0, 253))} is not an address or name of this exporter: if it is one, start the exporter with --web.allowed-host=${host.slice(0, 253)}`;
}
