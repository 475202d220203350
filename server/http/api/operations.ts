import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZOperationDetail, ZOperationPage, ZOperationSummary, ZPendingReviewPage } from "@/lib/api/operations";
import { ZCancelRequest, ZControlRequest, ZDecisionRequest, ZDecisionResult, ZEvidenceRefreshResult, ZIdempotencyHeaders, ZSubmitOperationRequest, ZSubmitOperationResult } from "@/lib/api/submit";
import { ZOperationPlan } from "@/lib/api/plan";
import type { z } from "zod";
import { actorKindOf } from "../../core/identity/principal";
import { hasRole } from "../../core/identity/roles";
import { getOperationDetail } from "../../core/operations/get-operation-detail";
import { listOperationsPage, ZListOperationsQuery } from "../../core/operations/list-operations";
import { listPendingReviewsPage, ZListPendingReviewsQuery } from "../../core/operations/list-pending-reviews";
import type { OperationRecord, ReviewRecord } from "../../core/operations/ports";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";
import { quorumsOfReviews, quorumView } from "../../core/approvals/review-quorum";
import { actorPeople } from "../../core/identity/actor-people";
import { approvalDepsOf } from "./approval-policies";

/** An operation as the write endpoints answer it: the same shape the list gives. */
export function summaryOf(op: OperationRecord): z.infer<typeof ZOperationSummary> {
  return {
    id: op.id,
    type: op.type,
    service: op.service,
    state: op.state,
    result: op.result,
    actor: op.actor,
    actorKind: op.actorKind,
    correlationId: op.correlationId,
    incidentId: op.incidentId,
    source: op.source,
    execution: op.execution,
    leaseSeconds: op.leaseSeconds,
    idempotencyKey: op.idempotencyKey,
    params: op.params as z.infer<typeof ZOperationSummary>["params"],
    version: op.version,
    priority: op.priority,
    attempt: op.attempt,
    resumes: op.resumes,
    queuedAt: op.queuedAt?.toISOString() ?? null,
    control: op.control,
    preemptedBy: op.preemptedBy,
    breakGlass: op.breakGlass ? { ...op.breakGlass, at: op.breakGlass.at.toISOString() } : null,
    reason: op.reason,
    error: op.error,
    createdAt: op.createdAt.toISOString(),
    updatedAt: op.updatedAt.toISOString(),
    startedAt: op.startedAt?.toISOString() ?? null,
    finishedAt: op.finishedAt?.toISOString() ?? null,
  };
}

