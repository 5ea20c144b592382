import { describe, expect, it } from '@jest/globals';
import { addRange, complementRanges, fitsOneRange, mergeRanges, rangeBytes } from '../../src/simulator/ranges.js';

describe('ranges', () => {
  it('merges overlapping and adjacent ranges, sorted', () => {
    expect(mergeRanges([{ start: 20, end: 29 }, { start: 0, end: 9 }, { start: 10, end: 14 }, { start: 25, end: 40 }])).toEqual([
      { start: 0, end: 14 },
      { start: 20, end: 40 },
    ]);
  });

  it('complement is the ascending gaps with inclusive ends', () => {
    expect(complementRanges([], 2097152)).toEqual([{ start: 0, end: 2097151 }]);
    expect(complementRanges([{ start: 207616, end: 626976 }], 2097152)).toEqual([
      { start: 0, end: 207615 },
      { start: 626977, end: 2097151 },
    ]);
    expect(complementRanges([{ start: 0, end: 99 }], 100)).toEqual([]);
    expect(complementRanges([{ start: 0, end: 9 }, { start: 90, end: 99 }], 100)).toEqual([{ start: 10, end: 89 }]);
  });

  it('reports a zero-byte file as expecting [0,0], the runtime quirk', () => {
    expect(complementRanges([], 0)).toEqual([{ start: 0, end: 0 }]);
  });

  it('fits a chunk only wholly inside one range', () => {
    const expected = complementRanges(addRange(addRange([], { start: 10, end: 19 }), { start: 30, end: 39 }), 100);
    expect(fitsOneRange(expected, { start: 0, end: 9 })).toBe(true);
    expect(fitsOneRange(expected, { start: 20, end: 29 })).toBe(true);
    expect(fitsOneRange(expected, { start: 12, end: 15 })).toBe(false);
    expect(fitsOneRange(expected, { start: 5, end: 10 })).toBe(false);
    // Spanning two gaps and a received range between them.
    expect(fitsOneRange(expected, { start: 0, end: 29 })).toBe(false);
    expect(fitsOneRange([], { start: 0, end: 0 })).toBe(false);
  });

  it('counts bytes in ranges', () => {
    expect(rangeBytes([{ start: 0, end: 207615 }, { start: 626977, end: 2097151 }])).toBe(207616 + 1470175);
  });
});
