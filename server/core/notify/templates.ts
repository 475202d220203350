import type { AuditSeverity } from "../audit/types";
import type { OperationDetail } from "../operations/get-operation-detail";
import type { NotificationMessage, NotifyTemplate } from "./types";

// The messages (lock acquired, conflict detected, safety gate failed, human
// review required, operation failed or completed, a person's control of an
// operation, a lock-order violation, incident resolved), built from what the
// store recorded, with links into the console (docs/notifications.md). Pure:
// the same facts give the same message.

export interface ConsoleLinks {
  /** The console's public base URL, e.g. https://interlock.example.com (no trailing slash). */
  baseUrl: string;
}

const operationUrl = (links: ConsoleLinks, id: string) => `${links.baseUrl}/operations/${id}`;

function base(template: NotifyTemplate, severity: AuditSeverity, detail: OperationDetail, title: string, body: string, key: string): NotificationMessage {
  const op = detail.operation;
  return {
    template,
    severity,
    title,
    body,
    fields: [
      { label: "Service", value: op.service },
      { label: "Operation", value: `${op.type} ${op.id}` },
      { label: "Requested by", value: op.actor },
      { label: "State", value: op.state },
    ],
    links: [],
    dedupKey: `${template}:${key}`,
    service: op.service,
    operationId: op.id,
    correlationId: op.correlationId,
  };
}

export function lockAcquiredMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const held = detail.locks.filter((l) => l.attempt === detail.operation.attempt || l.attempt === null);
  const list = (held.length ? held : detail.locks).map((l) => `${l.scope} ${l.resource} (fencing token ${l.fencingToken})`);
  // Throttled per service: a busy service gives one "lock acquired" per window, with the repeats counted.
  const message = base("lock_acquired", "INFO", detail, `Lock acquired for ${detail.operation.service}`, `Lock acquired for ${detail.operation.service}: ${list.join(", ") || "no locks recorded"}.`, detail.operation.service);
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, detail.operation.id) }] };
}

export function conflictDetectedMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage | null {
  if (detail.conflicts.length === 0) return null;
  const lines = detail.conflicts.map((c) => `${c.type} (${c.severity}, ${c.action}): ${c.explanation}`);
  const message = base("conflict_detected", "WARNING", detail, `Conflict detected: ${detail.operation.service}`, `${lines.join("\n")}\nRecommendation: ${detail.conflicts[0]!.recommendation}`, detail.operation.id);
  return {
    ...message,
    fields: [...message.fields, { label: "Conflicts", value: String(detail.conflicts.length) }, { label: "Blast radius", value: String(Math.max(...detail.conflicts.map((c) => c.blastRadius))) }],
    links: [{ label: "Open operation", url: operationUrl(links, detail.operation.id) }],
  };
}

export function safetyGateFailedMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage | null {
  const failed = detail.gateResults.filter((g) => !g.passed && !g.skipped);
  if (failed.length === 0) return null;
  const lines = failed.map((g) => `${g.gate}: ${g.reason} (observed ${g.observed ?? "n/a"}${g.unit}, threshold ${g.threshold}${g.unit})`);
  const message = base("safety_gate_failed", "ERROR", detail, `Safety gate failed: ${failed.map((g) => g.gate).join(", ")} on ${detail.operation.service}`, lines.join("\n"), detail.operation.id);
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, detail.operation.id) }] };
}

