import { describe, expect, it } from '@jest/globals';
import { parseListenAddress } from '../../src/web/listen.js';

describe('parseListenAddress', () => {
  it.each([
    [':18922', { host: '', port: 18922 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:9100', { host: 'localhost', port: 9100 }],
    ['[::1]:18922', { host: '::1', port: 18922 }],
  ])('accepts %s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it.each(['18922', 'host', '127.0.0.1:', '127.0.0.1:70000', '::1:18922', 'a:b'])('rejects %s with a message naming the value', (text) => {
    expect(() => parseListenAddress(text)).toThrow(`invalid listen address "${text}"`);
  });
});
