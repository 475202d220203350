import { describe, expect, it } from "vitest";
import { isAppError } from "../errors";
import { buildIncidentTimeline, mttrSecondsOf } from "./build-incident-timeline";
import { planIncidentMove } from "./move-incident";

const detectedAt = new Date("2026-12-07T10:00:00Z");
const now = new Date("2026-12-07T10:05:00Z");
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return isAppError(error) ? error.code : "other";
  }
};

describe("planIncidentMove (docs/incidents.md#states)", () => {
  it("moves forward, keeping who and when", () => {
    expect(planIncidentMove({ key: "INC-1", status: "OPEN", detectedAt }, "ACKNOWLEDGED", "alice", now, "looking")).toEqual({
      status: "ACKNOWLEDGED",
      acknowledged: { at: now, by: "alice" },
      note: { at: now.toISOString(), by: "alice", status: "ACKNOWLEDGED", note: "looking" },
    });
    expect(planIncidentMove({ key: "INC-1", status: "OPEN", detectedAt }, "RESOLVED", "alice", now, undefined)).toEqual({ status: "RESOLVED", resolved: { at: now, by: "alice" } });
  });

  it("refuses going back, repeating a state, and any move of a resolved incident", () => {
    expect(codeOf(() => planIncidentMove({ key: "INC-1", status: "MITIGATING", detectedAt }, "ACKNOWLEDGED", "a", now, undefined))).toBe("INVALID_TRANSITION");
    expect(codeOf(() => planIncidentMove({ key: "INC-1", status: "ACKNOWLEDGED", detectedAt }, "ACKNOWLEDGED", "a", now, undefined))).toBe("INVALID_TRANSITION");
    expect(codeOf(() => planIncidentMove({ key: "INC-1", status: "RESOLVED", detectedAt }, "RESOLVED", "a", now, undefined))).toBe("INVALID_TRANSITION");
  });

  it("never records a move before the detection", () => {
    expect(planIncidentMove({ key: "INC-1", status: "OPEN", detectedAt }, "RESOLVED", "a", new Date("2026-12-07T09:00:00Z"), undefined).resolved!.at).toEqual(detectedAt);
  });
});

describe("the timeline", () => {
  it("orders stored moves by time, cause before effect at one instant, and MTTR is resolved − detected", () => {
    const at = (m: number) => new Date(Date.UTC(2026, 11, 7, 10, m)).toISOString();
    const incident = {
      id: "i",
      key: "INC-1",
      service: "payment-service",
      title: "errors",
      status: "RESOLVED" as const,
      severity: "ERROR" as const,
      correlationId: "c",
      approach: null,
      summary: {},
      source: "ALERTMANAGER" as const,
      groupKey: "g",
      detectedAt: at(0),
      acknowledgedAt: at(2),
      acknowledgedBy: "alice",
      mitigatingAt: at(1),
      resolvedAt: at(9),
      resolvedBy: "alertmanager",
      createdAt: at(0),
    };
    const timeline = buildIncidentTimeline({
      incident,
      alerts: [{ fingerprint: "f", alertname: "HighErrorRate", status: "resolved", labels: {}, annotations: {}, startsAt: at(0), endsAt: at(9), generatorUrl: null, updatedAt: at(9) }],
      matches: [{ id: "m", ruleId: "r", ruleName: "rb", incidentId: "i", incidentKey: "INC-1", service: "payment-service", fingerprint: "f", at: at(1), mode: "AUTO", outcome: "SUBMITTED", reason: "", submission: { type: "ROLLBACK" }, operationId: "op" }],
      transitions: [{ operationId: "op", type: "ROLLBACK", from: null, to: "INIT", actor: "rule:rb", at: at(1) }],
      stages: [],
      notes: [],
    });
    expect(timeline.map((e) => e.kind)).toEqual(["DETECTED", "ALERT_FIRING", "REMEDIATION", "OPERATION", "MITIGATING", "ACKNOWLEDGED", "ALERT_RESOLVED", "RESOLVED"]);
    expect(timeline[2]!.label).toBe('Rule "rb" matched: ROLLBACK submitted');
    expect(mttrSecondsOf(incident)).toBe(540);
    expect(mttrSecondsOf({ ...incident, resolvedAt: null })).toBeNull();
  });
});
