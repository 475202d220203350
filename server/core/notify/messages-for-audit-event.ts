import type { AuditRecord, JsonValue } from "../audit/types";
import { LOCK_PRIORITIES } from "../locks/priority";
import type { OperationDetail } from "../operations/get-operation-detail";
import {
  conflictDetectedMessage,
  criticalOperationFailedMessage,
  humanReviewRequiredMessage,
  lockAcquiredMessage,
  incidentResolvedMessage,
  lockOrderViolationMessage,
  remediationBreakerTrippedMessage,
  operationCompletedMessage,
  operationControlMessage,
  operationFailedMessage,
  operationRolledBackMessage,
  reviewDecidedResolveMessage,
  safetyGateFailedMessage,
  type ConsoleLinks,
  type OperationControlKind,
} from "./templates";
import type { NotificationMessage } from "./types";
import { haltCalledMessage, haltLiftedMessage } from "./halt-messages";
import { breakGlassMessage } from "./break-glass-messages";
import { graphRemovalHeldMessage } from "./graph-messages";

// Which committed audit events tell someone something, and what (docs/notifications.md).
// The audit log is the notifier's outbox: a state change and its events commit
// in one transaction, and the dispatcher turns the events into notifications.

/** What the dispatcher reads of an audit event. */
export type OutboxEvent = Pick<AuditRecord, "seq" | "action" | "category" | "severity" | "actor" | "service" | "operationId" | "correlationId" | "payload" | "at">;

/** A message and how to route it: by its severity, or (`topEscalation`) like the last level of an unanswered review's escalation. */
export interface PlannedMessage {
  message: NotificationMessage;
  topEscalation?: true;
}

const CONTROL_ACTIONS: Record<string, OperationControlKind> = {
  "operation.paused": "paused",
  "operation.resumed": "resumed",
  "operation.aborted": "aborted",
  "operation.preempted": "preempted",
  "operation.superseded": "superseded",
};

/**
 * The actions the dispatcher reads; every other event (lock grants, gate
 * checks, conflict checks, operation.queued, review.evidence_refreshed, the
 * notifier's own review.escalated, and the requests operation.pause_requested
 * and operation.abort_requested, whose outcome is told when it happens) is
 * passed over.
 */
export const NOTIFIABLE_ACTIONS: readonly string[] = [
  "operation.transition",
  "review.requested",
  "review.approved",
  "review.rejected",
  "review.expired",
  "operation.cancelled",
  ...Object.keys(CONTROL_ACTIONS),
  "lock.order_violation",
  "incident.resolved",
  "remediation.breaker_tripped",
  "halt.called",
  "halt.lifted",
  "operation.break_glass",
  "graph.removal_held",
];

