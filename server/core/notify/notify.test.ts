import { describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS, isThrottled, retryDelayMs } from "./delivery-policy";
import { escalationStep } from "./escalation-step";
import type { OperationDetail } from "../operations/get-operation-detail";
import { NOTIFIABLE_ACTIONS, eventNeeds, messagesForAuditEvent, type OutboxEvent } from "./messages-for-audit-event";
import { inboxRole } from "./notifier";
import { DEFAULT_NOTIFY_ROUTING, deliveriesFor, parseNotifyRouting, severityReachesAnyChannel } from "./routing";
import { repeatsMergedMessage, reviewEscalatedMessage, testMessage } from "./templates";
import type { NotificationMessage, NotifyChannel } from "./types";

const ALL = new Set<NotifyChannel>(["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"]);
const message = (severity: NotificationMessage["severity"]): NotificationMessage => ({ ...testMessage("alice", new Date("2026-01-01T00:00:00Z"), { baseUrl: "https://i.example" }), severity });
const channelsOf = (severity: NotificationMessage["severity"], configured = ALL) => deliveriesFor(message(severity), DEFAULT_NOTIFY_ROUTING, configured).map((d) => d.channel);

describe("routing by severity", () => {
  it("sends INFO to chat, WARNING also by email, ERROR also to PagerDuty, CRITICAL to PagerDuty at high urgency", () => {
    expect(channelsOf("INFO")).toEqual(["SLACK", "TEAMS"]);
    expect(channelsOf("WARNING")).toEqual(["SLACK", "TEAMS", "EMAIL", "INBOX"]);
    expect(channelsOf("ERROR")).toEqual(["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"]);
    const critical = deliveriesFor(message("CRITICAL"), DEFAULT_NOTIFY_ROUTING, ALL);
    expect(critical.map((d) => d.channel)).toEqual(["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"]);
    expect(critical.find((d) => d.channel === "PAGERDUTY")!.message.urgency).toBe("high");
    expect(deliveriesFor(message("ERROR"), DEFAULT_NOTIFY_ROUTING, ALL).find((d) => d.channel === "PAGERDUTY")!.message.urgency).toBeUndefined();
  });

  it("throttles INFO for 5 minutes and WARNING for 2, never ERROR, CRITICAL or an escalation", () => {
    expect(deliveriesFor(message("INFO"), DEFAULT_NOTIFY_ROUTING, ALL)[0]!.throttleMs).toBe(300_000);
    expect(deliveriesFor(message("WARNING"), DEFAULT_NOTIFY_ROUTING, ALL)[0]!.throttleMs).toBe(120_000);
    expect(deliveriesFor(message("ERROR"), DEFAULT_NOTIFY_ROUTING, ALL)[0]!.throttleMs).toBe(0);
    expect(deliveriesFor(message("WARNING"), DEFAULT_NOTIFY_ROUTING, ALL, 1)[0]!.throttleMs).toBe(0);
  });

  it("leaves out channels this deployment has not configured", () => {
    expect(channelsOf("CRITICAL", new Set(["EMAIL", "INBOX"]))).toEqual(["EMAIL", "INBOX"]);
    // The embedded default has only the inbox: INFO reaches nobody there, WARNING does.
    expect(severityReachesAnyChannel("INFO", DEFAULT_NOTIFY_ROUTING, new Set(["INBOX"]))).toBe(false);
    expect(severityReachesAnyChannel("WARNING", DEFAULT_NOTIFY_ROUTING, new Set(["INBOX"]))).toBe(true);
    expect(severityReachesAnyChannel("INFO", DEFAULT_NOTIFY_ROUTING, new Set(["TEAMS"]))).toBe(true);
  });

  it("notifies each escalation level's channels: level 2 pages, level 3 pages at high urgency", () => {
    const at = (level: number) => deliveriesFor(message("WARNING"), DEFAULT_NOTIFY_ROUTING, ALL, level);
    expect(at(1).map((d) => d.channel)).toEqual(["SLACK", "TEAMS", "EMAIL", "INBOX"]);
    expect(at(2).map((d) => d.channel)).toContain("PAGERDUTY");
    expect(at(2).find((d) => d.channel === "PAGERDUTY")!.message.urgency).toBeUndefined();
    expect(at(3).find((d) => d.channel === "PAGERDUTY")!.message.urgency).toBe("high");
  });

  it("validates a stored routing and names what is wrong", () => {
    expect(parseNotifyRouting(DEFAULT_NOTIFY_ROUTING)).toEqual(DEFAULT_NOTIFY_ROUTING);
    expect(() => parseNotifyRouting({ ...DEFAULT_NOTIFY_ROUTING, routes: { ...DEFAULT_NOTIFY_ROUTING.routes, INFO: { channels: ["FAX"], throttleMinutes: 5 } } })).toThrow(/routes\.INFO\.channels\.0/);
    expect(() => parseNotifyRouting({ ...DEFAULT_NOTIFY_ROUTING, routes: { ...DEFAULT_NOTIFY_ROUTING.routes, INFO: { channels: ["SLACK", "SLACK"], throttleMinutes: 5 } } })).toThrow(/listed twice/);
  });
});

