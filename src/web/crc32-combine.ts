/**
 * crc32_combine of zlib (crc32.c, the x^(2^n) table method of zlib 1.2.12 and later): the CRC-32
 * of A followed by B from the CRC-32 of each and the length of B, without reading either. Node's
 * zlib has `crc32` but not this, and a gzip body assembled from parts compressed at different
 * times (compress.ts) needs the CRC-32 of the whole.
 */

/** The reflected CRC-32 polynomial (IEEE 802.3), as zlib's POLY. */
const POLY = 0xedb88320;
const TOP = 0x80000000;

/** a(x) * b(x) modulo p(x), in the reflected representation (x^0 is the top bit). */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let m = TOP; m !== 0; m >>>= 1) {
    if ((a & m) !== 0) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X2N[k] = x^(2^k) modulo p(x). */
const X2N: number[] = [];
for (let k = 0, p = TOP >>> 1; k < 32; k++) {
  X2N.push(p);
  p = multModP(p, p);
}

/** x^(n * 2^k) modulo p(x): n in binary picks the powers; x^(2^k) repeats with period 32 here as in zlib. */
function x2nModP(n: number, k: number): number {
  let p = TOP;
  // Arithmetic rather than bit operators: n may exceed 2^31 (a length in bits of a body over 256 MiB).
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k % 32] as number, p);
    n = Math.floor(n / 2);
    k += 1;
  }
  return p;
}

/** The CRC-32 of A followed by B, from `crcA` = CRC-32(A), `crcB` = CRC-32(B) and the byte length of B. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  // Appending lengthB bytes multiplies A's remainder by x^(8 * lengthB); zlib's x2nmodp(len2, 3).
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
