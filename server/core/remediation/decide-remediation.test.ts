// What a matching rule does (docs/incidents.md#remediation-rules, #circuit-breaker), without a store.
import { describe, expect, it } from "vitest";
import { decideRemediation } from "./decide-remediation";
import { renderParams, ruleMatches } from "./match-rule";

const rule = { name: "rollback-on-errors", mode: "AUTO" as const, breaker: { maxPerIncident: 2, maxPerHourPerService: 3 }, trippedAt: null, trippedReason: null };
const none = { forIncident: 0, forServiceLastHour: 0 };

describe("decideRemediation", () => {
  it("auto submits; ask submits for a person; dry run only records", () => {
    expect(decideRemediation(rule, none)).toMatchObject({ outcome: "SUBMITTED", submit: true, reviewRequired: null, trip: null });
    expect(decideRemediation({ ...rule, mode: "ASK" }, none)).toMatchObject({ outcome: "SUBMITTED", submit: true, reviewRequired: expect.stringContaining("ask mode") });
    expect(decideRemediation({ ...rule, mode: "DRY_RUN" }, none)).toMatchObject({ outcome: "DRY_RUN", submit: false });
  });

  it("trips at the per-incident limit: the remediation goes to review and the rule stops", () => {
    const d = decideRemediation(rule, { forIncident: 2, forServiceLastHour: 2 });
    expect(d).toMatchObject({ outcome: "BREAKER_TRIPPED", submit: true, reviewRequired: expect.stringContaining("circuit breaker") });
    expect(d.trip).toMatch(/2 remediation\(s\) already submitted for this incident \(at most 2\)/);
  });

  it("trips at the per-service hourly limit", () => {
    expect(decideRemediation(rule, { forIncident: 0, forServiceLastHour: 3 }).trip).toMatch(/for this service in the last hour \(at most 3\)/);
  });

  it("an open breaker submits nothing; a dry run says it would have tripped", () => {
    expect(decideRemediation({ ...rule, trippedAt: new Date("2026-12-07T10:00:00Z"), trippedReason: "x" }, none)).toMatchObject({ outcome: "BREAKER_OPEN", submit: false });
    expect(decideRemediation({ ...rule, mode: "DRY_RUN" }, { forIncident: 5, forServiceLastHour: 0 }).reason).toMatch(/would have tripped/);
  });
});

describe("matching and templating", () => {
  const alert = { service: "payment-service", labels: { alertname: "HighErrorRate", service: "payment-service", severity: "critical", version: "1.4.2" }, incident: { id: "i-1", key: "INC-2026-0001" }, serviceLabel: "service", severityLabel: "severity" };

  it("matches when every given field equals the alert's label", () => {
    expect(ruleMatches({ alertname: "HighErrorRate" }, alert)).toBe(true);
    expect(ruleMatches({ alertname: "HighErrorRate", severity: "critical", labels: { version: "1.4.2" } }, alert)).toBe(true);
    expect(ruleMatches({ alertname: "HighErrorRate", service: "order-service" }, alert)).toBe(false);
    expect(ruleMatches({ labels: { team: "payments" } }, alert)).toBe(false);
  });

  it("fills placeholders from the labels and the incident; a missing label is an error naming it", () => {
    expect(renderParams({ operation: { type: "ROLLBACK", params: { from_version: "{{labels.version}}", reason: "{{alertname}} on {{service}} ({{incident.key}})", force: false } } }, alert)).toEqual({
      params: { from_version: "1.4.2", reason: "HighErrorRate on payment-service (INC-2026-0001)", force: false },
    });
    expect(renderParams({ operation: { type: "ROLLBACK", params: { to: "{{labels.previous_version}}" } } }, alert)).toEqual({ error: "parameter to: the alert has no value for {{labels.previous_version}}" });
  });
});
