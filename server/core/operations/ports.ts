// What the orchestrator needs from the store. Every method that changes an
// operation takes the caller's open transaction, so a status change, its
// transition row, its evidence and its audit events commit together.
import type { StoreTransaction } from "../audit/ports";
import type { JsonValue } from "../audit/types";
import type { Conflict, OperationRef } from "../conflicts/types";
import type { ExecutionStep } from "../executors/ports";
import type { GateResult } from "../gates/types";
import type { LockKey, LockMode } from "../locks/types";
import type { BreakGlass } from "../freezes/types";
import type { Transition } from "./state-machine";
import type { ActorKind, ExecutionMode, OperationParams, OperationSource, OperationResult, OperationSnapshot, OperationState, OperationType } from "./types";

export type { StoreTransaction };

/** One lock an operation takes, as stored with it. */
export interface LockRequirement extends LockKey {
  mode: LockMode;
}

export interface OperationRecord extends OperationSnapshot {
  result: OperationResult | null;
  priority: number;
  reason: string | null;
  error: string | null;
  idempotencyKey: string | null;
  paramsHash: string;
  incidentId: string | null;
  source: OperationSource;
  /** Who carries it out (docs/execution.md). */
  execution: ExecutionMode;
  /** An external execution's lease: seconds it lasts without a heartbeat; null for internal. */
  leaseSeconds: number | null;
  /** Arrival order across processes. */
  seq: bigint;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempt: number;
  notBefore: Date | null;
  resumeApproved: boolean;
  /** Of `attempt`, the runs that resumed it after an approval or a control (not retries). */
  resumes: number;
  /** Since when it waits in line for its service; null when it does not. */
  queuedAt: Date | null;
  /** A person's pending request, carried out by the worker at the next safe point. */
  control: OperationControl | null;
  /** The operation that took this one's service while it ran (preemption). */
  preemptedBy: string | null;
  /** Who let it through a freeze (docs/freezes.md#break-glass); null when nobody did. */
  breakGlass: BreakGlass | null;
  lockKeys: LockRequirement[];
  conflictCheck: StoredConflictCheck | null;
  outcome: { [key: string]: JsonValue } | null;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * The conflict check kept with an operation: its conflicts, typed (the store
 * checks them as it reads them), and the rest of the check (decision, line,
 * blast radius, …) as it was stored.
 */
export interface StoredConflictCheck {
  /** Every conflict found, most severe first. */
  conflicts: Conflict[];
  [key: string]: unknown;
}

/** A person's request to a running or paused operation (docs/lifecycle.md "Stop and hold running work"). */
export interface OperationControl {
  action: "PAUSE" | "RESUME" | "ABORT";
  by: string;
  reason: string;
  at: string;
}

export interface NewOperation {
  id: string;
  type: OperationType;
  service: string;
  actor: string;
  actorKind: ActorKind;
  correlationId: string;
  idempotencyKey: string | null;
  params: OperationParams;
  paramsHash: string;
  inflightKey: string;
  priority: number;
  lockKeys: LockRequirement[];
  incidentId: string | null;
  source: OperationSource;
  execution: ExecutionMode;
  leaseSeconds: number | null;
  /** A submission let through a freeze by its submitter (docs/freezes.md#break-glass). */
  breakGlass?: BreakGlass | null;
  createdAt: Date;
}

/** Column changes that ride along with a transition. Absent fields are left as they are. */
export interface OperationChanges {
  result?: OperationResult;
  reason?: string;
  error?: string;
  /** Sets started_at (first time only). */
  started?: boolean;
  /** Sets finished_at and frees the in-flight key (a new identical submission may run). */
  finished?: boolean;
  /** The worker lets go of the operation (finished, or waiting for a person). */
  releaseClaim?: boolean;
  resumeApproved?: boolean;
  /** The pending control request has been carried out (or overtaken): clear it. */
  clearControl?: boolean;
  /** The operation that took this one's service (preemption). */
  preemptedBy?: string;
  /** Running again after an approval: the result of the pause no longer applies. */
  clearResult?: boolean;
  conflictCheck?: StoredConflictCheck;
  outcome?: { [key: string]: JsonValue };
}

export interface NewReview {
  id: string;
  operationId: string;
  requestedBy: string;
  reason: string;
  severity: "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
  evidence: { [key: string]: JsonValue };
  evidenceHash: string;
  escalationPlan: { level: number; at: string }[];
  nextEscalationAt: Date | null;
  timeoutAt: Date | null;
  createdAt: Date;
}

export interface TransitionWrite {
  operationId: string;
  /** The version the writer read; the write applies only if it is still current. */
  expectedVersion: number;
  /** The worker that must still own the operation (null: not a worker's write, e.g. a person's decision). */
  expectedOwner: string | null;
  transition: Transition;
  changes: OperationChanges;
  gateResults?: GateResult[];
  conflicts?: Conflict[];
  review?: NewReview;
}

export type ReviewStatus = "PENDING" | "APPROVED" | "REJECTED" | "EXPIRED" | "CANCELLED";

export interface ReviewRecord {
  id: string;
  operationId: string;
  status: ReviewStatus;
  requestedBy: string;
  reason: string;
  severity: NewReview["severity"];
  evidence: { [key: string]: JsonValue };
  evidenceHash: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  approvalId: string | null;
  notes: string | null;
  escalationLevel: number;
  escalationPlan: { level: number; at: string }[];
  nextEscalationAt: Date | null;
  timeoutAt: Date | null;
  /** When the evidence was last evaluated (at the pause, or refreshed since). */
  evaluatedAt: Date | null;
  createdAt: Date;
}

export interface TransitionRecord {
  from: string | null;
  to: string;
  version: number;
  actor: string;
  at: Date;
  metadata: { [key: string]: JsonValue };
}

export interface OperationStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  /**
   * Inserts each operation unless its idempotency key or its in-flight key is
   * taken; returns, per input, the inserted row or the operation holding the
   * key (null only if that one finished between the two reads: try again).
   */
  insertOperations(tx: StoreTransaction, operations: NewOperation[]): Promise<({ created: true; operation: OperationRecord } | { created: false; existing: OperationRecord | null })[]>;

