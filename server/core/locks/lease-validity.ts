/**
 * How long a lease may be trusted by its holder, measured on the holder's own
 * monotonic clock from the moment it *asked* (not when the answer arrived: the
 * store started the TTL somewhere in between), less a margin for clock drift
 * between the store and the holder. Redlock's rule, which its releases did not
 * always apply: a lease must never be handed back, or reported valid, once its
 * validity has run out.
 */
export interface LeaseTiming {
  /** performance.now() (or another monotonic clock) just before the acquire request was sent. */
  requestedAtMs: number;
  ttlMs: number;
  /** Fraction of the TTL assumed lost to drift (default 1 %). */
  driftFactor?: number;
  /** Fixed allowance for timer resolution and scheduling (default 2 ms). */
  driftFixedMs?: number;
}

/** The monotonic instant after which the holder must consider the lease lost. */
export function leaseValidUntil(timing: LeaseTiming): number {
  const drift = timing.ttlMs * (timing.driftFactor ?? 0.01) + (timing.driftFixedMs ?? 2);
  return timing.requestedAtMs + timing.ttlMs - drift;
}

/** Milliseconds of trustworthy validity left at `nowMs` (monotonic), never negative. */
export function leaseValidityLeft(validUntilMs: number, nowMs: number): number {
  return Math.max(0, validUntilMs - nowMs);
}
