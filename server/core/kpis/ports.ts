// What the KPI use case reads from the store (seed 001 "Metrics & Observability",
// KPIs table). Queries only; the aggregation itself is pure (compute-kpis.ts).
import type { IncidentStatus } from "../incidents/ports";

export type KpiBucket = "hour" | "day";

/** The operations created in one bucket (UTC hour or day), counted by what happened to them. */
export interface KpiOperationBucketRow {
  /** Start of the bucket (UTC, truncated to the hour or day). */
  bucketStart: Date;
  /** Operations submitted in the bucket. */
  operations: number;
  /** Of those, operations that left INIT (the orchestrator took them up). */
  started: number;
  /** Of those, operations that paused for human review (a reviews row exists). */
  paused: number;
  /** Conflicts recorded for those operations. */
  conflicts: number;
  /** Operations that recorded at least one canary traffic step ("canary 10%" …). */
  canaryStarted: number;
  /** Of those, operations whose "canary 100%" step PASSED (promoted to all traffic). */
  canaryPromoted: number;
}

/** One incident detected in the window. */
export interface KpiIncidentRow {
  detectedAt: Date;
  resolvedAt: Date | null;
  status: IncidentStatus;
  /** A MANUAL_INTERVENTION audit event exists under its correlation id (at or before its resolution). */
  manualIntervention: boolean;
}

/** Lock statistics summed over every lock, since the lock store started keeping them. */
export interface KpiLockTotals {
  acquisitions: number;
  contentions: number;
  totalWaitMs: number;
}

export interface KpiRows {
  operationBuckets: KpiOperationBucketRow[];
  incidents: KpiIncidentRow[];
  locks: KpiLockTotals;
  /** The verdict of the most recently recorded audit chain verification; null when there was none. */
  lastVerification: { valid: boolean; at: Date } | null;
}

export interface KpiQueries {
  /** Operations created and incidents detected in [since, until], operations grouped by `bucket`. */
  operationBuckets(range: { since: Date; until: Date; bucket: KpiBucket }): Promise<KpiOperationBucketRow[]>;
  incidents(range: { since: Date; until: Date }): Promise<KpiIncidentRow[]>;
  lastVerification(): Promise<{ valid: boolean; at: Date } | null>;
}
