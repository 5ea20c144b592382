import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import prettyBytes from 'pretty-bytes';
import { formatBytes } from '../../src/status/format.js';

describe('formatBytes', () => {
  it('reads as pretty-bytes in binary units with one decimal did, for any size', () => {
    const reference = (n: number): string => prettyBytes(n, { binary: true, maximumFractionDigits: 1 });
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.maxSafeInteger().filter((n) => n >= 0)), (n) => {
        expect(formatBytes(n)).toBe(reference(n));
      }),
      { numRuns: 2000 },
    );
    // Unit boundaries and their neighbours, where rounding differs most easily.
    for (let exponent = 0; exponent <= 5; exponent++) {
      for (const delta of [-1, 0, 1]) {
        const n = 1024 ** exponent + delta;
        if (n >= 0) expect(formatBytes(n)).toBe(reference(n));
      }
    }
  });

  it('shows what the status page and the table show for typical sizes', () => {
    expect([0, 1023, 6144, 506_343_424, 1_288_490_189].map(formatBytes)).toEqual(['0 B', '1023 B', '6 KiB', '482.8 MiB', '1.2 GiB']);
  });
});
