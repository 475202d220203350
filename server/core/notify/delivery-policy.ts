// When to send, retry or merge: pure functions of what happened and `now`.

/** Attempts before a delivery is given up as FAILED. */
export const MAX_DELIVERY_ATTEMPTS = 6;

/**
 * The wait before attempt `attempt + 1` after `attempt` failures: 5 s, 10 s,
 * 20 s, 40 s, 80 s (≈ 2.5 min in all), with ±20 % jitter from `random` so that
 * many deliveries failing together do not retry together.
 */
export function retryDelayMs(attempt: number, random: number): number {
  const base = 5_000 * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(base, 600_000) * (0.8 + 0.4 * random));
}

/**
 * A repeat is throttled when the same key went out on the same channel less
 * than `windowMs` ago. Throttled repeats are kept (status THROTTLED) and, once
 * the window has passed, summarised in one "N repeats" message: merged, never
 * dropped silently.
 */
export function isThrottled(lastAcceptedAt: Date | null, now: Date, windowMs: number): boolean {
  return windowMs > 0 && lastAcceptedAt !== null && now.getTime() - lastAcceptedAt.getTime() < windowMs;
}
