import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['0s', 0],
    ['1ms', 1],
    ['500ms', 500],
    ['10s', 10 * SECOND],
    ['90s', 90 * SECOND],
    ['2m', 2 * MINUTE],
    ['1h', HOUR],
    ['1d', DAY],
    ['1w', 7 * DAY],
    ['1y', 365 * DAY],
    ['1h30m', HOUR + 30 * MINUTE],
    ['1m30s', 90 * SECOND],
    ['1s500ms', 1500],
    ['1y2w3d4h5m6s7ms', 365 * DAY + 14 * DAY + 3 * DAY + 4 * HOUR + 5 * MINUTE + 6 * SECOND + 7],
    ['010s', 10 * SECOND],
    ['285616y', 285616 * 365 * DAY],
    ['9007199254740991ms', Number.MAX_SAFE_INTEGER],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    ' ',
    '10',
    '-5s',
    '+5s',
    '1.5s',
    '.5s',
    '10 s',
    ' 10s',
    '10s ',
    '10S',
    '10sec',
    '10us',
    '1d1h1d',
    '30s1m',
    'ms',
    's',
    '1e3s',
    '10 seconds',
    '00',
  ])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)} (use e.g. 500ms, 10s, 2m)`);
  });

  it.each(['285617y', '9007199254740992ms', '99999999999999999999s', '1y9007199254740991ms'])(
    'rejects %j as too large',
    (text) => {
      expect(() => parseDuration(text)).toThrow(`duration ${JSON.stringify(text)} is too large`);
    },
  );
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [1, '1ms'],
    [1500, '1s500ms'],
    [10 * SECOND, '10s'],
    [90 * SECOND, '1m30s'],
    [HOUR, '1h'],
    [HOUR + 30 * MINUTE, '1h30m'],
    [DAY, '1d'],
    [8 * DAY, '8d'],
    [14 * DAY, '2w'],
    [90 * DAY, '90d'],
    [365 * DAY, '1y'],
    [366 * DAY, '366d'],
    [730 * DAY, '2y'],
    [DAY + 1, '1d1ms'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});
