import type { LockStore } from "./ports";
import type { LockKey } from "./types";

export interface LockStatisticsView {
  key: LockKey;
  acquisitions: number;
  contentions: number;
  /** Share of acquisitions that had to wait (above 10 % counts as high contention, docs/specification.md#locks). */
  contentionRate: number;
  avgWaitMs: number;
  maxWaitMs: number;
  releases: number;
  avgHoldMs: number;
  maxHoldMs: number;
}

/** Per-lock contention statistics (docs/specification.md#locks), most contended first. */
export async function lockStatistics(store: LockStore): Promise<LockStatisticsView[]> {
  const rows = await store.statistics();
  return rows
    .map((s) => ({
      key: s.key,
      acquisitions: s.acquisitions,
      contentions: s.contentions,
      contentionRate: s.acquisitions ? s.contentions / s.acquisitions : 0,
      avgWaitMs: s.contentions ? s.totalWaitMs / s.contentions : 0,
      maxWaitMs: s.maxWaitMs,
      releases: s.releases,
      avgHoldMs: s.releases ? s.totalHoldMs / s.releases : 0,
      maxHoldMs: s.maxHoldMs,
    }))
    .sort((a, b) => b.contentions - a.contentions || b.acquisitions - a.acquisitions || a.key.resource.localeCompare(b.key.resource));
}
