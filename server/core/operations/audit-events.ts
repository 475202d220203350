import type { AuditCategory, AuditEventInput, AuditSeverity, JsonValue } from "../audit/types";
import type { ConflictSeverity } from "../conflicts/types";
import type { Lease } from "../locks/lease";
import type { Transition } from "./state-machine";
import type { OperationRecord } from "./ports";
import type { OperationType } from "./types";

// The audit events the orchestrator writes, built in one place so every step
// of every operation is recorded the same way.

type Payload = { [key: string]: JsonValue };

export function operationEvent(op: OperationRecord, category: AuditCategory, severity: AuditSeverity, action: string, payload: Payload, actor = "system"): AuditEventInput {
  return { category, severity, actor, action, service: op.service, operationId: op.id, correlationId: op.correlationId, payload };
}

export function transitionEvent(op: OperationRecord, t: Transition, severity: AuditSeverity = "INFO"): AuditEventInput {
  return operationEvent(op, "STATE_TRANSITION", severity, "operation.transition", { from: t.from, to: t.to, version: t.version, metadata: t.metadata }, t.actor);
}

export function leasePayload(lease: Lease): Payload {
  return { scope: lease.key.scope, resource: lease.key.resource, mode: lease.mode, holderId: lease.holderId, fencingToken: lease.fencingToken.toString() };
}

export function lockAcquiredEvent(op: OperationRecord, lease: Lease): AuditEventInput {
  return operationEvent(op, "LOCK_OPERATION", "INFO", "lock.acquired", { ...leasePayload(lease), acquiredAt: lease.acquiredAt.toISOString(), ttlMs: lease.ttlMs, expiresAt: lease.expiresAt.toISOString() });
}

/** `at`: when the release happened; the event is written just after, and may land in the chain after the next holder's grant. */
export function lockReleasedEvent(op: OperationRecord, lease: Lease, reason: string, released: boolean, at: Date): AuditEventInput {
  return operationEvent(op, "LOCK_OPERATION", released ? "INFO" : "WARNING", released ? "lock.released" : "lock.release_failed", { ...leasePayload(lease), reason, releasedAt: at.toISOString() });
}

export const SEVERITY_OF_CONFLICT: Record<ConflictSeverity, AuditSeverity> = { LOW: "INFO", MEDIUM: "WARNING", HIGH: "ERROR", CRITICAL: "CRITICAL" };

/** The category an executor's outcome is filed under (docs/spec/audit.md#categories: DEPLOYMENT, VERIFICATION, ROLLBACK). */
export function outcomeCategory(type: OperationType): AuditCategory {
  if (type === "VERIFICATION") return "VERIFICATION";
  if (type === "ROLLBACK") return "ROLLBACK";
  return "DEPLOYMENT";
}
