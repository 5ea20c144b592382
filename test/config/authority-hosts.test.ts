import { describe, expect, it } from '@jest/globals';
import { isMicrosoftLoginHost, sameLoginHost } from '../../src/config/authority-hosts.js';

describe('isMicrosoftLoginHost', () => {
  it.each(['https://login.microsoftonline.com', 'https://LOGIN.microsoftonline.us/', 'https://login.chinacloudapi.cn', 'https://login.sovcloud-identity.fr'])(
    'trusts %s',
    (url) => expect(isMicrosoftLoginHost(url)).toBe(true),
  );

  it.each([
    'http://login.microsoftonline.com',
    'https://login.microsoftonline.com:8443',
    'https://login.microsoftonline.com.example.net',
    'https://evil-login.microsoftonline.com',
    'https://localhost',
    'not a url',
  ])('does not trust %s', (url) => expect(isMicrosoftLoginHost(url)).toBe(false));
});

describe('sameLoginHost', () => {
  it('accepts the trusted origin, and another name of the same Microsoft cloud', () => {
    expect(sameLoginHost('https://login.microsoftonline.com/', 'https://login.microsoftonline.com')).toBe(true);
    expect(sameLoginHost('https://login.windows.net', 'https://login.microsoftonline.com')).toBe(true);
    expect(sameLoginHost('https://adfs.example.com', 'https://adfs.example.com/adfs')).toBe(true);
  });

  it('refuses another host, another cloud, another port or plain http', () => {
    expect(sameLoginHost('https://127.0.0.1:8443', 'https://login.microsoftonline.com')).toBe(false);
    expect(sameLoginHost('https://login.microsoftonline.us', 'https://login.microsoftonline.com')).toBe(false);
    expect(sameLoginHost('https://adfs.example.com:444', 'https://adfs.example.com')).toBe(false);
    expect(sameLoginHost('http://adfs.example.com', 'https://adfs.example.com')).toBe(false);
    expect(sameLoginHost('', 'https://login.microsoftonline.com')).toBe(false);
  });
});
