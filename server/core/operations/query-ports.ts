// The read side of operations: what the REST API and the console show of
// operations, their evidence, reviews and audit trail. Queries only; nothing
// here changes a row. Every timestamp is an ISO-8601 string and every bigint a
// string, so a result goes out as JSON unchanged (lib/api/operations.ts holds
// the matching zod schemas; a type test keeps the two equal).
import type { AuditCategory, AuditSeverity, JsonValue } from "../audit/types";
import type { ConflictAction, ConflictSeverity, ConflictType } from "../conflicts/types";
import type { GateSource, RecordedGate } from "../gates/types";
import type { LockMode, LockScope } from "../locks/types";
import type { Keyed, PageRequest } from "../pagination";
import type { ReviewStatus } from "./ports";
import type { ActorKind, ExecutionMode, OperationResult, OperationSource, OperationState, OperationType } from "./types";
import type { LeaseState } from "../execution/lease";

export type JsonObject = { [key: string]: JsonValue };

/** One operation as a list shows it. */
export interface OperationSummary {
  id: string;
  type: OperationType;
  /** The target service's name. */
  service: string;
  state: OperationState;
  result: OperationResult | null;
  actor: string;
  actorKind: ActorKind;
  correlationId: string;
  incidentId: string | null;
  /** Who submitted it, broadly: API, CONSOLE, RULE or DEMO. */
  source: OperationSource;
  /** Who carries it out: Interlock's executor ("internal") or the submitter under a lease ("external", docs/execution.md). */
  execution: ExecutionMode;
  /** An external execution's lease length in seconds; null for internal. */
  leaseSeconds: number | null;
  idempotencyKey: string | null;
  params: JsonObject;
  /** Optimistic-concurrency version: the number of transitions after INIT. */
  version: number;
  /** Lock priority (lower is more urgent). */
  priority: number;
  /** How many times a worker has taken the operation up (retries after a worker stopped, and resumes). */
  attempt: number;
  /** How many of those were resumes after an approval or a person's control, not retries. */
  resumes: number;
  /** Since when it waits in line for its service (docs/lifecycle.md#one-change-at-a-time-per-service); null when it does not. */
  queuedAt: string | null;
  /** A person's pending request to pause, resume or abort it. */
  control: OperationControlView | null;
  /** The ROLLBACK that took its service while it ran. */
  preemptedBy: string | null;
  /** Who let it through a freeze (docs/freezes.md#break-glass); null when nobody did. */
  breakGlass: BreakGlassView | null;
  /** Why it is where it is (paused, blocked, delayed, failed), as last recorded. */
  reason: string | null;
  /** The executor's or the run's failure message, if it failed. */
  error: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BreakGlassView {
  by: string;
  role: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN";
  reason: string;
  at: string;
}

export interface OperationControlView {
  action: "PAUSE" | "RESUME" | "ABORT";
  by: string;
  reason: string;
  at: string;
}

export interface OperationTransitionView {
  /** The operation's version after this transition (0 for the INIT row). */
  version: number;
  from: OperationState | null;
  to: OperationState;
  actor: string;
  at: string;
  /** Reason, result, review id, approval id, the locks taken (LOCKED: [{scope, resource, fencingToken}]), … */
  metadata: JsonObject;
}

export interface OperationStepView {
  id: string;
  attempt: number;
  name: string;
  outcome: "PASSED" | "FAILED" | "INFO";
  detail: JsonObject;
  startedAt: string;
  endedAt: string;
}

export interface GateResultView {
  id: string;
  gate: RecordedGate;
  /** Where `observed` came from (docs/gates.md); null for results recorded before sources were kept. */
  source: GateSource | null;
  passed: boolean;
  skipped: boolean;
  observed: number | null;
  threshold: number;
  unit: string;
  reason: string;
  checkedAt: string;
}

export interface ConflictingOperationRef {
  id: string;
  /** Null when the operation no longer exists. */
  service: string | null;
  type: OperationType | null;
  state: OperationState | null;
}

export interface ConflictView {
  id: string;
  type: ConflictType;
  severity: ConflictSeverity;
  action: ConflictAction;
  explanation: string;
  recommendation: string;
  /** The weighted blast radius score over both operations' services. */
  blastRadius: number;
  affectedServices: string[];
  conflictingOperations: ConflictingOperationRef[];
  detectedAt: string;
}

export interface EscalationStep {
  level: number;
  at: string;
}

export interface ReviewView {
  id: string;
  operationId: string;
  status: ReviewStatus;
  reason: string;
  severity: ConflictSeverity;
  requestedBy: string;
  /** What the reviewer is shown (operation, conflicts, gates, blast radius) and its SHA-256. */
  evidence: JsonObject;
  evidenceHash: string;
  decidedBy: string | null;
  decidedAt: string | null;
  approvalId: string | null;
  notes: string | null;
  escalationLevel: number;
  /** Every escalation deadline fixed at pause time (by default 15/30/60 minutes, docs/notifications.md#throttling-and-escalation). */
  escalationPlan: EscalationStep[];
  nextEscalationAt: string | null;
  timeoutAt: string | null;
  /** When the evidence was last evaluated (at the pause, or refreshed since). */
  evaluatedAt: string | null;
  createdAt: string;
}

export interface OperationAuditEvent {
  /** The event's position in the chain (a bigint, as a string). */
  seq: string;
  /** ISO-8601 with microseconds, exactly as hashed. */
  at: string;
  category: AuditCategory;
  severity: AuditSeverity;
  actor: string;
  service: string | null;
  correlationId: string | null;
  action: string;
  payload: JsonObject;
  hash: string;
  prevHash: string;
}

/** One lock the operation asked for, in canonical order. */
export interface LockRequirementView {
  scope: LockScope;
  resource: string;
  mode: LockMode;
}

/** What the store holds about one operation; get-operation-detail derives the rest. */
export interface OperationDetailRecord {
  operation: OperationSummary;
  lockKeys: LockRequirementView[];
  /** The conflict check's decision and blast radius ({checkedAt, decision, blastRadius, conflicts}). */
  conflictCheck: JsonObject | null;
  /** The executor's outcome: {executor, status, summary, detail}. */
  outcome: JsonObject | null;
  transitions: OperationTransitionView[];
  steps: OperationStepView[];
  gateResults: GateResultView[];
  conflicts: ConflictView[];
  /** The most recent review, whatever its status. */
  review: ReviewView | null;
  /** In sequence order, at most `auditLimit` of them. */
  auditEvents: OperationAuditEvent[];
  /** More events exist than `auditLimit` (page the audit API by operationId for the rest). */
  auditEventsTruncated: boolean;
  /** An external execution's lease (docs/execution.md#the-lease); null until granted, and for internal executions. */
  lease: ExecutionLeaseView | null;
}

export interface ExecutionLeaseView {
  state: LeaseState;
  /** The token reports must carry (a bigint, as a string). */
  fencingToken: string;
  fences: { scope: LockScope; resource: string; fencingToken: string }[];
  leaseSeconds: number;
  deadline: string | null;
  grantedAt: string;
  lastHeartbeatAt: string | null;
  heartbeats: number;
  holdReason: string | null;
  endedAt: string | null;
  endReason: string | null;
}

/** A PENDING review with what the approval queue shows beside it. */
export interface PendingReviewRecord {
  review: ReviewView;
  operation: OperationSummary;
  /** Every conflict recorded for the operation. */
  conflicts: { type: ConflictType; severity: ConflictSeverity; action: ConflictAction }[];
  /** The gates that failed (not skipped) in the operation's latest gate check. */
  failedGates: { gate: RecordedGate; observed: number | null; threshold: number; unit: string; reason: string }[];
}

export interface OperationFilter {
  states?: OperationState[];
  type?: OperationType;
  /** Service name. */
  service?: string;
  actor?: string;
  correlationId?: string;
  incidentId?: string;
  /** created_at ≥ since. */
  since?: Date;
  /** created_at < before. */
  before?: Date;
}

export interface OperationQueries {
  /** Newest first by (created_at desc, id desc): up to `page.limit` operations after `page.after`. */
  listOperations(filter: OperationFilter, page: PageRequest): Promise<Keyed<OperationSummary>[]>;
  /** One operation and everything recorded about it, read in one snapshot; null when there is none. */
  getOperationDetail(id: string, options: { auditLimit: number }): Promise<OperationDetailRecord | null>;
  /** PENDING reviews, oldest first by (created_at asc, id asc): up to `page.limit` after `page.after`. */
  listPendingReviews(page: PageRequest): Promise<Keyed<PendingReviewRecord>[]>;
}
