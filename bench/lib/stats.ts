// Small statistics shared by the benchmarks and their runner.

/** The value at quantile `p` (0..1) of an ascending array: the nearest rank below, as the benchmarks have always reported. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Median (the mean of the middle two for an even count), minimum, maximum and the quartiles of a handful of runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Linear-interpolated quartiles (the same as numpy's default); with 3 runs they lie between the min and the median, and the median and the max. */
  q1: number;
  q3: number;
  n: number;
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  return { median: at(0.5), min: sorted[0]!, max: sorted.at(-1)!, q1: at(0.25), q3: at(0.75), n: sorted.length };
}

/** Rounds to `digits` decimals; null for a missing or non-finite value (JSON has no NaN). */
export function round(value: number | null | undefined, digits = 0): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Number(value.toFixed(digits));
}
