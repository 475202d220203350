import { operationEvent, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";
import { planTransition } from "./state-machine";

/**
 * Reviews nobody answered before their timeout. With the REJECT outcome the
 * review expires and the operation fails (recorded as the system's decision);
 * KEEP_WAITING and ESCALATE_ONLY leave it paused for the notifier's
 * escalation. Every worker runs this; the PENDING guard on the review row
 * makes each expiry happen once.
 */
export async function expireReviews(deps: OrchestratorDeps): Promise<number> {
  if (deps.config.reviewTimeoutOutcome !== "REJECT") return 0;
  const now = deps.clock.now();
  const due = await deps.store.listTimedOutReviews(now, 100);
  let expired = 0;
  for (const review of due) {
    const op = await deps.store.get(review.operationId);
    if (!op || op.state !== "PAUSED_FOR_HUMAN_REVIEW") continue;
    const minutes = Math.round(deps.config.reviewTimeoutMs / 60_000);
    if (op.startedAt !== null) {
      // Paused part-way through its change: failing it would leave the change half done, so it is aborted (its worker withdraws what it changed).
      if (await expireIntoAbort(deps, op, review.id, minutes, now)) expired++;
      continue;
    }
    const reason = `Review ${review.id} was not answered within ${minutes} min; the operation is not run`;
    const transition = planTransition(op, "FAILED", { actor: "system", at: now, metadata: { reviewId: review.id, decision: "EXPIRED" } });
    const done = await deps.store.transact(async (tx) => {
      if (!(await deps.store.decideReview(tx, { reviewId: review.id, status: "EXPIRED", decidedBy: "system", decidedAt: now, approvalId: null, notes: reason }))) return false;
      const [applied] = await deps.store.applyTransitions(tx, [
        { operationId: op.id, expectedVersion: op.version, expectedOwner: null, transition, changes: { result: "FAILED", reason, finished: true, releaseClaim: true } },
      ]);
      if (!applied) throw new Error("changed during expiry"); // roll the review back too; the next sweep looks again
      await deps.audit.appendInTransaction(tx, [operationEvent(op, "MANUAL_INTERVENTION", "ERROR", "review.expired", { reviewId: review.id, timeoutAt: review.timeoutAt?.toISOString() ?? null }), transitionEvent(op, transition, "ERROR")]);
      return true;
    }).catch(() => false);
    if (done) {
      expired++;
      deps.publish({ operationId: op.id, service: op.service, type: op.type, state: "FAILED", kind: "review.expired", at: now });
    }
  }
  return expired;
}

async function expireIntoAbort(deps: OrchestratorDeps, op: OperationRecord, reviewId: string, minutes: number, now: Date): Promise<boolean> {
  const reason = `review ${reviewId} was not answered within ${minutes} min`;
  const done = await deps.store.transact(async (tx) => {
    if (!(await deps.store.decideReview(tx, { reviewId, status: "EXPIRED", decidedBy: "system", decidedAt: now, approvalId: null, notes: reason }))) return false;
    if (!(await deps.store.setControl(tx, op.id, op.version, ["PAUSED_FOR_HUMAN_REVIEW"], { action: "ABORT", by: "system", reason, at: now.toISOString() }))) throw new Error("changed during expiry");
    await deps.audit.appendInTransaction(tx, [
      operationEvent(op, "MANUAL_INTERVENTION", "ERROR", "review.expired", { reviewId, then: "abort" }),
      operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "operation.abort_requested", { by: "system", reason }),
    ]);
    return true;
  }).catch(() => false);
  if (done) await deps.store.announceWork().catch((error) => deps.onBackgroundError(error, "announcing an abort"));
  return done;
}