export function humanReviewRequiredMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const review = detail.review;
  const radius = detail.conflictCheck && typeof detail.conflictCheck === "object" ? (detail.conflictCheck as { blastRadius?: { percentage?: number; affectedCount?: number } }).blastRadius : undefined;
  const reason = review?.reason ?? detail.operation.reason ?? "paused for review";
  const message = base(
    "human_review_required",
    "WARNING",
    detail,
    `Human review required: ${detail.operation.type} of ${detail.operation.service}`,
    `Operation paused: ${reason}${radius?.affectedCount !== undefined ? `\nBlast radius: ${radius.affectedCount} services (${radius.percentage ?? "?"} %)` : ""}\nPlease review and approve or reject.`,
    review?.id ?? detail.operation.id,
  );
  return {
    ...message,
    fields: [...message.fields, ...(review ? [{ label: "Review", value: review.id }, { label: "Evidence hash", value: review.evidenceHash.slice(0, 16) }] : [])],
    links: [
      { label: "Approve", url: `${links.baseUrl}/approvals/${detail.operation.id}?decision=approve`, style: "primary", ...(review ? { review: { decision: "APPROVE" as const, operationId: detail.operation.id, evidenceHash: review.evidenceHash } } : {}) },
      { label: "Reject", url: `${links.baseUrl}/approvals/${detail.operation.id}?decision=reject`, style: "danger", ...(review ? { review: { decision: "REJECT" as const, operationId: detail.operation.id, evidenceHash: review.evidenceHash } } : {}) },
      { label: "Open review", url: `${links.baseUrl}/approvals/${detail.operation.id}` },
    ],
  };
}

/** What the escalation sweep knows of a review when it claims it (read in the same statement). */
export interface EscalatingReview {
  reviewId: string;
  operationId: string;
  service: string;
  type: string;
  actor: string;
  correlationId: string;
  reason: string;
  evidenceHash: string;
  createdAt: Date;
}

/** Levels 1-3 of the escalation of unanswered reviews (docs/notifications.md): louder at each level; one PagerDuty incident per review (dedup key), resolved on decision. */
export function reviewEscalatedMessage(review: EscalatingReview, level: number, finalLevel: number, links: ConsoleLinks, now: Date): NotificationMessage {
  const severity: AuditSeverity = level >= 3 ? "CRITICAL" : level === 2 ? "ERROR" : "WARNING";
  const waitedMin = Math.round((now.getTime() - review.createdAt.getTime()) / 60_000);
  const timedOut = level > finalLevel;
  return {
    template: "review_escalated",
    severity,
    title: timedOut ? `Review of ${review.service} timed out after ${waitedMin} min and is still waiting` : `Escalation level ${level}: review of ${review.service} unanswered for ${waitedMin} min`,
    body: `Operation paused: ${review.reason}\nNo approver has decided yet${timedOut ? "; the review timed out and, by configuration, keeps waiting" : `; this is escalation level ${level}`}. Please review and approve or reject.`,
    fields: [
      { label: "Service", value: review.service },
      { label: "Operation", value: `${review.type} ${review.operationId}` },
      { label: "Requested by", value: review.actor },
      { label: "Waiting", value: `${waitedMin} min` },
      { label: "Evidence hash", value: review.evidenceHash.slice(0, 16) },
    ],
    links: [
      { label: "Approve", url: `${links.baseUrl}/approvals/${review.operationId}?decision=approve`, style: "primary", review: { decision: "APPROVE", operationId: review.operationId, evidenceHash: review.evidenceHash } },
      { label: "Reject", url: `${links.baseUrl}/approvals/${review.operationId}?decision=reject`, style: "danger", review: { decision: "REJECT", operationId: review.operationId, evidenceHash: review.evidenceHash } },
      { label: "Open review", url: `${links.baseUrl}/approvals/${review.operationId}` },
    ],
    dedupKey: `review:${review.reviewId}`,
    service: review.service,
    operationId: review.operationId,
    correlationId: review.correlationId,
  };
}

/** Closes the PagerDuty incident an escalation opened (same dedup key). */
export function reviewDecidedResolveMessage(detail: OperationDetail, decision: "approved" | "rejected" | "expired" | "cancelled"): NotificationMessage {
  const message = base("review_escalated", "INFO", detail, `Review of ${detail.operation.service} ${decision}`, `The review was ${decision}${detail.review?.decidedBy ? ` by ${detail.review.decidedBy}` : ""}.`, detail.operation.id);
  return { ...message, dedupKey: `review:${detail.review?.id ?? detail.operation.id}`, action: "resolve" };
}

export function operationFailedMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const op = detail.operation;
  const message = base("operation_failed", "CRITICAL", detail, `Operation failed: ${op.type} of ${op.service}`, `${op.error ?? op.reason ?? "The operation failed"}. ${op.type === "DEPLOYMENT" ? "Check the service and roll back manually if needed." : ""}`.trim(), op.id);
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, op.id) }] };
}

