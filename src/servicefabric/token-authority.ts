/**
 * Where a token request for a cluster may go. The cluster's `GetAadMetadata` is anonymous and
 * answered by whoever answers for the endpoint, so it only names the tenant and the token audience;
 * the login host comes from the configuration (see config/authority-hosts.ts), and a cluster naming
 * another one is refused before any credential leaves the process.
 */
import { DEFAULT_AUTHORITY_HOST, isMicrosoftLoginHost, sameLoginHost } from '../config/authority-hosts.js';
import type { ClusterAuthConfig } from '../config/types.js';
import type { AadMetadata } from './aad-metadata.js';
import { AuthError } from './request-errors.js';

/** An Entra ID tenant as it may appear in an authority URL: a GUID or a domain name. */
const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;

/** The trusted login host and the authority URL (`host/tenant`) of a token request. */
interface TokenAuthority {
  /** `https://login.microsoftonline.com` or the configured `authority_host`. */
  readonly host: string;
  readonly authority: string;
}

/** A login host named by a cluster, as a message may show it: its origin, or that it is none. */
function shown(named: string): string {
  try {
    const origin = new URL(named).origin;
    return origin.length > 200 || origin === 'null' ? 'a value that is not an https:// origin' : origin;
  } catch {
    return 'a value that is not a URL';
  }
}

/**
 * The authority for a token request: the configured (or default) login host, which the cluster's
 * metadata must name too, and the configured or discovered tenant. Throws `AuthError`, saying why,
 * when the metadata names another host or an unusable tenant.
 */
export function tokenAuthority(auth: ClusterAuthConfig, metadata: AadMetadata): TokenAuthority {
  const host = auth.authorityHost ?? DEFAULT_AUTHORITY_HOST;
  const setting = auth.authorityHost === undefined ? 'the default; set clusters[].auth.authority_host for another cloud' : 'clusters[].auth.authority_host';
  // The configuration loader checks this too; a client built another way must not skip it.
  if (auth.allowCustomAuthorityHost !== true && !isMicrosoftLoginHost(host)) {
    throw new AuthError(`Entra ID: ${host} is not a Microsoft cloud's login host and allow_custom_authority_host is not set; no token was requested`, { url: host });
  }
  if (!sameLoginHost(metadata.login, host)) {
    throw new AuthError(
      `Entra ID: the cluster's GetAadMetadata names the login host ${shown(metadata.login)}, but tokens are only requested from ${host} (${setting}); ` +
        'no token was requested and the client credential was not sent',
      { url: host },
    );
  }
  const tenant = auth.tenantId ?? metadata.tenant;
  if (auth.tenantId === undefined && !TENANT.test(tenant)) {
    throw new AuthError('Entra ID: the cluster\'s GetAadMetadata names a tenant that is not a GUID or domain name; set clusters[].auth.tenant_id', { url: host });
  }
  return { host, authority: `${host}/${tenant}` };
}
