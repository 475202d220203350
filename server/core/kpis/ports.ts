// What the KPI use case reads from the store (docs/spec/kpis.md#the-kpis).
// Queries only; the aggregation itself is pure (compute-kpis.ts).
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
  /** An operation linked to the incident (operations.incident_id), submitted by automation (actor_kind AUTOMATION), COMPLETED at or before its resolution. */
  automationCompleted: boolean;
  /** A MANUAL_INTERVENTION audit event exists under its correlation id (at or before its resolution): a person's approval, or a person resolving it. */
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

/**
 * Which rows count: without `includeDemo`, operations and incidents whose
 * source is DEMO (the self-healing demo's runs) are left out.
 */
export interface KpiScope {
  includeDemo: boolean;
}

export interface KpiQueries {
  /** Operations created in [since, until], grouped by `bucket`. */
  operationBuckets(range: { since: Date; until: Date; bucket: KpiBucket } & KpiScope): Promise<KpiOperationBucketRow[]>;
  /** Incidents detected in [since, until]. */
  incidents(range: { since: Date; until: Date } & KpiScope): Promise<KpiIncidentRow[]>;
  lastVerification(): Promise<{ valid: boolean; at: Date } | null>;
}
