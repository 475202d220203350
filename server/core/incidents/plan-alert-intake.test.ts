// The intake's decisions (docs/incidents.md#redelivery-and-order), without a store.
import { describe, expect, it } from "vitest";
import type { AlertmanagerAlert } from "./alertmanager-payload";
import { DEFAULT_INCIDENT_SETTINGS } from "./incident-settings";
import { classifyAlert, groupKeyOf, planGroupIntake, severityOf, type StoredAlert } from "./plan-alert-intake";

const intake = DEFAULT_INCIDENT_SETTINGS.intake;
const now = new Date("2026-12-07T10:00:00Z");
const labels = { alertname: "HighErrorRate", service: "payment-service", severity: "critical" };

const alert = (over: Partial<AlertmanagerAlert> = {}): AlertmanagerAlert => ({
  status: "firing",
  labels,
  annotations: {},
  startsAt: "2026-12-07T09:58:00Z",
  endsAt: "0001-01-01T00:00:00Z",
  fingerprint: "fp1",
  ...over,
});
const stored = (over: Partial<StoredAlert> = {}): StoredAlert => ({
  fingerprint: "fp1",
  alertname: "HighErrorRate",
  status: "firing",
  labels,
  annotations: {},
  startsAt: new Date("2026-12-07T09:58:00Z"),
  endsAt: null,
  generatorUrl: null,
  ...over,
});
const plan = (alerts: AlertmanagerAlert[], open: StoredAlert[] | null, previous: StoredAlert[] = open ?? []) =>
  planGroupIntake({
    groupKey: "g",
    service: "payment-service",
    alerts,
    open: open ? { id: "i1", key: "INC-1", correlationId: "c1", severity: "CRITICAL", detectedAt: new Date("2026-12-07T09:58:00Z"), alerts: open } : null,
    previous: new Map(previous.map((a) => [a.fingerprint, a])),
    intake,
    now,
  });

describe("classifyAlert", () => {
  it("a new fingerprint fires; a copy of what is recorded changes nothing", () => {
    expect(classifyAlert(stored(), undefined)).toBe("FIRING");
    expect(classifyAlert(stored(), stored())).toBe("UNCHANGED");
    expect(classifyAlert(stored({ status: "resolved", endsAt: new Date("2026-12-07T09:59:00Z") }), stored({ status: "resolved", endsAt: new Date("2026-12-07T09:59:00Z") }))).toBe("UNCHANGED");
  });

  it("a resolution of the recorded episode resolves; one of an older episode is late", () => {
    expect(classifyAlert(stored({ status: "resolved", endsAt: new Date("2026-12-07T09:59:00Z") }), stored())).toBe("RESOLVED");
    expect(classifyAlert(stored({ status: "resolved", startsAt: new Date("2026-12-07T09:50:00Z") }), stored())).toBe("LATE");
  });

  it("a firing copy that starts before the recorded resolution is late; one that starts after fires again", () => {
    const resolved = stored({ status: "resolved", endsAt: new Date("2026-12-07T09:59:00Z") });
    expect(classifyAlert(stored(), resolved)).toBe("LATE");
    expect(classifyAlert(stored({ startsAt: new Date("2026-12-07T09:59:30Z") }), resolved)).toBe("FIRING_AGAIN");
  });
});

describe("planGroupIntake", () => {
  it("opens an incident detected when its first alert started, titled by the summary annotation, severity from the label", () => {
    const p = plan([alert({ annotations: { summary: "Checkout errors above 5%" } })], null);
    expect(p.action).toBe("open");
    expect(p.incident).toEqual({ title: "Checkout errors above 5%", severity: "CRITICAL", detectedAt: new Date("2026-12-07T09:58:00Z") });
    expect(p.firing.map((a) => a.fingerprint)).toEqual(["fp1"]);
    expect(p.resolvedAt).toBeNull();
  });

  it("writes nothing for a redelivered notification", () => {
    const p = plan([alert()], [stored()]);
    expect(p.action).toBe("none");
    expect(p.writes).toEqual([]);
    expect(p.firing).toEqual([]);
  });

  it("resolves the incident when its last firing alert resolves, at the alert's end", () => {
    const p = plan([alert({ status: "resolved", endsAt: "2026-12-07T09:59:30Z" })], [stored()]);
    expect(p.action).toBe("update");
    expect(p.resolvedAt).toEqual(new Date("2026-12-07T09:59:30Z"));
  });

  it("keeps the incident open while another of its alerts still fires", () => {
    const other = stored({ fingerprint: "fp2" });
    const p = plan([alert({ status: "resolved", endsAt: "2026-12-07T09:59:30Z" })], [stored(), other]);
    expect(p.resolvedAt).toBeNull();
  });

  it("ignores a late firing copy of an episode already resolved, and opens nothing for it", () => {
    const p = plan([alert()], null, [stored({ status: "resolved", endsAt: new Date("2026-12-07T09:59:00Z") })]);
    expect(p.action).toBe("none");
    expect(p.changes).toEqual([{ fingerprint: "fp1", alertname: "HighErrorRate", change: "LATE" }]);
  });

  it("records an incident that is already resolved when its only alerts arrive resolved (so a late firing copy is recognised)", () => {
    const p = plan([alert({ status: "resolved", endsAt: "2026-12-07T09:59:00Z" })], null);
    expect(p.action).toBe("open");
    expect(p.resolvedAt).toEqual(new Date("2026-12-07T09:59:00Z"));
    expect(p.firing).toEqual([]);
  });

  it("raises the severity with a more severe alert and never lowers it", () => {
    const warning = { ...labels, severity: "warning" };
    const open = [stored({ labels: warning })];
    const raised = planGroupIntake({ groupKey: "g", service: "payment-service", alerts: [alert({ fingerprint: "fp2" })], open: { id: "i", key: "INC-1", correlationId: "c1", severity: "WARNING", detectedAt: now, alerts: open }, previous: new Map(), intake, now });
    expect(raised.severity).toBe("CRITICAL");
    const kept = planGroupIntake({ groupKey: "g", service: "payment-service", alerts: [alert({ fingerprint: "fp3", labels: warning })], open: { id: "i", key: "INC-1", correlationId: "c1", severity: "CRITICAL", detectedAt: now, alerts: [stored()] }, previous: new Map(), intake, now });
    expect(kept.severity).toBe("CRITICAL");
  });
});

describe("grouping and severity", () => {
  it("groups by the service and the configured labels, whatever else differs", () => {
    expect(groupKeyOf("payment-service", { ...labels, instance: "a" }, intake)).toBe(groupKeyOf("payment-service", { ...labels, instance: "b" }, intake));
    expect(groupKeyOf("payment-service", labels, intake)).not.toBe(groupKeyOf("order-service", labels, intake));
    expect(groupKeyOf("payment-service", labels, intake)).not.toBe(groupKeyOf("payment-service", { ...labels, alertname: "Other" }, intake));
  });

  it("maps the severity label, case-insensitively, with a default for the unknown", () => {
    expect(severityOf({ severity: "Critical" }, intake)).toBe("CRITICAL");
    expect(severityOf({ severity: "warning" }, intake)).toBe("WARNING");
    expect(severityOf({ severity: "sev9" }, intake)).toBe(intake.defaultSeverity);
    expect(severityOf({}, intake)).toBe(intake.defaultSeverity);
  });
});
