// The audit event of a break-glass (docs/freezes.md#break-glass): a manual
// intervention at ERROR, which the notifier sends at HIGH — every channel,
// PagerDuty included, never throttled.
import type { AuditEventInput } from "../audit/types";
import type { OperationType } from "../operations/types";
import type { BreakGlass } from "./types";

export function breakGlassEvent(op: { id: string; type: OperationType; service: string; correlationId: string; state: string }, bg: BreakGlass, heldBy: string | null): AuditEventInput {
  return {
    category: "MANUAL_INTERVENTION",
    severity: "ERROR",
    actor: bg.by,
    action: "operation.break_glass",
    service: op.service,
    operationId: op.id,
    correlationId: op.correlationId,
    payload: { by: bg.by, role: bg.role, reason: bg.reason, at: bg.at.toISOString(), type: op.type, state: op.state, heldBy },
  };
}
