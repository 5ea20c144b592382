import { describe, expect, it } from '@jest/globals';
import { formatValue, MAX_VALUE_LENGTH, writeValue } from '../../src/metrics/number-format.js';

function written(value: number): string {
  const out = Buffer.alloc(MAX_VALUE_LENGTH + 8, 0x7e);
  const end = writeValue(out, 4, value);
  // Nothing before the position or after the returned end is touched.
  expect(out.subarray(0, 4).toString('latin1')).toBe('~~~~');
  expect(out.subarray(end).toString('latin1')).toBe('~'.repeat(out.length - end));
  return out.subarray(4, end).toString('latin1');
}

describe('writeValue', () => {
  it('writes what prom-client writes (`${value}`) for ages in milliseconds, from 0 to centuries', () => {
    // Every millisecond count of the first 20 seconds, then a deterministic sweep of larger ones.
    const values: number[] = [];
    for (let ms = 0; ms <= 20_000; ms++) values.push(ms / 1000);
    for (let ms = 20_001, step = 7; ms < 5e12; ms += step, step = Math.ceil(step * 1.37)) values.push(ms / 1000, (ms + 1) / 1000, (ms + 999) / 1000);
    expect(values.length).toBeGreaterThan(20_000);
    for (const value of values) expect([value, written(value)]).toEqual([value, `${value}`]);
  });

  it.each([
    0, -0, 1, 42, 1e10, 99999999999.999, 1e11, 1e15, 2 ** 53 - 1, 1e21, 1e22, 0.1, 0.0005, 1e-7, 1 / 3, 2 / 3, 1.0000000000000002,
    -1, -0.001, -123.456, Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
  ])('writes %p as formatValue does', (value) => {
    expect(written(value)).toBe(formatValue(value));
  });

  it('spells the special values as prom-client does', () => {
    expect([formatValue(Number.NaN), formatValue(Number.POSITIVE_INFINITY), formatValue(Number.NEGATIVE_INFINITY)]).toEqual(['Nan', '+Inf', '-Inf']);
  });
});