export function operationRolledBackMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const op = detail.operation;
  const message = base("operation_rolled_back", "ERROR", detail, `Rolled back: ${op.type} of ${op.service}`, `${op.reason ?? "Verification failed and the change was rolled back"}.`, op.id);
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, op.id) }] };
}

/** A change that finished as asked (INFO): deployments, rollbacks, remediations, config changes and maintenance; a verification's success is not news. */
export function operationCompletedMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const op = detail.operation;
  const summary = typeof detail.outcome?.summary === "string" ? detail.outcome.summary : null;
  const message = base("operation_completed", "INFO", detail, `Completed: ${op.type} of ${op.service}`, `${op.type} of ${op.service} completed${summary ? `: ${summary}` : "."}`, op.id);
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, op.id) }] };
}

/**
 * An operation that must not fail silently (lock priority CRITICAL: a
 * rollback) ended FAILED. CRITICAL, and routed like the last level of an
 * unanswered review's escalation, which pages at high urgency by default.
 */
export function criticalOperationFailedMessage(detail: OperationDetail, links: ConsoleLinks): NotificationMessage {
  const op = detail.operation;
  const cause =
    op.result === "BLOCKED_BY_CONFLICT" ? `blocked by a conflict: ${detail.conflicts.map((c) => c.explanation).join(" ") || "see the operation"}`
    : op.result === "BLOCKED_BY_GATE" ? `blocked by a safety gate: ${detail.gateResults.filter((g) => !g.passed && !g.skipped).map((g) => `${g.gate} (${g.reason})`).join(", ") || "see the operation"}`
    : (op.error ?? op.reason ?? "it failed");
  const message = base(
    "critical_operation_failed",
    "CRITICAL",
    detail,
    `Critical operation failed: ${op.type} of ${op.service}`,
    `The ${op.type} of ${op.service} did not complete: ${cause}.\nThe service may be left in a bad state; someone has to act now.`,
    op.id,
  );
  return { ...message, links: [{ label: "Open operation", url: operationUrl(links, op.id) }] };
}

/** What a person's (or a rollback's) control of an operation did to it. */
export type OperationControlKind = "paused" | "resumed" | "aborted" | "preempted" | "superseded";

const CONTROL_WORDS: Record<OperationControlKind, string> = { paused: "Paused", resumed: "Resumed", aborted: "Aborted", preempted: "Preempted", superseded: "Superseded" };

/** A pause, resume, abort, preemption or supersession: WARNING (a resume is INFO) to those the routing reaches. */
export function operationControlMessage(detail: OperationDetail, kind: OperationControlKind, by: { actor: string; reason: string | null; byOperation: string | null }, links: ConsoleLinks): NotificationMessage {
  const op = detail.operation;
  const who = by.byOperation ? `operation ${by.byOperation}` : by.actor;
  const message = base(
    "operation_control",
    kind === "resumed" ? "INFO" : "WARNING",
    detail,
    `${CONTROL_WORDS[kind]}: ${op.type} of ${op.service}`,
    `${op.type} of ${op.service} was ${kind} by ${who}${by.reason ? `: ${by.reason}` : "."}`,
    `${op.id}:${kind}`,
  );
  return {
    ...message,
    fields: [...message.fields, { label: kind === "preempted" || kind === "superseded" ? `${CONTROL_WORDS[kind]} by` : "By", value: who }],
    links: [{ label: "Open operation", url: operationUrl(links, op.id) }, ...(by.byOperation ? [{ label: "Open the other operation", url: operationUrl(links, by.byOperation) }] : [])],
  };
}

