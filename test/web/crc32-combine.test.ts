import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { crc32Combine } from '../../src/web/crc32-combine.js';

const bytes = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));

describe('crc32Combine', () => {
  it('gives the CRC-32 of A followed by B from the CRC-32s of A and B, as zlib computes it', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
      }),
      { numRuns: 500 },
    );
  });

  it('combines known values: empty parts, and the check value of "123456789"', () => {
    expect(crc32Combine(0, 0, 0)).toBe(0);
    expect(crc32Combine(crc32('12345'), 0, 0)).toBe(crc32('12345'));
    expect(crc32Combine(0, crc32('6789'), 4)).toBe(crc32('6789'));
    expect(crc32Combine(crc32('12345'), crc32('6789'), 4)).toBe(0xcbf43926);
  });

  it('folds many parts in any grouping, with lengths past 2^31 and 2^32 bytes', () => {
    // A body longer than 4 GiB cannot be allocated here; folding is associative whatever the lengths,
    // so agreement between groupings checks the long-length arithmetic against the short one.
    const part = fc.record({ crc: fc.integer({ min: 0, max: 2 ** 32 - 1 }), length: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 2 ** 31 - 5, max: 2 ** 33 })) });
    fc.assert(
      fc.property(part, part, part, (a, b, c) => {
        const left = crc32Combine(crc32Combine(a.crc, b.crc, b.length), c.crc, c.length);
        const right = crc32Combine(a.crc, crc32Combine(b.crc, c.crc, c.length), b.length + c.length);
        expect(right).toBe(left);
      }),
      { numRuns: 300 },
    );
  });

  it('matches zlib across a megabyte of zeros, where the length is many powers of two', () => {
    const zeros = Buffer.alloc(1 << 20);
    const once = crc32(zeros);
    expect(crc32Combine(crc32(zeros.subarray(0, 12345)), crc32(zeros.subarray(12345)), zeros.length - 12345)).toBe(once);
  });
});
