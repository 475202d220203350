import { lockHolderOf } from "./holders";
import { operationEvent, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";
import { planTransition } from "./state-machine";

/**
 * SUPERSEDE (docs/conflicts.md): a newer DEPLOYMENT of a service replaces an
 * older one of the same service that has not started. The older one ends
 * CANCELLED with result SUPERSEDED naming the newer one; if it held the
 * service lock (LOCKED, SAFETY_CHECK) its lease is released, and a pending
 * review of it is closed. Returns false when it started or finished first.
 */
export async function supersedeOperation(deps: OrchestratorDeps, olderId: string, newer: OperationRecord): Promise<boolean> {
  const older = await deps.store.get(olderId);
  if (!older || older.finishedAt !== null || older.startedAt !== null || older.state === "IN_PROGRESS") return false;
  const now = deps.clock.now();
  const version = typeof newer.params.version === "string" || typeof newer.params.version === "number" ? ` (version ${String(newer.params.version)})` : "";
  const reason = `Superseded by ${newer.type} ${newer.id}${version}, submitted later by ${newer.actor} for the same service before this one started`;
  const transition = planTransition(older, "CANCELLED", { actor: "system", at: now, metadata: { result: "SUPERSEDED", reason, supersededBy: newer.id } });
  const review = older.state === "PAUSED_FOR_HUMAN_REVIEW" ? await deps.store.pendingReview(older.id) : null;
  const applied = await deps.store.transact(async (tx) => {
    if (review && !(await deps.store.decideReview(tx, { reviewId: review.id, status: "CANCELLED", decidedBy: "system", decidedAt: now, approvalId: null, notes: reason }))) return false;
    const [ok] = await deps.store.applyTransitions(tx, [
      { operationId: older.id, expectedVersion: older.version, expectedOwner: null, transition, changes: { result: "SUPERSEDED", reason, finished: true, releaseClaim: true, clearControl: true } },
    ]);
    if (!ok) throw new Moved();
    await deps.audit.appendInTransaction(tx, [
      operationEvent(older, "CONFLICT_DETECTION", "WARNING", "operation.superseded", { by: newer.id, byActor: newer.actor, from: older.state, reason }),
      transitionEvent(older, transition, "WARNING"),
    ]);
    return true;
  }).catch((error: unknown) => {
    if (error instanceof Moved) return false;
    throw error;
  });
  if (!applied) return false;
  if (older.state === "LOCKED" || older.state === "SAFETY_CHECK") {
    for (const key of older.lockKeys) await deps.lockStore.forceRelease({ scope: key.scope, resource: key.resource }, lockHolderOf(older.id, older.attempt), reason);
  }
  deps.publish({ operationId: older.id, service: older.service, type: older.type, state: "CANCELLED", kind: "superseded", at: now });
  return true;
}

class Moved extends Error {}
