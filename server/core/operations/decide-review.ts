import { z } from "zod";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import { operationEvent, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord, ReviewRecord } from "./ports";
import { planTransition } from "./state-machine";

export const ZReviewDecisionInput = z.strictObject({
  operationId: z.uuid(),
  decision: z.enum(["APPROVE", "REJECT"]),
  /** The signed-in reviewer. */
  actor: z.string().trim().min(1).max(200),
  notes: z.string().trim().max(4000).optional(),
  /** The reviewer's own approval reference (seed: APPROVE-99887); generated when absent. */
  approvalId: z.string().trim().min(3).max(100).optional(),
  /** The evidence hash the reviewer was shown: refused if the evidence has changed since. */
  evidenceHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type ReviewDecisionInput = z.input<typeof ZReviewDecisionInput>;

export interface ReviewDecision {
  operation: OperationRecord;
  review: ReviewRecord;
  approvalId: string | null;
}

/**
 * Approves or rejects a paused operation. The requester cannot decide their
 * own operation. Of two concurrent decisions (approve and reject, or a cancel)
 * exactly one wins: the review row changes only while it is PENDING, and the
 * loser is told who decided first. Approval lets a worker re-take the locks
 * and resume (PAUSED → IN_PROGRESS, recorded with the approver and approval
 * id); rejection fails the operation in the same transaction.
 */
export async function decideReview(deps: OrchestratorDeps, input: unknown): Promise<ReviewDecision> {
  const parsed = ZReviewDecisionInput.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw new AppError("VALIDATION_FAILED", `Invalid review decision: ${problems.join("; ")}`, { problems });
  }
  const d = parsed.data;
  const op = await deps.store.get(d.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${d.operationId} does not exist`, { operationId: d.operationId });
  const review = await deps.store.pendingReview(op.id);
  if (!review || op.state !== "PAUSED_FOR_HUMAN_REVIEW") {
    const last = await deps.store.latestDecidedReview(op.id);
    throw new AppError("CONFLICT", last ? `Operation ${op.id} is ${op.state}: its review was already ${last.status.toLowerCase()} by ${last.decidedBy ?? "the system"}` : `Operation ${op.id} is ${op.state} and has no review waiting for a decision`, {
      operationId: op.id,
      state: op.state,
      decidedBy: last?.decidedBy ?? null,
      reviewStatus: last?.status ?? null,
    });
  }
  if (sameActor(d.actor, op.actor)) {
    throw new AppError("FORBIDDEN", `${d.actor} requested operation ${op.id} and cannot ${d.decision === "APPROVE" ? "approve" : "reject"} it; another approver must decide`, { operationId: op.id, requester: op.actor });
  }
  if (d.evidenceHash && d.evidenceHash !== review.evidenceHash) {
    throw new AppError("CONFLICT", `The evidence of review ${review.id} is not the one you were shown (hash ${d.evidenceHash.slice(0, 12)}… vs ${review.evidenceHash.slice(0, 12)}…); reload it`, { reviewId: review.id });
  }
  const now = deps.clock.now();
  const approvalId = d.decision === "APPROVE" ? (d.approvalId ?? `APPROVE-${deps.newId().replace(/-/g, "").slice(-12).toUpperCase()}`) : null;
  const notes = d.notes ?? null;
  const decided: ReviewRecord = { ...review, status: d.decision === "APPROVE" ? "APPROVED" : "REJECTED", decidedBy: d.actor, decidedAt: now, approvalId, notes };
  const decisionEvent: AuditEventInput = operationEvent(
    op,
    "MANUAL_INTERVENTION",
    d.decision === "APPROVE" ? "INFO" : "WARNING",
    d.decision === "APPROVE" ? "review.approved" : "review.rejected",
    { reviewId: review.id, approvalId, notes, evidenceHash: review.evidenceHash, reason: review.reason },
    d.actor,
  );

  let updated = op;
  await decideOnce(deps, op.id, () => deps.store.transact(async (tx) => {
    const won = await deps.store.decideReview(tx, { reviewId: review.id, status: decided.status as "APPROVED" | "REJECTED", decidedBy: d.actor, decidedAt: now, approvalId, notes });
    if (!won) throw lostRace(op.id);
    if (d.decision === "APPROVE") {
      if (!(await deps.store.markResumeApproved(tx, op.id))) throw lostRace(op.id);
      await deps.audit.appendInTransaction(tx, [decisionEvent]);
      updated = { ...op, resumeApproved: true };
      return;
    }
    const reason = `Rejected by ${d.actor}${notes ? `: ${notes}` : ""}`;
    const transition = planTransition(op, "FAILED", { actor: d.actor, at: now, metadata: { reviewId: review.id, decision: "REJECTED", notes } });
    const [applied] = await deps.store.applyTransitions(tx, [
      { operationId: op.id, expectedVersion: op.version, expectedOwner: null, transition, changes: { result: "FAILED", reason, finished: true, releaseClaim: true } },
    ]);
    if (!applied) throw lostRace(op.id);
    await deps.audit.appendInTransaction(tx, [decisionEvent, transitionEvent(op, transition, "WARNING")]);
    updated = { ...op, state: "FAILED", version: transition.version, result: "FAILED", reason };
  }));
  if (d.decision === "APPROVE") await deps.store.announceWork().catch((error) => deps.onBackgroundError(error, "announcing an approval"));
  deps.publish({ operationId: op.id, service: op.service, type: op.type, state: updated.state, kind: d.decision === "APPROVE" ? "review.approved" : "review.rejected", at: now });
  return { operation: updated, review: decided, approvalId };
}

/**
 * Runs the decision's transaction; when a concurrent decision won, the refusal
 * names who decided and how, read after the winner committed.
 */
async function decideOnce(deps: OrchestratorDeps, operationId: string, decide: () => Promise<void>): Promise<void> {
  try {
    await decide();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "VERSION_CONFLICT") throw error;
    const winner = await deps.store.latestDecidedReview(operationId).catch(() => null);
    if (!winner?.decidedBy) throw error;
    throw new AppError("VERSION_CONFLICT", `Operation ${operationId} was already ${winner.status.toLowerCase()} by ${winner.decidedBy} at the same moment; that decision stands`, {
      operationId,
      decidedBy: winner.decidedBy,
      reviewStatus: winner.status,
    });
  }
}

function lostRace(operationId: string): AppError {
  return new AppError("VERSION_CONFLICT", `Operation ${operationId} was decided or changed by someone else at the same moment; reload it to see the decision that stands`, { operationId });
}

/** Case and surrounding space do not make a different person. */
function sameActor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
