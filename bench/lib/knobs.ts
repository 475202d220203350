// The benchmarks' settings: an environment variable when set, else the full
// default, or the quick one when the runner was given --quick (BENCH_QUICK=1).
// Quick runs are for checking that a benchmark works, not for its figures.

export const QUICK = process.env.BENCH_QUICK === "1";

export function knob(name: string, full: number, quick: number = full): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== "") {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    return value;
  }
  return QUICK ? quick : full;
}
