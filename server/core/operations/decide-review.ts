import { z } from "zod";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import { operationEvent, transitionEvent } from "./audit-events";
import { fourEyesRefusal } from "./four-eyes";
import { causesOf, compareEvidence, evaluateEvidenceNow, reviewRefreshOf } from "./fresh-evidence";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord, ReviewRecord } from "./ports";
import { planTransition } from "./state-machine";
import { parseInput } from "../parse-input";

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
 * own operation, nor through a token they created, nor as the creator of the
 * token that requested it. Of two concurrent decisions (approve and reject, or a cancel)
 * exactly one wins: the review row changes only while it is PENDING, and the
 * loser is told who decided first. Approval first re-evaluates conflicts and
 * gates against the present: evidence worse than what the reviewer was shown
 * keeps the operation paused with the new evidence (409 naming what
 * changed); otherwise a worker re-takes the locks and resumes (PAUSED →
 * IN_PROGRESS, recorded with the approver, the approval id and the hash of
 * the evidence approved). Rejection fails the operation in the same
 * transaction (docs/lifecycle.md#how-the-orchestrator-drives-an-operation).
 */
export async function decideReview(deps: OrchestratorDeps, input: unknown): Promise<ReviewDecision> {
  const d = parseInput(ZReviewDecisionInput, input, "review decision");
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
  await assertFourEyes(deps, op, d.actor, d.decision);
  if (d.evidenceHash && d.evidenceHash !== review.evidenceHash) {
    throw new AppError("CONFLICT", `The evidence of review ${review.id} was re-evaluated since you were shown it (hash ${d.evidenceHash.slice(0, 12)}… is now ${review.evidenceHash.slice(0, 12)}…); read it again before deciding`, {
      reviewId: review.id,
      evidenceHash: review.evidenceHash,
      changes: ["The evidence was re-evaluated after you loaded it"],
    });
  }
  if (d.decision === "REJECT" && op.startedAt !== null) {
    throw new AppError("CONFLICT", `Operation ${op.id} had started changing ${op.service} before it paused; rejecting it would leave the change half done. Abort it instead (POST /api/v1/operations/${op.id}/abort), which withdraws what it changed`, {
      operationId: op.id,
      startedAt: op.startedAt.toISOString(),
    });
  }
  const now = deps.clock.now();
  // Approval acts on the present, not on the evidence of the pause (docs/lifecycle.md "Fresh evidence at decision time").
  const fresh = d.decision === "APPROVE" ? await evaluateEvidenceNow(deps, op, causesOf(review.evidence), now) : null;
  if (fresh) {
    const { changes, worse } = compareEvidence(review.evidence, fresh.evidence);
    if (worse) {
      await deps.store.transact(async (tx) => {
        if (!(await deps.store.refreshReview(tx, review.id, reviewRefreshOf(fresh)))) throw lostRace(op.id);
        await deps.audit.appendInTransaction(tx, [
          operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "review.evidence_refreshed", { reviewId: review.id, previousHash: review.evidenceHash, evidenceHash: fresh.hash, changes, worse, trigger: "approval" }, d.actor),
        ]);
      });
      deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "review.evidence_refreshed", at: now });
      throw new AppError("CONFLICT", `Not approved: the evidence for ${op.id} is worse than when it was shown. ${changes.join(" ")} The review stays pending with the new evidence; read it and decide again`, {
        operationId: op.id,
        reviewId: review.id,
        evidenceHash: fresh.hash,
        changes,
      });
    }
  }
  const approvalId = d.decision === "APPROVE" ? (d.approvalId ?? `APPROVE-${deps.newId().replace(/-/g, "").slice(-12).toUpperCase()}`) : null;
  const notes = d.notes ?? null;
  const decidedHash = fresh?.hash ?? review.evidenceHash;
  const decided: ReviewRecord = { ...review, status: d.decision === "APPROVE" ? "APPROVED" : "REJECTED", decidedBy: d.actor, decidedAt: now, approvalId, notes, evidenceHash: decidedHash, evidence: fresh?.evidence ?? review.evidence, evaluatedAt: fresh ? now : review.evaluatedAt };
  const decisionEvent: AuditEventInput = operationEvent(
    op,
    "MANUAL_INTERVENTION",
    d.decision === "APPROVE" ? "INFO" : "WARNING",
    d.decision === "APPROVE" ? "review.approved" : "review.rejected",
    { reviewId: review.id, approvalId, notes, evidenceHash: decidedHash, shownEvidenceHash: review.evidenceHash, reason: review.reason },
    d.actor,
  );

  let updated = op;
  await decideOnce(deps, op.id, () => deps.store.transact(async (tx) => {
    // The evidence an approval rests on: re-read now, no worse than what was shown, kept with the decision.
    if (fresh && fresh.hash !== review.evidenceHash && !(await deps.store.refreshReview(tx, review.id, reviewRefreshOf(fresh)))) throw lostRace(op.id);
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

/**
 * The requester does not decide: not under the same actor name, and not
 * through a token they created or as the creator of the token that asked
 * (the rule itself is the pure fourEyesRefusal).
 */
async function assertFourEyes(deps: OrchestratorDeps, op: OperationRecord, decider: string, decision: "APPROVE" | "REJECT"): Promise<void> {
  const [requesterPeople, deciderPeople] = await Promise.all([deps.people.peopleOf(op.actor), deps.people.peopleOf(decider)]);
  const refusal = fourEyesRefusal({ actor: op.actor, people: requesterPeople }, { actor: decider, people: deciderPeople });
  if (!refusal) return;
  const verb = decision === "APPROVE" ? "approve" : "reject";
  throw new AppError(
    "FORBIDDEN",
    refusal === "same-actor"
      ? `${decider} requested operation ${op.id} and cannot ${verb} it; another approver must decide`
      : `${decider} and ${op.actor}, who requested operation ${op.id}, are the same person (an API token acts for the user who created it), so ${decider} cannot ${verb} it; another approver must decide`,
    { operationId: op.id, requester: op.actor, rule: refusal },
  );
}
