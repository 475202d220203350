import { AppError } from "../errors";
import { operationEvent } from "./audit-events";
import { causesOf, compareEvidence, evaluateEvidenceNow, reviewRefreshOf } from "./fresh-evidence";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { ReviewRecord } from "./ports";

export interface EvidenceRefresh {
  review: ReviewRecord;
  changed: boolean;
  changes: string[];
  worse: boolean;
}

/**
 * Re-evaluates a pending review's evidence now (the console's "Re-evaluate
 * now", and a ROLLBACK's finish on the service): conflicts, gates, blast
 * radius. A change replaces the evidence and its hash, audited with what
 * changed, so an approval given on the old hash is refused; unchanged
 * evidence only records when it was last evaluated.
 */
export async function refreshReviewEvidence(deps: OrchestratorDeps, input: { operationId: string; actor: string }): Promise<EvidenceRefresh> {
  const op = await deps.store.get(input.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${input.operationId} does not exist`, { operationId: input.operationId });
  const review = await deps.store.pendingReview(op.id);
  if (!review || op.state !== "PAUSED_FOR_HUMAN_REVIEW") {
    throw new AppError("CONFLICT", `Operation ${op.id} is ${op.state} and has no review waiting for a decision: there is no evidence to re-evaluate`, { operationId: op.id, state: op.state });
  }
  const now = deps.clock.now();
  const fresh = await evaluateEvidenceNow(deps, op, causesOf(review.evidence), now);
  const changed = fresh.hash !== review.evidenceHash;
  const { changes, worse } = changed ? compareEvidence(review.evidence, fresh.evidence) : { changes: [], worse: false };
  const ok = await deps.store.transact(async (tx) => {
    if (!(await deps.store.refreshReview(tx, review.id, reviewRefreshOf(fresh)))) return false;
    if (changed) {
      // Approvals given on better evidence than there now is no longer count (docs/approvals.md#evidence).
      const voidedApprovals = worse ? await deps.approvals.reviews.voidApprovals(tx, review.id) : 0;
      await deps.audit.appendInTransaction(tx, [
        operationEvent(op, "MANUAL_INTERVENTION", worse ? "WARNING" : "INFO", "review.evidence_refreshed", { reviewId: review.id, previousHash: review.evidenceHash, evidenceHash: fresh.hash, changes, worse, trigger: input.actor, voidedApprovals }, input.actor),
      ]);
    }
    return true;
  });
  if (!ok) throw new AppError("VERSION_CONFLICT", `Review ${review.id} was decided while its evidence was being re-evaluated; reload it`, { reviewId: review.id });
  if (changed) deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "review.evidence_refreshed", at: now });
  return {
    review: { ...review, evidence: fresh.evidence, evidenceHash: fresh.hash, reason: fresh.pause.reason, severity: fresh.pause.severity, evaluatedAt: now },
    changed,
    changes,
    worse,
  };
}
