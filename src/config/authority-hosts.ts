/**
 * Which Entra ID login hosts the exporter may send a client credential to. The cluster never
 * decides this: its anonymous `GetAadMetadata` answer could come from anyone who can answer for
 * its endpoint, and whichever host receives the token request receives the secret (or a signed
 * assertion). Tokens are requested from the public cloud's login host, or from the configured
 * `authority_host`, which must be a Microsoft cloud's unless `allow_custom_authority_host` says
 * otherwise.
 */

/** Where tokens are requested when `authority_host` is not configured: the public cloud. */
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/**
 * Microsoft's clouds and their login host names, as MSAL's built-in cloud metadata lists them
 * (`@azure/msal-common` `rawMetdataJSON`): the first name of each is the one to configure, the
 * others are aliases of the same cloud.
 */
export const MICROSOFT_CLOUDS: ReadonlyArray<readonly string[]> = [
  ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
  ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
  ['login-us.microsoftonline.com'],
  ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
  ['login.microsoftonline.de'],
  ['login.sovcloud-identity.fr'],
  ['login.sovcloud-identity.de'],
  ['login.sovcloud-identity.sg'],
];

/** The host name of an https URL on the default port, lower case; undefined for anything else. */
function httpsHostOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // Any other port is not the Microsoft service, whatever the name says.
  return parsed.protocol === 'https:' && parsed.port === '' ? parsed.hostname.toLowerCase() : undefined;
}

/** The Microsoft cloud (its list of host names) an https URL belongs to, or undefined. */
function cloudOf(url: string): readonly string[] | undefined {
  const host = httpsHostOf(url);
  return host === undefined ? undefined : MICROSOFT_CLOUDS.find((names) => names.includes(host));
}

/** Whether `url` is an https URL on one of Microsoft's clouds' login hosts. */
export function isMicrosoftLoginHost(url: string): boolean {
  return cloudOf(url) !== undefined;
}

/**
 * Whether a login host named by a cluster is the trusted one: the same origin, or another name of
 * the same Microsoft cloud (a cluster may still name `login.windows.net`).
 */
export function sameLoginHost(named: string, trusted: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(named);
    b = new URL(trusted);
  } catch {
    return false;
  }
  if (a.protocol === 'https:' && a.origin === b.origin) return true;
  const cloud = cloudOf(trusted);
  return cloud !== undefined && cloud === cloudOf(named);
}