/** Finished changes whose success is news (a verification's is not). */
const COMPLETION_TYPES = new Set(["DEPLOYMENT", "ROLLBACK", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"]);

const str = (value: JsonValue | undefined): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const obj = (value: JsonValue | undefined): { [key: string]: JsonValue } => (typeof value === "object" && value !== null && !Array.isArray(value) ? value : {});

/** The state a transition event moved to (null for other events). */
export function transitionTarget(event: OutboxEvent): string | null {
  return event.action === "operation.transition" ? str(event.payload.to) : null;
}

/**
 * Whether a FAILED transition is told by another event of the same commit: a
 * review's rejection or expiry (review.rejected / review.expired), a person's
 * abort (operation.aborted), a rollback's preemption or a newer operation's
 * supersession (result SUPERSEDED), a cancellation (result CANCELLED).
 */
function failureToldElsewhere(metadata: { [key: string]: JsonValue }): boolean {
  const decision = str(metadata.decision);
  const result = str(metadata.result);
  const control = obj(metadata.control);
  return decision === "REJECTED" || decision === "EXPIRED" || result === "SUPERSEDED" || result === "CANCELLED" || str(control.action) === "ABORT" || str(metadata.abortedBy) !== null;
}

/**
 * Whether the event can yield a message at all, and whether building it needs
 * the operation as the store has it. Pure, so the dispatcher reads an
 * operation only for events that will use it.
 */
export function eventNeeds(event: OutboxEvent): "nothing" | "event" | "operation" {
  switch (event.action) {
    case "lock.order_violation":
    case "incident.resolved":
    case "remediation.breaker_tripped":
    case "halt.called":
    case "halt.lifted":
    case "operation.break_glass":
    case "graph.removal_held":
      return "event";
    case "operation.transition": {
      const to = transitionTarget(event);
      if (to === "LOCKED" || to === "ROLLED_BACK" || to === "COMPLETED") return "operation";
      if (to === "FAILED") return failureToldElsewhere(obj(event.payload.metadata)) ? "nothing" : "operation";
      // PAUSED_FOR_HUMAN_REVIEW is told by review.requested (same commit), CANCELLED by operation.cancelled.
      return "nothing";
    }
    default:
      return NOTIFIABLE_ACTIONS.includes(event.action) && event.operationId ? "operation" : "nothing";
  }
}

/** A lock, a list of locks or a description of them, as one line. */
function describeLocks(value: JsonValue | undefined): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(describeLocks).join(", ") || "nothing";
  if (typeof value === "object" && value !== null) {
    const scope = str(value.scope);
    const resource = str(value.resource);
    if (scope && resource) return `${scope} ${resource}${str(value.mode) ? ` (${str(value.mode)})` : ""}`;
    return JSON.stringify(value).slice(0, 300);
  }
  return value === undefined || value === null ? "nothing" : String(value);
}

/**
 * The messages an audit event yields, from the event and (for operation
 * events) the operation as the store recorded it. `detail` is null when the
 * event needs none or the operation is gone. Pure.
 *
 * - a lock granted: "lock acquired" (INFO);
 * - a review requested: the review request with its approve/reject links
 *   (WARNING, approvers' inboxes) and what caused it (conflict, safety gate);
 * - a review decided, expired or its operation cancelled: the resolve that
 *   closes the PagerDuty incident an escalation may have opened; an expiry also
 *   says the operation failed;
 * - an operation that failed: which conflict or gate blocked it, or that it
 *   failed (CRITICAL); when its lock priority is CRITICAL (a rollback), one
 *   "critical operation failed" routed like the last escalation level instead;
 * - rolled back (ERROR); completed (INFO; not verifications);
 * - paused, aborted, preempted, superseded (WARNING), resumed (INFO);
 * - a lock-order violation (ERROR);
 * - a halt called or lifted (ERROR, docs/freezes.md#who-is-told);
 * - a removal a graph source proposes, held for an admin (WARNING, admins'
 *   inboxes, docs/graph-sources.md#held-changes).
 */
export function messagesForAuditEvent(event: OutboxEvent, detail: OperationDetail | null, links: ConsoleLinks): PlannedMessage[] {
  if (event.action === "lock.order_violation") {
    const holderId = str(event.payload.holderId) ?? event.actor;
    const message = lockOrderViolationMessage(
      { seq: event.seq, service: event.service, operationId: event.operationId, correlationId: event.correlationId, holderId, held: describeLocks(event.payload.held), requested: describeLocks(event.payload.requested) },
      links,
    );
    return [{ message }];
  }
  if (event.action === "incident.resolved") {
    const p = event.payload;
    const [id, key, title, detectedAt, resolvedAt] = [str(p.incidentId), str(p.incidentKey), str(p.title), str(p.detectedAt), str(p.resolvedAt)];
    if (!id || !key || !detectedAt || !resolvedAt) return [];
    return [{ message: incidentResolvedMessage({ id, key, title: title ?? key, service: event.service ?? "", correlationId: event.correlationId ?? "", detectedAt, resolvedAt }, links) }];
  }
  if (event.action === "remediation.breaker_tripped") {
    const p = event.payload;
    const message = remediationBreakerTrippedMessage(
      { seq: event.seq, service: event.service, correlationId: event.correlationId, rule: str(p.rule) ?? "?", ruleId: str(p.ruleId), reason: str(p.reason) ?? "tripped", incidentKey: str(p.incidentKey), incidentId: str(p.incidentId) },
      links,
    );
    return [{ message }];
  }
  if (event.action === "halt.called" || event.action === "halt.lifted") {
    const message = (event.action === "halt.called" ? haltCalledMessage : haltLiftedMessage)(event, links);
    return message ? [{ message }] : [];
  }
  if (event.action === "operation.break_glass") {
    const message = breakGlassMessage(event, links);
    return message ? [{ message }] : [];
  }
  if (event.action === "graph.removal_held") {
    const message = graphRemovalHeldMessage(event, links);
    return message ? [{ message }] : [];
  }
  if (!detail || eventNeeds(event) !== "operation") return [];
  const critical = detail.operation.priority === LOCK_PRIORITIES.CRITICAL;
  const out: (NotificationMessage | null)[] = [];
  const control = CONTROL_ACTIONS[event.action];
  if (control) {
    const byOperation = str(event.payload.preemptedBy) ?? str(event.payload.supersededBy) ?? str(event.payload.byOperationId) ?? (control === "preempted" ? detail.operation.preemptedBy : null);
    out.push(operationControlMessage(detail, control, { actor: str(event.payload.by) ?? event.actor, reason: str(event.payload.reason), byOperation }, links));
    return plain(out);
  }
  switch (event.action) {
    case "review.requested":
      out.push(humanReviewRequiredMessage(detail, links), conflictDetectedMessage(detail, links), safetyGateFailedMessage(detail, links));
      return plain(out);
    case "review.approved":
      return plain([reviewDecidedResolveMessage(detail, "approved")]);
    case "review.rejected":
      return plain([reviewDecidedResolveMessage(detail, "rejected")]);
    case "review.expired": {
      const failed = critical ? { message: criticalOperationFailedMessage(detail, links), topEscalation: true as const } : { message: operationFailedMessage(detail, links) };
      return [{ message: reviewDecidedResolveMessage(detail, "expired") }, failed];
    }
    case "operation.cancelled":
      return detail.review ? plain([reviewDecidedResolveMessage(detail, "cancelled")]) : [];
  }
  // operation.transition: the message says the state the event moved to, whatever the operation did since.
  const to = transitionTarget(event)!;
  const at = { ...detail, operation: { ...detail.operation, state: to as OperationDetail["operation"]["state"] } };
  const result = str(obj(event.payload.metadata).result) ?? detail.operation.result;
  if (to === "LOCKED") out.push(lockAcquiredMessage(at, links));
  else if (to === "ROLLED_BACK") out.push(operationRolledBackMessage(at, links));
  else if (to === "COMPLETED") out.push(COMPLETION_TYPES.has(detail.operation.type) ? operationCompletedMessage(at, links) : null);
  else if (to === "FAILED") {
    if (critical) return [{ message: criticalOperationFailedMessage({ ...at, operation: { ...at.operation, result: (result ?? at.operation.result) as OperationDetail["operation"]["result"] } }, links), topEscalation: true }];
    if (result === "BLOCKED_BY_CONFLICT") out.push(conflictDetectedMessage(at, links));
    else if (result === "BLOCKED_BY_GATE") out.push(safetyGateFailedMessage(at, links));
    else out.push(operationFailedMessage(at, links));
  }
  return plain(out);
}

function plain(messages: (NotificationMessage | null)[]): PlannedMessage[] {
  return messages.filter((m): m is NotificationMessage => m !== null).map((message) => ({ message }));
}
