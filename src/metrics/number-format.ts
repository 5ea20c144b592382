/**
 * Sample values as prom-client 15 writes them (`${value}`, with `Nan`, `+Inf` and `-Inf`), written
 * straight into the exposition's buffer. `age_seconds` is formatted for every session at every
 * scrape, and a string plus an encoding call per value was a visible share of a scrape's time.
 */

/** A value's text as prom-client writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  // Stryker disable next-line EqualityOperator: only ±Infinity gets here (NaN returned above), never 0
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** Longest text formatValue produces (e.g. `-1.2345678901234567e-308`). */
export const MAX_VALUE_LENGTH = 24;

// Below 1e11 a value with at most three decimals has at most 14 significant digits, which a double
// tells apart from every other such decimal: its shortest round-trip text (what `${value}` gives)
// is then exactly that decimal without trailing zeros.
const FAST_LIMIT = 1e11;

// One division per digit, and the length found by multiplying: this runs for every session at every scrape.
function writeDigits(out: Uint8Array, pos: number, n: number): number {
  let length = 1;
  for (let power = 10; power <= n; power *= 10) length += 1;
  let rest = n;
  for (let i = pos + length - 1; i > pos; i--) {
    const quotient = Math.floor(rest / 10);
    out[i] = 0x30 + rest - quotient * 10;
    rest = quotient;
  }
  out[pos] = 0x30 + rest;
  return pos + length;
}

/**
 * Writes `value` at `pos` exactly as formatValue would (ASCII), returning the position after it;
 * `out` must have MAX_VALUE_LENGTH bytes free there.
 */
export function writeValue(out: Buffer, pos: number, value: number): number {
  // Stryker disable all: which values take the fast path is a matter of speed only: any value it
  // leaves to formatValue below comes out as the same text (the tests compare both with `${value}`).
  if (value >= 0 && value < FAST_LIMIT) {
    const millis = Math.round(value * 1000);
    if (millis / 1000 === value) {
      // Stryker restore all
      const whole = Math.floor(millis / 1000);
      let fraction = millis - whole * 1000;
      pos = writeDigits(out, pos, whole);
      if (fraction !== 0) {
        out[pos++] = 0x2e; // .
        const tenths = Math.floor(fraction / 100);
        out[pos++] = 0x30 + tenths;
        fraction -= tenths * 100;
        if (fraction !== 0) {
          const hundredths = Math.floor(fraction / 10);
          out[pos++] = 0x30 + hundredths;
          fraction -= hundredths * 10;
          if (fraction !== 0) out[pos++] = 0x30 + fraction;
        }
      }
      return pos;
    }
  }
  return pos + out.write(formatValue(value), pos, 'latin1');
}