  get(id: string): Promise<OperationRecord | null>;
  /** Which of these service names the dependency graph has. */
  knownServices(names: string[]): Promise<Set<string>>;
  /** Which of these incident ids exist (a submission naming another is refused). */
  knownIncidents(ids: string[]): Promise<Set<string>>;
  /** The review most recently decided for an operation (who approved, with which id). */
  latestDecidedReview(operationId: string): Promise<ReviewRecord | null>;
  /** Sets resume_approved on a paused operation (its review was approved); false when it is no longer paused. */
  markResumeApproved(tx: StoreTransaction, operationId: string): Promise<boolean>;

  /**
   * Applies the writes whose version (and owner) still match; returns which did.
   * Where an applied write lets go of its operation (a final state, a pause),
   * the operations waiting in line for that service are woken in the same
   * transaction, and every process is told at commit (docs/lifecycle.md#one-change-at-a-time-per-service).
   */
  applyTransitions(tx: StoreTransaction, writes: TransitionWrite[]): Promise<boolean[]>;

  /**
   * Takes up to `limit` operations that need a worker (active, or paused and
   * approved) and that no live worker owns, most urgent first; each gets the
   * claim for `leaseMs` and its attempt counter incremented. The claim's
   * owner is recorded as `<workerId>#<attempt>` (claimOwnerOf): writes
   * guarded by it fail for every earlier claim, even one of the same worker.
   */
  claim(workerId: string, limit: number, leaseMs: number): Promise<OperationRecord[]>;
  /** Extends these claims (operation id and owner); returns the ids still owned. */
  renewClaims(claims: { id: string; owner: string }[], leaseMs: number): Promise<string[]>;
  /**
   * Gives an operation back without a transition (a DELAY, or a wait in line:
   * try again at `notBefore`), saying why. `queued` marks it waiting in line
   * for its service (queued_at is set the first time, kept after).
   */
  releaseClaim(owner: string, id: string, notBefore: Date | null, reason: string, options?: { refundAttempt?: boolean; queued?: boolean }): Promise<void>;
  /** The operation's turn came: it no longer waits in line (so a newcomer sees it on its way to the service). */
  leaveLine(operationId: string): Promise<void>;
  /**
   * Records a person's control request on an operation still at `expectedVersion`
   * and in one of `states` (null clears it); false when it moved on.
   */
  setControl(tx: StoreTransaction, operationId: string, expectedVersion: number, states: OperationState[], control: OperationControl | null): Promise<boolean>;
  /** The pending control requests of these operations. */
  pendingControls(ids: string[]): Promise<Map<string, OperationControl>>;
  /** Notes which operation took these operations' service (they were sent back into line, or stopped). */
  markPreempted(ids: string[], by: string): Promise<void>;
  /** Replaces a PENDING review's evidence with a fresh evaluation; false when it is no longer pending. */
  refreshReview(tx: StoreTransaction, reviewId: string, fresh: { evidence: { [key: string]: JsonValue }; evidenceHash: string; reason: string; severity: NewReview["severity"]; evaluatedAt: Date }): Promise<boolean>;
  /** The unfinished operation holding this idempotency key or in-flight key, if any (a plan's ALREADY_RUNNING). */
  findByKeys(idempotencyKey: string | null, inflightKey: string): Promise<OperationRecord | null>;
  /** The newest operation on `service` whose parameters include every pair of `params` (a rollout gate's operation for a revision, docs/execution.md#rollout-gates). */
  latestWithParams(service: string, params: { [key: string]: string }): Promise<OperationRecord | null>;