describe("delivery policy", () => {
  it("backs off exponentially with jitter and gives up after the last attempt", () => {
    expect(retryDelayMs(1, 0.5)).toBe(5_000);
    expect(retryDelayMs(2, 0.5)).toBe(10_000);
    expect(retryDelayMs(5, 0.5)).toBe(80_000);
    expect(retryDelayMs(1, 0)).toBe(4_000);
    expect(retryDelayMs(1, 1)).toBe(6_000);
    expect(retryDelayMs(30, 0.5)).toBe(600_000);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(6);
  });

  it("throttles a repeat only inside its window", () => {
    const now = new Date("2026-01-01T00:05:00Z");
    expect(isThrottled(new Date("2026-01-01T00:03:30Z"), now, 120_000)).toBe(true);
    expect(isThrottled(new Date("2026-01-01T00:02:59Z"), now, 120_000)).toBe(false);
    expect(isThrottled(null, now, 120_000)).toBe(false);
    expect(isThrottled(now, now, 0)).toBe(false);
  });
});

describe("escalation levels (15 / 30 / 60 minutes)", () => {
  const paused = Date.parse("2026-01-01T00:00:00Z");
  const plan = [15, 30, 60].map((m, i) => ({ level: i + 1, at: new Date(paused + m * 60_000).toISOString() }));
  const at = (minutes: number) => new Date(paused + minutes * 60_000);

  it("reaches each level at its time, and after a gap jumps to the highest one due", () => {
    expect(escalationStep(plan, 0, null, at(15), false)).toEqual({ level: 1, next: at(30), finalLevel: 3 });
    expect(escalationStep(plan, 1, null, at(31), false)).toEqual({ level: 2, next: at(60), finalLevel: 3 });
    expect(escalationStep(plan, 0, null, at(61), false)).toEqual({ level: 3, next: null, finalLevel: 3 });
    expect(escalationStep(plan, 0, null, at(10), false)).toEqual({ level: 0, next: at(15), finalLevel: 3 });
  });

  it("with ESCALATE_ONLY, the review's timeout is one more level", () => {
    const timeout = at(240);
    expect(escalationStep(plan, 2, timeout, at(60), true)).toEqual({ level: 3, next: timeout, finalLevel: 3 });
    expect(escalationStep(plan, 3, timeout, at(241), true)).toEqual({ level: 4, next: null, finalLevel: 3 });
  });
});