function reviewOf(r: ReviewRecord) {
  return {
    id: r.id,
    operationId: r.operationId,
    status: r.status,
    reason: r.reason,
    severity: r.severity,
    requestedBy: r.requestedBy,
    evidence: r.evidence,
    evidenceHash: r.evidenceHash,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    approvalId: r.approvalId,
    notes: r.notes,
    escalationLevel: r.escalationLevel,
    escalationPlan: r.escalationPlan,
    nextEscalationAt: r.nextEscalationAt?.toISOString() ?? null,
    timeoutAt: r.timeoutAt?.toISOString() ?? null,
    evaluatedAt: r.evaluatedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export const submitOperationEndpoint = endpoint({
  operationId: "submitOperation",
  method: "POST",
  path: "/api/v1/operations",
  summary: "Submit an operation",
  description:
    "Persists the operation and returns at once (202); a worker drives it through conflicts, locks, gates, execution and verification. With the same Idempotency-Key, or the same service, type and params while one is in flight, the existing operation is returned with result ALREADY_RUNNING (200).",
  tags: ["operations"],
  access: "OPERATOR",
  headers: ZIdempotencyHeaders,
  body: ZSubmitOperationRequest,
  responses: {
    202: { description: "Accepted: a new operation", schema: ZSubmitOperationResult },
    200: { description: "ALREADY_RUNNING: the existing operation", schema: ZSubmitOperationResult },
    ...AUTH_ERRORS,
    ...NOT_FOUND,
    ...CONFLICT,
  },
  async handler({ container, principal, headers, body }) {
    const p = principal!;
    const outcome = await container.orchestrator.submit({
      ...body,
      actor: p.actor,
      actorKind: actorKindOf(p),
      // A person signed in to the console, or a tool with an API token (docs/incidents.md#sources).
      source: p.kind === "user" ? "CONSOLE" : "API",
      mayRaisePriority: hasRole(p.role, "APPROVER"),
      breakGlass: body.breakGlass ? { reason: body.breakGlass.reason, role: p.role } : undefined,
      ...(headers["idempotency-key"] ? { idempotencyKey: headers["idempotency-key"] } : {}),
    });
    return {
      status: outcome.result === "ACCEPTED" ? 202 : 200,
      body: { result: outcome.result, operation: summaryOf(outcome.operation) },
      headers: { location: `/api/v1/operations/${outcome.operation.id}` },
    };
  },
});

export const listOperationsEndpoint = endpoint({
  operationId: "listOperations",
  method: "GET",
  path: "/api/v1/operations",
  summary: "List operations",
  description: "Newest first; filters by state (comma-separated), type, service, actor, correlation id, incident and creation time; keyset pages via nextCursor.",
  tags: ["operations"],
  access: "VIEWER",
  query: ZListOperationsQuery,
  responses: { 200: { description: "One page", schema: ZOperationPage }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    return { status: 200, body: await listOperationsPage({ queries: container.queries.operations }, query) };
  },
});

export const getOperationEndpoint = endpoint({
  operationId: "getOperation",
  method: "GET",
  path: "/api/v1/operations/{id}",
  summary: "Get an operation",
  description: "The operation with its transitions, steps, gate results, conflicts, review, locks held with fencing tokens, and audit events.",
  tags: ["operations"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The operation in detail", schema: ZOperationDetail }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    const detail = await getOperationDetail({ queries: container.queries.operations }, { id: params.id });
    // A pending review shows its count of approvals (docs/approvals.md#what-people-see).
    const review = detail.review?.status === "PENDING" ? detail.review : null;
    const quorum = review ? (await quorumsOfReviews({ approvals: approvalDepsOf(container), people: actorPeople(container.identity.store) }, [{ reviewId: review.id, operation: detail.operation }])).get(review.id)! : null;
    return { status: 200, body: { ...detail, quorum } };
  },
});

function decisionEndpoint(decision: "APPROVE" | "REJECT") {
  const verb = decision === "APPROVE" ? "approve" : "reject";
  return endpoint({
    operationId: `${verb}Operation`,
    method: "POST",
    path: `/api/v1/operations/{id}/${verb}`,
    summary: decision === "APPROVE" ? "Approve a paused operation" : "Reject a paused operation",
    description:
      decision === "APPROVE"
        ? "Records an approval; once the approval policies that apply are met (N distinct approvers from the roles and teams they name: docs/approvals.md), the operation resumes: a worker re-takes its locks and executes. `quorum` says \"1 of 2 approvals\" and what is still needed. The requester cannot approve their own operation (403), nor can an approver no unmet policy draws on (403); a second approval by the same person is refused (409). Of concurrent decisions exactly one completes the quorum; a decision after the review was decided gets 409 naming who decided."
        : "Fails the operation. The requester cannot reject their own operation (403). Of concurrent decisions exactly one wins; the other gets 409.",
    tags: ["operations"],
    access: "APPROVER",
    params: ZIdParams,
    body: ZDecisionRequest,
    responses: { 200: { description: "The decision, recorded with its approval id", schema: ZDecisionResult }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
    async handler({ container, principal, params, body }) {
      const result = await container.orchestrator.decide({ operationId: params.id, decision, actor: principal!.actor, role: principal!.role, ...body });
      return { status: 200, body: { operation: summaryOf(result.operation), review: reviewOf(result.review), approvalId: result.approvalId, quorum: quorumView(result.quorum) } };
    },
  });
}

export const approveOperationEndpoint = decisionEndpoint("APPROVE");
export const rejectOperationEndpoint = decisionEndpoint("REJECT");

export const cancelOperationEndpoint = endpoint({
  operationId: "cancelOperation",
  method: "POST",
  path: "/api/v1/operations/{id}/cancel",
  summary: "Cancel an operation",
  description: "Operators cancel their own operations; approvers and admins anyone's. An IN_PROGRESS operation cannot be cancelled (409): submit a ROLLBACK.",
  tags: ["operations"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZCancelRequest,
  responses: { 200: { description: "The cancelled operation", schema: ZOperationSummary }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const p = principal!;
    const op = await container.orchestrator.cancel({ operationId: params.id, actor: p.actor, mayCancelOthers: hasRole(p.role, "APPROVER"), ...body });
    return { status: 200, body: summaryOf(op) };
  },
});

export const listPendingReviewsEndpoint = endpoint({
  operationId: "listPendingReviews",
  method: "GET",
  path: "/api/v1/reviews",
  summary: "The approval queue",
  description: "Pending reviews, oldest first, with severity, age and escalation deadlines.",
  tags: ["operations"],
  access: "VIEWER",
  query: ZListPendingReviewsQuery,
  responses: { 200: { description: "One page of pending reviews", schema: ZPendingReviewPage }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const page = await listPendingReviewsPage({ queries: container.queries.operations, clock: container.clock }, query);
    const quorums = await quorumsOfReviews({ approvals: approvalDepsOf(container), people: actorPeople(container.identity.store) }, page.items.map((r) => ({ reviewId: r.id, operation: r.operation })));
    return { status: 200, body: { ...page, items: page.items.map((r) => ({ ...r, quorum: quorums.get(r.id) })) } };
  },
});

export const planOperationEndpoint = endpoint({
  operationId: "planOperation",
  method: "POST",
  path: "/api/v1/operations/plan",
  summary: "Plan an operation (dry run)",
  description:
    "What would happen if this operation were submitted now, computed by the same steps the orchestrator runs and writing nothing (no row, no audit event, no lock): its conflicts with their sentences, each gate with observed vs threshold and its source, the blast radius, the locks it would take and who holds them, its place in line, what it would preempt or supersede, and the verdict (RUN, QUEUE, DELAY, PAUSE_FOR_REVIEW, BLOCK, ALREADY_RUNNING).",
  tags: ["operations"],
  access: "OPERATOR",
  headers: ZIdempotencyHeaders,
  body: ZSubmitOperationRequest,
  responses: { 200: { description: "The plan", schema: ZOperationPlan }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, headers, body }) {
    const p = principal!;
    const plan = await container.orchestrator.plan({
      ...body,
      actor: p.actor,
      actorKind: actorKindOf(p),
      mayRaisePriority: hasRole(p.role, "APPROVER"),
      breakGlass: body.breakGlass ? { reason: body.breakGlass.reason, role: p.role } : undefined,
      ...(headers["idempotency-key"] ? { idempotencyKey: headers["idempotency-key"] } : {}),
    });
    return { status: 200, body: plan };
  },
});

function controlEndpoint(action: "pause" | "abort") {
  return endpoint({
    operationId: `${action}Operation`,
    method: "POST",
    path: `/api/v1/operations/{id}/${action}`,
    summary: action === "pause" ? "Pause a running operation" : "Abort a running or paused operation",
    description:
      action === "pause"
        ? "The running executor holds at its next safe point (between canary steps; the deploy system is asked to hold) and the operation moves to PAUSED_FOR_HUMAN_REVIEW, keeping the steps it recorded so a resume continues from there. The request is stored and audited at once (`control` on the operation) and carried out by the worker. 409 when the operation is not IN_PROGRESS."
        : "The executor is cancelled and whatever it changed is withdrawn (a partly rolled-out canary is rolled back): the operation ends FAILED then ROLLED_BACK. One paused before it started is cancelled. 409 when it has not started or has finished.",
    tags: ["operations"],
    access: "APPROVER",
    params: ZIdParams,
    body: ZControlRequest,
    responses: { 200: { description: "The operation, with the pending request in `control`", schema: ZOperationSummary }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
    async handler({ container, principal, params, body }) {
      const input = { operationId: params.id, actor: principal!.actor, reason: body.reason };
      const op = action === "pause" ? await container.orchestrator.pause(input) : await container.orchestrator.abort(input);
      return { status: 200, body: summaryOf(op) };
    },
  });
}

export const pauseOperationEndpoint = controlEndpoint("pause");
export const abortOperationEndpoint = controlEndpoint("abort");

export const resumeOperationEndpoint = endpoint({
  operationId: "resumeOperation",
  method: "POST",
  path: "/api/v1/operations/{id}/resume",
  summary: "Resume a paused operation",
  description:
    "Approves its review with the reason as notes, on evidence re-evaluated now: a worker re-takes its locks and it continues from its last recorded step. 409 naming what changed when the evidence is worse than when it paused (it stays paused with the new evidence), or when it is not paused. The requester cannot resume their own operation (403).",
  tags: ["operations"],
  access: "APPROVER",
  params: ZIdParams,
  body: ZControlRequest,
  responses: { 200: { description: "The decision, recorded with its approval id", schema: ZDecisionResult }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const result = await container.orchestrator.resume({ operationId: params.id, actor: principal!.actor, role: principal!.role, reason: body.reason });
    return { status: 200, body: { operation: summaryOf(result.operation), review: reviewOf(result.review), approvalId: result.approvalId, quorum: quorumView(result.quorum) } };
  },
});

export const refreshEvidenceEndpoint = endpoint({
  operationId: "refreshReviewEvidence",
  method: "POST",
  path: "/api/v1/operations/{id}/review/refresh",
  summary: "Re-evaluate a review's evidence now",
  description:
    "Checks the paused operation's conflicts and gates against the present. A change replaces the evidence and its hash (audited with what changed), so an approval carrying the old hash is refused; `changes` says what changed and `worse` whether the verdict got worse.",
  tags: ["operations"],
  access: "APPROVER",
  params: ZIdParams,
  responses: { 200: { description: "The review as re-evaluated", schema: ZEvidenceRefreshResult }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params }) {
    const result = await container.orchestrator.refreshEvidence({ operationId: params.id, actor: principal!.actor });
    return { status: 200, body: { review: reviewOf(result.review), changed: result.changed, changes: result.changes, worse: result.worse } };
  },
});
