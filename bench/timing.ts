/** Median wall time of a function, in ms per call, after `warm` untimed calls. */
export function medianMs(fn: () => void, n: number, warm = 20): number {
  for (let i = 0; i < warm; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(n / 2)]!;
}