  /**
   * In one read: every unfinished operation on `services`, every change on
   * them finished since `since`, and for each of `ownServices` when its last
   * change finished (the cooldown). Rows carry their arrival order and, when
   * finished, their finish time.
   */
  loadNeighbourhood(services: string[], since: Date, ownServices: string[]): Promise<{ operations: (OperationRef & { seq: bigint; state: OperationState; priority: number; started: boolean; attempt: number; queued: boolean; finishedAt: Date | null })[]; lastChange: Map<string, Date> }>;
  /** When the last change (not a verification) to `service`, other than `excludeId`, finished. */
  lastChangeFinishedAt(service: string, excludeId: string): Promise<Date | null>;

  /**
   * For the orphaned-lock sweep: per operation, its service, state, current
   * attempt, and whether it has settled without needing locks since before
   * `settledBefore` (finished, or paused for review).
   */
  lockNeeds(ids: string[], settledBefore: Date): Promise<Map<string, { service: string; correlationId: string; state: OperationState; attempt: number; settled: boolean }>>;

  recordStep(operationId: string, attempt: number, step: ExecutionStep): Promise<void>;
  listSteps(operationId: string): Promise<ExecutionStep[]>;
  listTransitions(operationId: string): Promise<TransitionRecord[]>;

  pendingReview(operationId: string): Promise<ReviewRecord | null>;
  /** Decides a PENDING review; false when it was no longer pending (someone decided first). */
  decideReview(tx: StoreTransaction, decision: { reviewId: string; status: Exclude<ReviewStatus, "PENDING">; decidedBy: string; decidedAt: Date; approvalId: string | null; notes: string | null }): Promise<boolean>;
  /** PENDING reviews whose timeout has passed. */
  listTimedOutReviews(now: Date, limit: number): Promise<ReviewRecord[]>;

  /** Tells workers in every process that there is work (after a commit). */
  announceWork(): Promise<void>;
  /** Tells the worker driving `operationId`, in whichever process, that a person's control request is waiting for it. */
  announceControl(operationId: string): Promise<void>;
  /** Calls `onWork` whenever any process announces work (operationId: a control request for that operation); resolves once listening. */
  onWork(listener: (controlFor: string | null) => void): Promise<() => Promise<void>>;
}
