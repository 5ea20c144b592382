/** The benchmark's content paths: deterministic, realistic (backslashes, package folders). */
export function benchPaths(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `Store\\BenchApp${Math.floor(i / 100)}\\Pkg${i % 100}\\Code\\file${i}.bin`);
}
