import type { LockKey, LockMode } from "./types";

/**
 * What the lock manager reports as it works, for per-process metrics
 * (Prometheus in production). Cluster-wide figures (active locks, lock ages)
 * are read from the store when scraped, not counted here.
 */
export interface LockMetrics {
  acquired(key: LockKey, mode: LockMode, waitedMs: number, contended: boolean): void;
  released(key: LockKey, heldMs: number): void;
  timedOut(key: LockKey): void;
  deadlockVictim(key: LockKey): void;
  leaseLost(key: LockKey): void;
}

export const noLockMetrics: LockMetrics = {
  acquired: () => {},
  released: () => {},
  timedOut: () => {},
  deadlockVictim: () => {},
  leaseLost: () => {},
};
