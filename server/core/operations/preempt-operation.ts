import type { AuditEventInput } from "../audit/types";
import type { LineMember } from "../conflicts/service-line";
import { lockHolderOf } from "./holders";
import { operationEvent, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";
import { planTransition } from "./state-machine";

/**
 * A ROLLBACK (or CRITICAL operation) takes its service from a less urgent
 * change that is executing (docs/lifecycle.md "Rollbacks first"): the change
 * ends FAILED with result SUPERSEDED naming the rollback, written here with
 * the version guard (its own worker need not be alive); then its leases are
 * revoked, so its worker learns at once, its executor stops at the next safe
 * point, and anything it still writes carries a fencing token the protected
 * resource refuses. Returns false when the change finished first (nothing to
 * preempt).
 */
export async function preemptOperation(deps: OrchestratorDeps, victimId: string, by: OperationRecord): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const victim = await deps.store.get(victimId);
    if (!victim || victim.finishedAt !== null) return false;
    const executing = victim.state === "IN_PROGRESS" || (victim.state === "PAUSED_FOR_HUMAN_REVIEW" && victim.startedAt !== null);
    if (!executing) return false;
    const now = deps.clock.now();
    const reason = `Superseded by ${by.type} ${by.id} (requested by ${by.actor}), which took ${victim.service} while this change ran; it was stopped at its next safe point`;
    const transition = planTransition(victim, "FAILED", { actor: "system", at: now, metadata: { result: "SUPERSEDED", reason, preemptedBy: by.id } });
    const review = victim.state === "PAUSED_FOR_HUMAN_REVIEW" ? await deps.store.pendingReview(victim.id) : null;
    const events: AuditEventInput[] = [
      operationEvent(victim, "CONFLICT_DETECTION", "WARNING", "operation.preempted", { by: by.id, byType: by.type, byActor: by.actor, from: victim.state, reason }),
      transitionEvent(victim, transition, "WARNING"),
    ];
    const applied = await deps.store.transact(async (tx) => {
      if (review) await deps.store.decideReview(tx, { reviewId: review.id, status: "CANCELLED", decidedBy: "system", decidedAt: now, approvalId: null, notes: reason });
      const [ok] = await deps.store.applyTransitions(tx, [
        {
          operationId: victim.id,
          expectedVersion: victim.version,
          expectedOwner: null,
          transition,
          changes: { result: "SUPERSEDED", reason, finished: true, releaseClaim: true, clearControl: true, preemptedBy: by.id },
        },
      ]);
      if (!ok) throw new Moved();
      await deps.audit.appendInTransaction(tx, events);
      return true;
    }).catch((error: unknown) => {
      if (error instanceof Moved) return false;
      throw error;
    });
    if (!applied) continue; // it moved on meanwhile: look again
    await revokeLeases(deps, victim, `${by.type} ${by.id} took ${victim.service}`);
    deps.publish({ operationId: victim.id, service: victim.service, type: victim.type, state: "FAILED", kind: "preempted", at: now });
    return true;
  }
  return false;
}

/**
 * A less urgent operation holds the service lock but has not started: it gives
 * the lock back and waits in line again, behind the operation that goes first.
 * Its worker sees the lease lost before it executes and returns the operation
 * to the line without spending an attempt.
 */
export async function sendBackInLine(deps: OrchestratorDeps, member: LineMember & { attempt?: number }, by: OperationRecord): Promise<void> {
  await deps.store.markPreempted([member.id], by.id);
  const victim = await deps.store.get(member.id);
  if (!victim || victim.finishedAt !== null) return;
  await revokeLeases(deps, victim, `${by.type} ${by.id} takes ${victim.service} first; ${victim.id} waits in line again`);
}

async function revokeLeases(deps: OrchestratorDeps, victim: OperationRecord, reason: string): Promise<void> {
  const events: AuditEventInput[] = [];
  for (const key of victim.lockKeys) {
    const holderId = lockHolderOf(victim.id, victim.attempt);
    await deps.lockStore.cancelWait({ scope: key.scope, resource: key.resource }, holderId);
    const removed = await deps.lockStore.forceRelease({ scope: key.scope, resource: key.resource }, holderId, reason);
    for (const h of removed) {
      events.push(operationEvent(victim, "LOCK_OPERATION", "WARNING", "lock.revoked", { scope: key.scope, resource: key.resource, holderId, fencingToken: h.fencingToken.toString(), reason }));
    }
  }
  if (events.length > 0) await deps.committer.appendEvents(events);
}

class Moved extends Error {}
