/**
 * A setting read at most once per `maxAgeMs`: every operation needs the
 * conflict policy and gate configuration, and a query each would cost more
 * than the decision itself. A change made in another process takes effect
 * within `maxAgeMs`; concurrent callers share one read; a failed read is not
 * remembered.
 */
export function cachedSetting<T>(read: () => Promise<T>, maxAgeMs: number, now: () => number = () => performance.now()): { get(): Promise<T>; invalidate(): void } {
  let value: { v: T; at: number } | null = null;
  let pending: Promise<T> | null = null;
  return {
    get() {
      if (value && now() - value.at < maxAgeMs) return Promise.resolve(value.v);
      pending ??= read()
        .then((v) => {
          value = { v, at: now() };
          return v;
        })
        .finally(() => {
          pending = null;
        });
      return pending;
    },
    invalidate() {
      value = null;
    },
  };
}