/** A lock holder asked for a lock out of the canonical order (a potential deadlock), as the lock manager recorded it. ERROR. */
export function lockOrderViolationMessage(event: { seq: number; service: string | null; operationId: string | null; correlationId: string | null; holderId: string; held: string; requested: string }, links: ConsoleLinks): NotificationMessage {
  const operationId = event.operationId ?? /^op:([0-9a-f-]{36})(#\d+)?$/i.exec(event.holderId)?.[1] ?? null;
  return {
    template: "lock_order_violation",
    severity: "ERROR",
    title: `Lock order violation by ${event.holderId}`,
    body: `${event.holderId} asked for ${event.requested} while holding ${event.held}, against the canonical lock order, and was refused. Two holders doing this can deadlock; the code that took these locks needs fixing.`,
    fields: [
      ...(event.service ? [{ label: "Service", value: event.service }] : []),
      { label: "Holder", value: event.holderId },
      { label: "Held", value: event.held },
      { label: "Requested", value: event.requested },
    ],
    links: operationId ? [{ label: "Open operation", url: operationUrl(links, operationId) }] : [],
    dedupKey: `lock_order_violation:${event.holderId}:${event.seq}`,
    service: event.service,
    operationId,
    correlationId: event.correlationId,
  };
}

export function incidentResolvedMessage(incident: { id: string; key: string; title: string; service: string; correlationId: string; detectedAt: string; resolvedAt: string }, links: ConsoleLinks): NotificationMessage {
  const mttrSeconds = Math.round((Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000);
  return {
    template: "incident_resolved",
    severity: "INFO",
    title: `Incident resolved: ${incident.title}`,
    body: `${incident.key} on ${incident.service} was resolved in ${mttrSeconds} s.`,
    fields: [
      { label: "Service", value: incident.service },
      { label: "Incident", value: incident.key },
      { label: "MTTR", value: `${mttrSeconds} s` },
    ],
    links: [{ label: "Open incident", url: `${links.baseUrl}/incidents/${incident.id}` }],
    dedupKey: `incident:${incident.id}`,
    service: incident.service,
    operationId: null,
    correlationId: incident.correlationId,
    action: "resolve",
  };
}

/** The summary of repeats that throttling held back: nothing is dropped without a trace. */
export function repeatsMergedMessage(first: NotificationMessage, count: number, since: Date, until: Date): NotificationMessage {
  return {
    ...first,
    template: "repeats_merged",
    title: `${count} more: ${first.title}`,
    body: `${count} similar notification${count === 1 ? " was" : "s were"} held back by throttling between ${since.toISOString()} and ${until.toISOString()}. The first: ${first.body}`,
    fields: [...first.fields.filter((f) => f.label === "Service"), { label: "Repeats", value: String(count) }],
  };
}

export function testMessage(actor: string, now: Date, links: ConsoleLinks): NotificationMessage {
  return {
    template: "test",
    severity: "INFO",
    title: "Interlock test notification",
    body: `${actor} sent this test at ${now.toISOString()} to check that this channel reaches you.`,
    fields: [{ label: "Sent by", value: actor }],
    links: [{ label: "Open Interlock", url: links.baseUrl }],
    dedupKey: `test:${now.getTime()}`,
    service: null,
    operationId: null,
    correlationId: null,
  };
}

/** A remediation rule stopped itself: too many remediations for one incident or one service (docs/incidents.md#circuit-breaker). */
export function remediationBreakerTrippedMessage(event: { seq: number; service: string | null; correlationId: string | null; rule: string; ruleId: string | null; reason: string; incidentKey: string | null; incidentId: string | null }, links: ConsoleLinks): NotificationMessage {
  return {
    template: "remediation_breaker_tripped",
    severity: "ERROR",
    title: `Remediation rule "${event.rule}" tripped its circuit breaker`,
    body: `${event.reason}. The rule submits nothing more until an admin resets it; the remediation that tripped it waits for a person's review.`,
    fields: [
      ...(event.service ? [{ label: "Service", value: event.service }] : []),
      { label: "Rule", value: event.rule },
      ...(event.incidentKey ? [{ label: "Incident", value: event.incidentKey }] : []),
    ],
    links: [
      ...(event.incidentId ? [{ label: "Open incident", url: `${links.baseUrl}/incidents/${event.incidentId}` }] : []),
      ...(event.ruleId ? [{ label: "Open rule", url: `${links.baseUrl}/rules/${event.ruleId}` }] : []),
    ],
    dedupKey: `remediation_breaker_tripped:${event.ruleId ?? event.rule}:${event.seq}`,
    service: event.service,
    operationId: null,
    correlationId: event.correlationId,
  };
}
