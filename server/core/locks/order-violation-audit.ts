import type { AuditEventInput } from "../audit/types";
import type { LockOrderViolationReport } from "./lock-manager";

/**
 * The audit event for an acquisition refused with LOCK_ORDER_VIOLATION: a
 * caller taking locks out of order is a bug that could deadlock in
 * production, so it is recorded as an ERROR (docs/locks.md). The service is
 * the SERVICE-scope lock involved (the one asked for, else the first held), if any.
 */
export function orderViolationAuditEvent(violation: LockOrderViolationReport): AuditEventInput {
  const service = [violation.requested, ...violation.held].find((key) => key.scope === "SERVICE")?.resource ?? null;
  return {
    category: "LOCK_OPERATION",
    severity: "ERROR",
    actor: "system",
    action: "lock.order_violation",
    service,
    payload: {
      holderId: violation.holderId,
      held: violation.held.map((key) => ({ scope: key.scope, resource: key.resource })),
      requested: { scope: violation.requested.scope, resource: violation.requested.resource },
    },
  };
}
