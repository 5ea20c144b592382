/**
 * The audience check on a token from a managed or workload identity, before it is sent to a
 * cluster. Such an identity often holds rights on Azure resources, and the cluster endpoint that
 * receives the token is only as trusted as its anonymous `GetAadMetadata`: a token for anything but
 * the cluster application must never reach it. The signature is not checked (the cluster does
 * that); only what the token says it is for.
 */
import { GUID } from '../config/identity.js';

/** Why `metadata.cluster` cannot be a token's audience for an identity, or undefined if it can. */
export function clusterApplicationProblem(clusterApp: string): string | undefined {
  // Service Fabric names its cluster application by its application id; anything else (a URL such
  // as https://management.azure.com) would ask the identity for a token to another resource.
  return GUID.test(clusterApp) ? undefined : "the cluster's GetAadMetadata names a cluster application that is not an application id (a GUID); no token was requested";
}

/** The `aud` claim of a JWT, undefined when the token is not a JWT with a readable one. */
function audiences(token: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { aud?: unknown };
    const aud = claims?.aud;
    if (typeof aud === 'string') return [aud];
    if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
    return undefined;
  } catch {
    return undefined;
  }
}

/** Why `token` must not be sent to the cluster whose application is `clusterApp`, or undefined. Never quotes the token. */
export function tokenAudienceProblem(token: string, clusterApp: string): string | undefined {
  const aud = audiences(token);
  if (aud === undefined) return 'the token has no audience that can be read, so it was not sent to the cluster';
  const want = clusterApp.toLowerCase();
  if (aud.some((a) => a.toLowerCase() === want || a.toLowerCase() === `api://${want}`)) return undefined;
  // The audience is an application id or URI, not a secret; bounded in case it is garbage.
  const shown = aud.map((a) => JSON.stringify(a.slice(0, 100))).join(', ');
  return `the token is for ${shown}, not for the cluster application ${clusterApp}, so it was not sent to the cluster`;
}
