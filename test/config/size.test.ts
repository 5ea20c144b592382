import { describe, expect, it } from '@jest/globals';
import { formatSize, parseSize } from '../../src/config/size.js';
import { parseConfig } from '../../src/config/load.js';

describe('parseSize', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1048576', 1_048_576],
    ['512B', 512],
    ['64KiB', 65_536],
    ['4MiB', 4_194_304],
    ['1GiB', 1_073_741_824],
    ['10KB', 10_000],
    ['10MB', 10_000_000],
    ['2GB', 2_000_000_000],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', '4 MiB', '4mib', '4M', '1.5MiB', '-1', 'MiB', '4MiBs', '99999999999999999GiB'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(/size/);
  });
});

describe('formatSize', () => {
  it.each<[number, string]>([
    [0, '0B'],
    [1000, '1000B'],
    [1024, '1KiB'],
    [4_194_304, '4MiB'],
    [1_073_741_824, '1GiB'],
    [1_572_864, '1536KiB'],
  ])('%d is %j, which parses back', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
    expect(parseSize(text)).toBe(bytes);
  });
});

describe('poll.max_response_size', () => {
  const withSize = (value: string): string =>
    `poll: {max_response_size: ${value}}\nclusters: [{name: a, endpoint: "http://a", content_paths: [p]}]`;

  it('takes a whole number of bytes as well as a size with a unit', () => {
    expect(parseConfig(withSize('65536')).poll.maxResponseBytes).toBe(65_536);
    expect(parseConfig(withSize('16MiB')).poll.maxResponseBytes).toBe(16 * 1024 * 1024);
  });

  it('names the field when the number is not whole bytes', () => {
    expect(() => parseConfig(withSize('1.5'))).toThrow('poll.max_response_size: expected a whole number of bytes or a size such as "4MiB", got number 1.5');
    expect(() => parseConfig(withSize('512'))).toThrow('poll.max_response_size: must be between 1KiB and 1GiB, got 512');
  });
});
