// Response schemas of the operations read side (list, detail, approval queue),
// safe for the browser: zod only. They describe exactly what the server's
// use cases return (server/core/operations/list-operations.ts,
// get-operation-detail.ts, list-pending-reviews.ts); a type test in
// server/adapters/postgres/operation-queries.integration.test.ts fails the
// build when the two drift. Each named schema is an OpenAPI component.
import { z } from "zod";
import { AUDIT_CATEGORIES, AUDIT_SEVERITIES } from "./audit";
import { LOCK_MODES, LOCK_SCOPES } from "./locks";
import { ZQuorum } from "./approvals";

export const OPERATION_STATES = ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW", "COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"] as const;
export const OPERATION_RESULTS = ["SUCCESS", "BLOCKED_BY_CONFLICT", "BLOCKED_BY_GATE", "PAUSED_FOR_REVIEW", "LOCK_TIMEOUT", "FAILED", "ROLLED_BACK", "CANCELLED", "ALREADY_RUNNING", "SUPERSEDED"] as const;
export const OPERATION_TYPES = ["DEPLOYMENT", "ROLLBACK", "VERIFICATION", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const;
export const ACTOR_KINDS = ["HUMAN", "AUTOMATION"] as const;
export const OPERATION_SOURCES = ["API", "CONSOLE", "RULE", "DEMO"] as const;
export const EXECUTION_MODES = ["internal", "external"] as const;
export const LEASE_STATES = ["ACTIVE", "HELD", "REVOKED", "EXPIRED", "COMPLETED"] as const;
export const CONFLICT_TYPES = ["DIRECT", "DEPENDENCY", "DOWNSTREAM", "UPSTREAM", "SHARED_RESOURCE", "CASCADE", "TIMING"] as const;
export const CONFLICT_SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export const CONFLICT_ACTIONS = ["BLOCK", "PAUSE_FOR_REVIEW", "WARN", "DELAY", "QUEUE", "SUPERSEDE"] as const;
export const SAFETY_GATES = ["ERROR_BUDGET", "BLAST_RADIUS", "RECENT_FAILURES", "COOLDOWN", "RESOURCE_CAPACITY", "INCIDENT_RATE"] as const;
export const REVIEW_STATUSES = ["PENDING", "APPROVED", "REJECTED", "EXPIRED", "CANCELLED"] as const;

/** Any JSON object. */
export const ZJsonObject = z.record(z.string(), z.json());
const ZDateTime = z.iso.datetime();
const ZId = z.guid();
/** A bigint, as a decimal string. */
const ZBigIntString = z.string().regex(/^\d+$/);

export const ZOperationState = z.enum(OPERATION_STATES);
export const ZOperationType = z.enum(OPERATION_TYPES);
export const ZConflictSeverity = z.enum(CONFLICT_SEVERITIES);

export const ZOperationSummary = z
  .strictObject({
    id: ZId,
    type: ZOperationType,
    service: z.string().describe("The target service's name"),
    state: ZOperationState,
    result: z.enum(OPERATION_RESULTS).nullable(),
    actor: z.string(),
    actorKind: z.enum(ACTOR_KINDS),
    correlationId: z.string(),
    incidentId: ZId.nullable(),
    source: z.enum(OPERATION_SOURCES).describe("Who submitted it, broadly (API, CONSOLE, RULE, DEMO)"),
    execution: z.enum(EXECUTION_MODES).describe("Who carries it out: Interlock's executor (internal) or the submitter under an execution lease (external)"),
    leaseSeconds: z.number().int().nullable().describe("An external execution's lease length in seconds; null for internal"),
    idempotencyKey: z.string().nullable(),
    params: ZJsonObject,
    version: z.number().int().describe("Optimistic-concurrency version: transitions after INIT"),
    priority: z.number().int().describe("Lock priority (lower is more urgent)"),
    attempt: z.number().int().describe("How many times a worker has taken the operation up (retries after a worker stopped, and resumes)"),
    resumes: z.number().int().describe("How many of those were resumes after an approval or a person's control, not retries"),
    queuedAt: ZDateTime.nullable().describe("Since when it waits in line for its service; null when it does not"),
    control: z
      .strictObject({ action: z.enum(["PAUSE", "RESUME", "ABORT"]), by: z.string(), reason: z.string(), at: ZDateTime })
      .nullable()
      .describe("A person's pending request to pause, resume or abort it, carried out at the next safe point"),
    preemptedBy: ZId.nullable().describe("The ROLLBACK (or CRITICAL operation) that took its service while it ran"),
    breakGlass: z
      .strictObject({ by: z.string(), role: z.enum(["VIEWER", "OPERATOR", "APPROVER", "ADMIN"]), reason: z.string(), at: ZDateTime })
      .nullable()
      .describe("Who let it through a change freeze or halt, with which role, why and when (docs/freezes.md#break-glass); null when nobody did"),
    reason: z.string().nullable().describe("Why it is where it is (paused, blocked, delayed, failed), as last recorded"),
    error: z.string().nullable(),
    createdAt: ZDateTime,
    updatedAt: ZDateTime,
    startedAt: ZDateTime.nullable(),
    finishedAt: ZDateTime.nullable(),
  })
  .meta({ id: "OperationSummary" });

export const ZOperationPage = z
  .strictObject({
    items: z.array(ZOperationSummary),
    nextCursor: z.string().nullable().describe("Pass back as `cursor` for the next page; null on the last page"),
  })
  .meta({ id: "OperationPage" });

export const ZOperationTransition = z
  .strictObject({
    version: z.number().int(),
    from: ZOperationState.nullable(),
    to: ZOperationState,
    actor: z.string(),
    at: ZDateTime,
    metadata: ZJsonObject,
  })
  .meta({ id: "OperationTransition" });

export const ZOperationStep = z
  .strictObject({
    id: ZId,
    attempt: z.number().int(),
    name: z.string(),
    outcome: z.enum(["PASSED", "FAILED", "INFO"]),
    detail: ZJsonObject,
    startedAt: ZDateTime,
    endedAt: ZDateTime,
  })
  .meta({ id: "OperationStep" });

export const ZOperationGateResult = z
  .strictObject({
    id: ZId,
    gate: z.enum([...SAFETY_GATES, "FREEZE"]).describe("One of the six threshold gates, or FREEZE: change freeze windows and halts (docs/freezes.md#the-freeze-gate)"),
    source: z
      .enum(["store", "prometheus", "simulated", "graph", "config"])
      .nullable()
      .describe(
        "Where `observed` came from: Interlock's store (its operations and incidents), Prometheus, the simulated signal source (not a measurement), the dependency graph, or the configuration alone (a skipped gate); null for results recorded before sources were kept",
      ),
    passed: z.boolean(),
    skipped: z.boolean(),
    observed: z.number().nullable(),
    threshold: z.number(),
    unit: z.string(),
    reason: z.string(),
    checkedAt: ZDateTime,
  })
  .meta({ id: "OperationGateResult" });

export const ZOperationConflict = z
  .strictObject({
    id: ZId,
    type: z.enum(CONFLICT_TYPES),
    severity: ZConflictSeverity,
    action: z.enum(CONFLICT_ACTIONS),
    explanation: z.string(),
    recommendation: z.string(),
    blastRadius: z.number(),
    affectedServices: z.array(z.string()),
    conflictingOperations: z.array(
      z.strictObject({
        id: z.string(),
        service: z.string().nullable(),
        type: ZOperationType.nullable(),
        state: ZOperationState.nullable(),
      }),
    ),
    detectedAt: ZDateTime,
  })
  .meta({ id: "OperationConflict" });

const ZEscalationStep = z.strictObject({ level: z.number().int(), at: ZDateTime });

export const ZOperationReview = z
  .strictObject({
    id: ZId,
    operationId: ZId,
    status: z.enum(REVIEW_STATUSES),
    reason: z.string(),
    severity: ZConflictSeverity,
    requestedBy: z.string(),
    evidence: ZJsonObject,
    evidenceHash: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: ZDateTime.nullable(),
    approvalId: z.string().nullable(),
    notes: z.string().nullable(),
    escalationLevel: z.number().int(),
    escalationPlan: z.array(ZEscalationStep),
    nextEscalationAt: ZDateTime.nullable(),
    timeoutAt: ZDateTime.nullable(),
    evaluatedAt: ZDateTime.nullable().describe("When the evidence was last evaluated (at the pause, or refreshed since)"),
    createdAt: ZDateTime,
  })
  .meta({ id: "OperationReview" });

export const ZOperationAuditEvent = z
  .strictObject({
    seq: ZBigIntString,
    at: ZDateTime.describe("ISO-8601 with microseconds, exactly as hashed"),
    category: z.enum(AUDIT_CATEGORIES),
    severity: z.enum(AUDIT_SEVERITIES),
    actor: z.string(),
    service: z.string().nullable(),
    correlationId: z.string().nullable(),
    action: z.string(),
    payload: ZJsonObject,
    hash: z.string(),
    prevHash: z.string(),
  })
  .meta({ id: "OperationAuditEvent" });

export const ZOperationLock = z
  .strictObject({
    scope: z.enum(LOCK_SCOPES),
    resource: z.string(),
    fencingToken: ZBigIntString,
    mode: z.enum(LOCK_MODES).nullable(),
    holderId: z.string().nullable(),
    attempt: z.number().int().nullable(),
    acquiredAt: ZDateTime.nullable(),
    expiresAt: ZDateTime.nullable(),
    releasedAt: ZDateTime.nullable(),
    release: z.enum(["RELEASED", "RELEASE_FAILED", "RECOVERED"]).nullable(),
    releaseReason: z.string().nullable(),
  })
  .meta({ id: "OperationLock" });

export const ZExecutionLease = z
  .strictObject({
    state: z.enum(LEASE_STATES).describe("ACTIVE: work and heartbeat before the deadline; HELD: paused by a person, hold where you are; REVOKED, EXPIRED, COMPLETED: ended, nothing more is taken"),
    fencingToken: ZBigIntString.describe("The token every report must carry: the SERVICE lock's fencing token when the lease was granted"),
    fences: z.array(z.strictObject({ scope: z.enum(LOCK_SCOPES), resource: z.string(), fencingToken: ZBigIntString })).describe("Every lock held when the lease was granted"),
    leaseSeconds: z.number().int(),
    deadline: ZDateTime.nullable().describe("When an ACTIVE lease runs out without a heartbeat"),
    grantedAt: ZDateTime,
    lastHeartbeatAt: ZDateTime.nullable(),
    heartbeats: z.number().int(),
    holdReason: z.string().nullable(),
    endedAt: ZDateTime.nullable(),
    endReason: z.string().nullable(),
  })
  .meta({ id: "ExecutionLease" });

export const ZOperationDetail = z
  .strictObject({
    operation: ZOperationSummary,
    lockKeys: z.array(z.strictObject({ scope: z.enum(LOCK_SCOPES), resource: z.string(), mode: z.enum(LOCK_MODES) })),
    conflictCheck: ZJsonObject.nullable().describe("The conflict check's decision and blast radius"),
    outcome: ZJsonObject.nullable().describe("The executor's outcome: {executor, status, summary, detail}"),
    transitions: z.array(ZOperationTransition),
    steps: z.array(ZOperationStep),
    gateResults: z.array(ZOperationGateResult),
    conflicts: z.array(ZOperationConflict),
    review: ZOperationReview.nullable().describe("The most recent review, whatever its status"),
    quorum: ZQuorum.nullable().optional().describe("A pending review's count of approvals: \"1 of 2 approvals\", who gave them, each policy (docs/approvals.md)"),
    locks: z.array(ZOperationLock),
    auditEvents: z.array(ZOperationAuditEvent),
    auditEventsTruncated: z.boolean().describe("More events exist; page the audit API by operationId for the rest"),
    lease: ZExecutionLease.nullable().describe("An external execution's lease (docs/execution.md); null until granted, and for internal executions"),
  })
  .meta({ id: "OperationDetail" });

export const ZPendingReview = z
  .strictObject({
    id: ZId.describe("The review's id"),
    operationId: ZId,
    reason: z.string(),
    severity: ZConflictSeverity,
    requestedBy: z.string(),
    evidenceHash: z.string(),
    createdAt: ZDateTime,
    ageMs: z.number().int().nonnegative(),
    escalationLevel: z.number().int(),
    escalationPlan: z.array(ZEscalationStep),
    dueLevel: z.number().int().describe("The highest escalation level whose deadline has passed (0: none)"),
    nextEscalation: z.strictObject({ level: z.number().int(), at: ZDateTime, inMs: z.number().int() }).nullable(),
    timeoutAt: ZDateTime.nullable(),
    operation: ZOperationSummary,
    conflicts: z.strictObject({ count: z.number().int(), highestSeverity: ZConflictSeverity.nullable(), types: z.array(z.enum(CONFLICT_TYPES)) }),
    failedGates: z.array(z.strictObject({ gate: z.enum([...SAFETY_GATES, "FREEZE"]), observed: z.number().nullable(), threshold: z.number(), unit: z.string(), reason: z.string() })),
    quorum: ZQuorum.optional().describe("The count of approvals so far (docs/approvals.md)"),
  })
  .meta({ id: "PendingReview" });

export const ZPendingReviewPage = z
  .strictObject({
    items: z.array(ZPendingReview),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "PendingReviewPage" });

export type TOperationSummary = z.infer<typeof ZOperationSummary>;
export type TOperationPage = z.infer<typeof ZOperationPage>;
export type TOperationDetail = z.infer<typeof ZOperationDetail>;
export type TPendingReview = z.infer<typeof ZPendingReview>;
export type TPendingReviewPage = z.infer<typeof ZPendingReviewPage>;
