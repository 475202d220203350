// Stop the line's pure parts (docs/freezes.md#stop-the-line): scope checks
// against the topology, the halt an open incident holds, the severities that
// start one, and what the notifier tells of a halt called and lifted.
import { describe, expect, it } from "vitest";
import { scopeProblems } from "./call-halt";
import { INCIDENT_HALT_TYPES, incidentHalt, severitiesAtLeast } from "./incident-halts";
import { haltReader } from "./halts-in-force";
import type { StoredHalt } from "./halt-store";
import { eventNeeds, messagesForAuditEvent, type OutboxEvent } from "../notify/messages-for-audit-event";

const known = { services: new Set(["payment-service", "order-service"]), teams: new Set(["payments"]), tiers: new Set([1, 2]) };

describe("scopeProblems", () => {
  it("accepts what the topology knows, and an empty scope", () => {
    expect(scopeProblems({ services: ["payment-service"], teams: ["payments"], tiers: [1] }, known)).toEqual([]);
    expect(scopeProblems({ services: [], teams: [], tiers: [] }, known)).toEqual([]);
  });
  it("names every unknown service, team and tier", () => {
    expect(scopeProblems({ services: ["paymnet-service"], teams: ["nobody"], tiers: [9] }, known)).toEqual([
      'scope.services: the topology has no service "paymnet-service"',
      'scope.teams: no service belongs to a team "nobody"',
      "scope.tiers: no service is in tier 9",
    ]);
  });
});

describe("severitiesAtLeast", () => {
  it("is the threshold and everything worse", () => {
    expect(severitiesAtLeast("ERROR")).toEqual(["ERROR", "CRITICAL"]);
    expect(severitiesAtLeast("CRITICAL")).toEqual(["CRITICAL"]);
    expect(severitiesAtLeast("INFO")).toEqual(["INFO", "WARNING", "ERROR", "CRITICAL"]);
  });
});

const incident = { id: "0f000000-0000-4000-8000-000000000001", key: "INC-2026-0007", service: "payment-service", title: "5xx on checkout", severity: "CRITICAL" as const, detectedAt: new Date("2026-12-07T10:00:00Z"), openedBy: "token:alertmanager", acknowledgedBy: null };

describe("incidentHalt", () => {
  it("halts the incident's service, except its own response, from its detection, owned by its commander", () => {
    const halt = incidentHalt(incident);
    expect(halt).toMatchObject({
      id: `incident:${incident.id}`,
      source: "INCIDENT",
      incidentId: incident.id,
      scope: { services: ["payment-service"], teams: [], tiers: [], types: INCIDENT_HALT_TYPES },
      reason: "Incident INC-2026-0007 (CRITICAL) is open on payment-service: 5xx on checkout",
      owner: "incident commander",
      createdBy: "token:alertmanager",
      since: incident.detectedAt,
      includesRollbacks: false,
      liftedAt: null,
    });
    expect(halt.scope.types).not.toContain("ROLLBACK");
    expect(halt.scope.types).not.toContain("REMEDIATION");
  });
  it("is owned by whoever acknowledged the incident", () => {
    expect(incidentHalt({ ...incident, acknowledgedBy: "sre@example.com" }).owner).toBe("sre@example.com");
  });
});

describe("haltReader", () => {
  const manual: StoredHalt = {
    id: "0f000000-0000-4000-8000-000000000002",
    scope: { services: [], teams: [], tiers: [], types: [] },
    action: "BLOCK",
    reason: "Black Friday",
    owner: "approver@interlock.local",
    createdBy: "approver@interlock.local",
    since: new Date("2026-12-07T11:00:00Z"),
    includesRollbacks: false,
    breakGlassRole: "APPROVER",
    source: "MANUAL",
    incidentId: null,
    liftedAt: null,
    liftedBy: null,
    liftReason: null,
  };
  const asked: string[][] = [];
  const store = {
    inForce: async () => [manual],
    openIncidents: async (severities: string[]) => {
      asked.push(severities);
      return [incident];
    },
  };
  it("with the setting off, reads no incidents", async () => {
    asked.length = 0;
    const halts = await haltReader({ halts: store, incidentSettings: async () => ({ haltOnIncidentSeverity: null }) }).haltsInForce(new Date());
    expect(halts.map((h) => h.id)).toEqual([manual.id]);
    expect(asked).toEqual([]);
  });
  it("with it on, adds the incidents' halts, oldest first", async () => {
    asked.length = 0;
    const halts = await haltReader({ halts: store, incidentSettings: async () => ({ haltOnIncidentSeverity: "ERROR" }) }).haltsInForce(new Date());
    expect(halts.map((h) => h.id)).toEqual([`incident:${incident.id}`, manual.id]);
    expect(asked).toEqual([["ERROR", "CRITICAL"]]);
  });
});

describe("what the notifier tells of halts", () => {
  const event = (action: string, payload: OutboxEvent["payload"]): OutboxEvent => ({ seq: 7, action, category: "MANUAL_INTERVENTION", severity: "ERROR", actor: "approver@interlock.local", service: null, operationId: null, correlationId: "halt-h1", payload, at: "2026-12-07T11:00:00.000000Z" });
  const called = { haltId: "h1", scope: { services: [], teams: ["payments"], tiers: [1], types: [] }, action: "BLOCK", reason: "Black Friday", owner: "lead@example.com", calledBy: "approver@interlock.local", includesRollbacks: false };
  it("a halt called and lifted: one ERROR message each, with the scope, the reason and the owner", () => {
    expect(eventNeeds(event("halt.called", called))).toBe("event");
    const [c] = messagesForAuditEvent(event("halt.called", called), null, { baseUrl: "https://interlock.test" });
    expect(c!.message).toMatchObject({ template: "halt_called", severity: "ERROR", title: "Stop the line: team payments; tier 1 halted by approver@interlock.local" });
    expect(c!.message.body).toContain("Reason: Black Friday");
    expect(c!.message.body).toContain("Owner: lead@example.com");
    const [l] = messagesForAuditEvent(event("halt.lifted", { ...called, liftReason: "sale over" }), null, { baseUrl: "https://interlock.test" });
    expect(l!.message).toMatchObject({ template: "halt_lifted", severity: "ERROR", dedupKey: "halt_lifted:h1" });
    expect(l!.message.body).toContain("Lifted because: sale over");
  });
  it("an event without a halt id tells nothing", () => {
    expect(messagesForAuditEvent(event("halt.called", {}), null, { baseUrl: "https://interlock.test" })).toEqual([]);
  });
});
