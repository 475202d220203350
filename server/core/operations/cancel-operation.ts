import { z } from "zod";
import { AppError } from "../errors";
import { operationEvent, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";
import { planTransition } from "./state-machine";
import { parseInput } from "../parse-input";

export const ZCancelOperationInput = z.strictObject({
  operationId: z.uuid(),
  actor: z.string().trim().min(1).max(200),
  /** True for an operator or admin, who may cancel anyone's operation; others only their own. */
  mayCancelOthers: z.boolean().default(false),
  reason: z.string().trim().max(2000).optional(),
});
export type CancelOperationInput = z.input<typeof ZCancelOperationInput>;

/**
 * Cancels an operation that has not started changing anything (INIT, LOCKED,
 * SAFETY_CHECK) or is waiting for review before it started. IN_PROGRESS
 * cannot be cancelled (the state table, docs/specification.md#state-machine), nor one paused
 * part-way through its change: the refusal says so and what to do instead
 * (abort, which withdraws the partial change). A worker
 * driving the operation finds its next write refused (the version moved),
 * releases its locks and stops.
 */
export async function cancelOperation(deps: OrchestratorDeps, input: unknown): Promise<OperationRecord> {
  const c = parseInput(ZCancelOperationInput, input, "cancellation");
  const op = await deps.store.get(c.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${c.operationId} does not exist`, { operationId: c.operationId });
  if (!c.mayCancelOthers && op.actor.trim().toLowerCase() !== c.actor.trim().toLowerCase()) {
    throw new AppError("FORBIDDEN", `${c.actor} may cancel only their own operations; ${op.id} was requested by ${op.actor}`, { operationId: op.id, requester: op.actor });
  }
  if (op.state === "IN_PROGRESS" || (op.state === "PAUSED_FOR_HUMAN_REVIEW" && op.startedAt !== null)) {
    throw new AppError("INVALID_TRANSITION", `Operation ${op.id} is ${op.state === "IN_PROGRESS" ? "IN_PROGRESS" : "paused part-way through its change"} and cannot move to CANCELLED: it has already changed ${op.service}. An approver can abort it (POST /api/v1/operations/${op.id}/abort), which withdraws what it changed, or submit a ROLLBACK`, {
      operationId: op.id,
      from: op.state,
      to: "CANCELLED",
    });
  }
  const now = deps.clock.now();
  const transition = planTransition(op, "CANCELLED", { actor: c.actor, at: now, metadata: c.reason ? { reason: c.reason } : {} });
  const reason = `Cancelled by ${c.actor}${c.reason ? `: ${c.reason}` : ""}`;
  // Reads happen outside the transaction: the embedded store has one connection,
  // so a read through the store while the transaction is open would wait for it forever.
  // decideReview and the version guard make the reads safe to take first.
  const review = op.state === "PAUSED_FOR_HUMAN_REVIEW" ? await deps.store.pendingReview(op.id) : null;
  const movedOn = Symbol("moved on");
  try {
    await deps.store.transact(async (tx) => {
      if (review && !(await deps.store.decideReview(tx, { reviewId: review.id, status: "CANCELLED", decidedBy: c.actor, decidedAt: now, approvalId: null, notes: c.reason ?? null }))) {
        throw new AppError("VERSION_CONFLICT", `Operation ${op.id}'s review was decided at the same moment; reload it`, { operationId: op.id });
      }
      const [applied] = await deps.store.applyTransitions(tx, [
        { operationId: op.id, expectedVersion: op.version, expectedOwner: null, transition, changes: { result: "CANCELLED", reason, finished: true, releaseClaim: true } },
      ]);
      if (!applied) throw movedOn; // rolls the review decision back too
      await deps.audit.appendInTransaction(tx, [operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "operation.cancelled", { reason: c.reason ?? null, from: op.state }, c.actor), transitionEvent(op, transition, "WARNING")]);
    });
  } catch (error) {
    if (error !== movedOn) throw error;
    const now2 = await deps.store.get(op.id);
    throw new AppError("VERSION_CONFLICT", `Operation ${op.id} moved on to ${now2?.state ?? "another state"} while it was being cancelled; reload it and try again if it can still be cancelled`, { operationId: op.id, state: now2?.state ?? null });
  }
  deps.publish({ operationId: op.id, service: op.service, type: op.type, state: "CANCELLED", kind: "cancelled", at: now });
  return { ...op, state: "CANCELLED", version: transition.version, result: "CANCELLED", reason };
}