describe("messages", () => {
  const review = { reviewId: "r1", operationId: "op1", service: "payment-service", type: "DEPLOYMENT", actor: "alice@example.com", correlationId: "c1", reason: "Error budget exhausted: 2.5% > 2.0%", evidenceHash: "a".repeat(64), createdAt: new Date("2026-01-01T00:00:00Z") };

  it("makes escalations louder per level, with approve and reject links and one PagerDuty key per review", () => {
    const links = { baseUrl: "https://interlock.example.com" };
    const level1 = reviewEscalatedMessage(review, 1, 3, links, new Date("2026-01-01T00:15:00Z"));
    const level3 = reviewEscalatedMessage(review, 3, 3, links, new Date("2026-01-01T01:00:00Z"));
    expect([level1.severity, level3.severity]).toEqual(["WARNING", "CRITICAL"]);
    expect(level1.title).toBe("Escalation level 1: review of payment-service unanswered for 15 min");
    expect(level1.dedupKey).toBe(level3.dedupKey);
    expect(level1.links.map((l) => [l.label, l.url, l.style])).toEqual([
      ["Approve", "https://interlock.example.com/approvals/op1?decision=approve", "primary"],
      ["Reject", "https://interlock.example.com/approvals/op1?decision=reject", "danger"],
      ["Open review", "https://interlock.example.com/approvals/op1", undefined],
    ]);
    expect(reviewEscalatedMessage(review, 4, 3, links, new Date("2026-01-01T04:00:00Z")).title).toMatch(/timed out after 240 min and is still waiting/);
  });

  it("summarises held-back repeats with their count and time span", () => {
    const first = message("INFO");
    const merged = repeatsMergedMessage(first, 7, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:04:00Z"));
    expect(merged).toMatchObject({ template: "repeats_merged", title: `7 more: ${first.title}`, dedupKey: first.dedupKey });
    expect(merged.body).toContain("7 similar notifications were held back by throttling between 2026-01-01T00:00:00.000Z and 2026-01-01T00:04:00.000Z");
  });
});

describe("messages from committed audit events", () => {
  const links = { baseUrl: "https://i.example" };
  const opId = "0b0c3f36-5d6c-4a53-9d9e-2b8f3a1f0c11";
  let seq = 100;
  const event = (action: string, payload: OutboxEvent["payload"] = {}, extra: Partial<OutboxEvent> = {}): OutboxEvent => ({
    seq: ++seq,
    action,
    category: "STATE_TRANSITION",
    severity: "INFO",
    actor: "system",
    service: "payment-service",
    operationId: opId,
    correlationId: "corr-1",
    payload,
    at: "2026-01-01T00:00:00.000000Z",
    ...extra,
  });
  const transition = (from: string, to: string, metadata: OutboxEvent["payload"] = {}) => event("operation.transition", { from, to, version: 3, metadata });
  const detail = (over: Partial<OperationDetail["operation"]> = {}, rest: Partial<OperationDetail> = {}): OperationDetail => ({
    operation: {
      id: opId,
      type: "DEPLOYMENT",
      service: "payment-service",
      state: "IN_PROGRESS",
      result: null,
      actor: "alice@example.com",
      actorKind: "HUMAN",
      correlationId: "corr-1",
      incidentId: null,
      source: "API",
      execution: "internal",
      leaseSeconds: null,
      idempotencyKey: null,
      params: {},
      version: 3,
      priority: 2,
      attempt: 1,
      resumes: 0,
      queuedAt: null,
      control: null,
      preemptedBy: null,
      breakGlass: null,
      reason: null,
      error: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
      startedAt: null,
      finishedAt: null,
      ...over,
    },
    lockKeys: [],
    conflictCheck: null,
    outcome: null,
    transitions: [],
    steps: [],
    gateResults: [],
    conflicts: [],
    review: null,
    auditEvents: [],
    auditEventsTruncated: false,
    lease: null,
    locks: [],
    ...rest,
  });
  const templates = (e: OutboxEvent, d: OperationDetail | null) => messagesForAuditEvent(e, d, links).map((p) => [p.message.template, p.message.severity, p.topEscalation ?? false]);

  it("tells a completed change (INFO), not a completed verification", () => {
    for (const type of ["DEPLOYMENT", "ROLLBACK", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const) {
      expect(templates(transition("IN_PROGRESS", "COMPLETED"), detail({ type, state: "COMPLETED", result: "SUCCESS" }))).toEqual([["operation_completed", "INFO", false]]);
    }
    expect(templates(transition("IN_PROGRESS", "COMPLETED"), detail({ type: "VERIFICATION", state: "COMPLETED" }))).toEqual([]);
  });

  it("escalates a failed CRITICAL-priority operation (a rollback) to the last escalation level, once, instead of the ordinary failure", () => {
    const failed = transition("IN_PROGRESS", "FAILED", { result: "FAILED", reason: "kubectl rollout undo failed" });
    expect(templates(failed, detail({ type: "ROLLBACK", priority: 0, state: "FAILED", error: "kubectl rollout undo failed" }))).toEqual([["critical_operation_failed", "CRITICAL", true]]);
    expect(templates(failed, detail({ type: "DEPLOYMENT", priority: 2, state: "FAILED" }))).toEqual([["operation_failed", "CRITICAL", false]]);
    // A review's expiry fails the operation without anyone deciding: the same escalation.
    const expired = event("review.expired", { reviewId: "r1" }, { category: "MANUAL_INTERVENTION", severity: "ERROR" });
    expect(templates(expired, detail({ type: "ROLLBACK", priority: 0 }))).toEqual([
      ["review_escalated", "INFO", false],
      ["critical_operation_failed", "CRITICAL", true],
    ]);
    // A person's rejection is not a failure to tell (the resolve closes the page), nor is a cancellation.
    expect(eventNeeds(transition("PAUSED_FOR_HUMAN_REVIEW", "FAILED", { reviewId: "r1", decision: "REJECTED" }))).toBe("nothing");
    expect(eventNeeds(transition("PAUSED_FOR_HUMAN_REVIEW", "FAILED", { reviewId: "r1", decision: "EXPIRED" }))).toBe("nothing");
    expect(eventNeeds(transition("IN_PROGRESS", "FAILED", { result: "SUPERSEDED" }))).toBe("nothing");
  });

  it("tells a lock-order violation at ERROR from the event alone", () => {
    const violation = event(
      "lock.order_violation",
      { holderId: `op:${opId}#2`, held: [{ scope: "SERVICE", resource: "payment-service", mode: "EXCLUSIVE" }], requested: { scope: "SERVICE", resource: "api-gateway", mode: "EXCLUSIVE" } },
      { category: "LOCK_OPERATION", severity: "ERROR", operationId: null, service: null },
    );
    expect(eventNeeds(violation)).toBe("event");
    const [planned] = messagesForAuditEvent(violation, null, links);
    expect(planned!.message).toMatchObject({ template: "lock_order_violation", severity: "ERROR", operationId: opId, title: `Lock order violation by op:${opId}#2` });
    expect(planned!.message.body).toContain("asked for SERVICE api-gateway (EXCLUSIVE) while holding SERVICE payment-service (EXCLUSIVE)");
  });

  it("warns of pauses, aborts, preemptions and supersessions; says nothing of requests, queueing or refreshed evidence", () => {
    const d = detail();
    expect(templates(event("operation.paused", { by: "bob@example.com", reason: "looks odd" }), d)).toEqual([["operation_control", "WARNING", false]]);
    expect(templates(event("operation.aborted", { by: "bob@example.com" }), d)).toEqual([["operation_control", "WARNING", false]]);
    const preempted = messagesForAuditEvent(event("operation.preempted", { preemptedBy: "7f1d2a52-3c4b-4a5e-8f60-718293a4b5c6" }), d, links)[0]!.message;
    expect(preempted).toMatchObject({ severity: "WARNING", title: "Preempted: DEPLOYMENT of payment-service" });
    expect(preempted.body).toContain("preempted by operation 7f1d2a52-3c4b-4a5e-8f60-718293a4b5c6");
    expect(templates(event("operation.superseded", {}), d)).toEqual([["operation_control", "WARNING", false]]);
    expect(templates(event("operation.resumed", {}), d)).toEqual([["operation_control", "INFO", false]]);
    for (const quiet of ["operation.queued", "review.evidence_refreshed", "operation.pause_requested", "operation.abort_requested", "review.escalated", "lock.acquired"]) {
      expect(NOTIFIABLE_ACTIONS).not.toContain(quiet);
      expect(eventNeeds(event(quiet))).toBe("nothing");
    }
  });

  it("tells a held graph removal once, at WARNING, to admins' inboxes, with what it removes and a link to the Sources page", () => {
    const held = event("graph.removal_held", {
      heldChangeId: "5e0c0a1e-7d1f-4c52-9a3a-0b5b7c2d9e11",
      source: "CATALOG",
      reason: "no longer declared by CATALOG, and no other source has them",
      summary: { added: 0, removed: 3, changed: 0 },
      diff: { services: { added: [], removed: [{ name: "legacy-billing" }], changed: [] }, edges: { added: [], removed: [{ from: "a", to: "b" }, { from: "c", to: "b" }], changed: [] }, groups: { added: [], removed: [], changed: [] } },
    });
    expect(NOTIFIABLE_ACTIONS).toContain("graph.removal_held");
    expect(eventNeeds(held)).toBe("event");
    const [planned] = messagesForAuditEvent(held, null, { baseUrl: "https://i.example" });
    expect(planned!.message).toMatchObject({
      template: "graph_removal_held",
      severity: "WARNING",
      title: "Graph change waits for review: the Backstage catalog would remove 1 service and 2 edges",
      dedupKey: "graph_removal_held:5e0c0a1e-7d1f-4c52-9a3a-0b5b7c2d9e11",
      links: [{ label: "Review on the Sources page", url: "https://i.example/graph/sources" }],
    });
    expect(planned!.message.body).toContain("no longer declared by CATALOG");
    // Admins decide it, so their inboxes get it (a review request goes to approvers, the rest to everyone).
    expect(inboxRole(planned!.message)).toBe("ADMIN");
    expect(messagesForAuditEvent(event("graph.removal_held", {}), null, { baseUrl: "https://i.example" })).toEqual([]);
  });

  it("tells a review request once (from review.requested, not from the PAUSED transition of the same commit)", () => {
    expect(eventNeeds(transition("SAFETY_CHECK", "PAUSED_FOR_HUMAN_REVIEW"))).toBe("nothing");
    expect(templates(event("review.requested", { reviewId: "r1" }), detail())).toEqual([["human_review_required", "WARNING", false]]);
    expect(eventNeeds(transition("PAUSED_FOR_HUMAN_REVIEW", "CANCELLED"))).toBe("nothing");
  });

  it("says which state a transition reached, whatever the operation did since", () => {
    const [locked] = messagesForAuditEvent(transition("INIT", "LOCKED"), detail({ state: "COMPLETED" }), links);
    expect(locked!.message.fields.find((f) => f.label === "State")!.value).toBe("LOCKED");
  });
});
