// The audit log's domain types (docs/spec/audit.md#events). Every action Interlock takes is one event;
// events form a SHA-256 hash chain over canonical bytes (RFC 8785).

/** The 15 categories of docs/spec/audit.md#categories, and ACCESS (sign-ins) added by Interlock. */
export const AUDIT_CATEGORIES = [
  "INCIDENT_DETECTION",
  "ROOT_CAUSE_ANALYSIS",
  "CODE_LOCALIZATION",
  "FIX_PLANNING",
  "PATCH_GENERATION",
  "SAFETY_GATES",
  "DEPLOYMENT",
  "VERIFICATION",
  "ROLLBACK",
  "LOCK_OPERATION",
  "CONFLICT_DETECTION",
  "STATE_TRANSITION",
  "NOTIFICATION",
  "MANUAL_INTERVENTION",
  "SYSTEM_HEALTH",
  "ACCESS",
] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

export const AUDIT_SEVERITIES = ["INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type AuditSeverity = (typeof AUDIT_SEVERITIES)[number];

/** Any JSON value: what a payload may hold (no undefined, no Date, no BigInt). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a caller asks to record. */
export interface AuditEventInput {
  category: AuditCategory;
  severity: AuditSeverity;
  actor: string;
  action: string;
  service?: string | null;
  operationId?: string | null;
  correlationId?: string | null;
  payload?: { [key: string]: JsonValue };
}

/**
 * One event as stored: the fields, the exact canonical text that was hashed,
 * and the link to the previous event. `at` is an ISO-8601 UTC timestamp with
 * exactly six fractional digits (microseconds), the precision Postgres keeps.
 */
export interface AuditRecord {
  seq: number;
  category: AuditCategory;
  severity: AuditSeverity;
  actor: string;
  service: string | null;
  operationId: string | null;
  correlationId: string | null;
  action: string;
  payload: { [key: string]: JsonValue };
  at: string;
  prevHash: string;
  hash: string;
  canonical: string;
}

/** The newest event's position: where the next append links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** A signed statement of the chain head at some moment, kept inside and outside the database. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  count: number;
  at: string;
  keyId: string;
  signature: string;
}

/**
 * What verification found. `missing-checkpoints`: the signed evidence that must
 * exist is gone (the checkpoint file, or every checkpoint of an old chain), so
 * the chain cannot be vouched for (docs/spec/audit.md#verification).
 */
export const TAMPER_KINDS = ["edited", "deleted", "reordered", "truncated", "forged-checkpoint", "missing-checkpoints"] as const;
export type TamperKind = (typeof TAMPER_KINDS)[number];

export interface VerificationResult {
  valid: boolean;
  /** Events examined. */
  checked: number;
  /** The first sequence number that is not as it was written (null when valid). */
  firstBadSeq: number | null;
  kind: TamperKind | null;
  /** A sentence saying what was found, for the console and the CLI. */
  detail: string | null;
  /** Checkpoints the chain was checked against. */
  checkpoints: number;
  lastSeq: number;
}
