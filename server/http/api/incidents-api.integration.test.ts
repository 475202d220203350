// Incidents from Alertmanager and the incident API, and remediation rules, on
// the real container over Postgres (docs/incidents.md): a notification opens an
// incident, a redelivery and a late copy change nothing, a malformed or unknown
// payload is refused with nothing written, resolved alerts resolve it; people
// and tools open and move incidents with notes, audited; an AUTO rule submits
// a ROLLBACK under the orchestrator's controls, a DRY_RUN rule only records,
// and a flapping alert is stopped by the circuit breaker, which opens a review.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZAlertmanagerIntakeResult, ZIncidentDetail } from "@/lib/api/incidents";
import { ZRemediationRule, ZRemediationRuleDetail } from "@/lib/api/remediation";
import { PostgresDeploymentLedger } from "../../adapters/postgres/deployment-ledger";
import { IntakeWriter } from "../../core/incidents/intake-writer";
import { receiveAlertmanagerNotification } from "../../core/incidents/receive-alertmanager-notification";
import { intakeDeps } from "./incident-deps";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;
let token: string;

beforeAll(async () => {
  api = await startApiHarness("incidents_api");
  const created = await send("ADMIN", "/api/v1/tokens", { body: { name: "alertmanager", role: "OPERATOR" } });
  token = created.json.token;
  // A flapping service trips COOLDOWN and RECENT_FAILURES too; here they pause rather than block, so the
  // breaker's own review is what the flapping test sees (set before any operation reads the gates).
  const gates = await send("ADMIN", "/api/v1/settings/gates", { method: "PUT", body: { gates: { COOLDOWN: { onFailure: "PAUSE_FOR_REVIEW" }, RECENT_FAILURES: { onFailure: "PAUSE_FOR_REVIEW" } } } });
  expect(gates.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await api?.close();
});

async function send(role: Role | "TOKEN", path: string, init: { method?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = role === "TOKEN" ? { authorization: `Bearer ${token}` } : { ...(await api.as(role)) };
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as any };
}

// Alert times are fixed and long past. An incident detected within the last hour counts toward
// the INCIDENT_RATE gate (docs/gates.md): times that fell within the hour of a real run would
// block the flapping test's remediation in that hour only.
function notification(alerts: { status?: "firing" | "resolved"; alertname?: string; service?: string; severity?: string; fingerprint?: string; startsAt?: string; endsAt?: string; extra?: Record<string, string> }[]) {
  const built = alerts.map((a) => ({
    status: a.status ?? "firing",
    labels: { alertname: a.alertname ?? "HighErrorRate", ...(a.service === "" ? {} : { service: a.service ?? "payment-service" }), severity: a.severity ?? "critical", ...a.extra },
    annotations: { summary: `${a.alertname ?? "HighErrorRate"} on ${a.service ?? "payment-service"}` },
    startsAt: a.startsAt ?? "2026-01-07T10:00:00Z",
    endsAt: a.endsAt ?? "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus.test/graph",
    fingerprint: a.fingerprint ?? "fp-1",
  }));
  return {
    version: "4",
    groupKey: `{}:{alertname="${built[0]!.labels.alertname}"}`,
    truncatedAlerts: 0,
    status: built.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver: "interlock",
    groupLabels: { alertname: built[0]!.labels.alertname },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.test",
    alerts: built,
  };
}

const post = async (body: unknown) => send("TOKEN", "/api/v1/integrations/alertmanager", { body });
const detail = async (id: string) => ZIncidentDetail.parse((await send("VIEWER", `/api/v1/incidents/${id}`)).json);

async function counts() {
  const [row] = await api.container.db.query<{ incidents: string; alerts: string; audit: string; matches: string; operations: string }>(
    `SELECT (SELECT count(*) FROM incidents)::text AS incidents, (SELECT count(*) FROM incident_alerts)::text AS alerts,
            (SELECT count(*) FROM audit_events)::text AS audit, (SELECT count(*) FROM remediation_matches)::text AS matches, (SELECT count(*) FROM operations)::text AS operations`,
  );
  return row!;
}

async function waitFor<T>(what: string, read: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("POST /api/v1/integrations/alertmanager", () => {
  it("opens an incident from a firing alert; a redelivery changes nothing; the resolved alert resolves it with MTTR from the alert's times", async () => {
    const firing = notification([{ alertname: "CheckoutErrors", fingerprint: "fp-open" }]);
    const opened = await post(firing);
    expect(opened.status).toBe(200);
    const result = ZAlertmanagerIntakeResult.parse(opened.json);
    expect(result.changed).toBe(true);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({ service: "payment-service", result: "opened", alerts: [{ fingerprint: "fp-open", change: "FIRING" }] });
    const id = result.groups[0]!.incidentId!;
    const first = await detail(id);
    expect(first.incident).toMatchObject({ source: "ALERTMANAGER", status: "OPEN", severity: "CRITICAL", detectedAt: "2026-01-07T10:00:00.000Z", title: "CheckoutErrors on payment-service" });
    expect(first.alerts).toMatchObject([{ fingerprint: "fp-open", status: "firing" }]);

    // Alertmanager retries and repeats: the same notification again writes nothing, not even an audit event.
    const before = await counts();
    const again = ZAlertmanagerIntakeResult.parse((await post(firing)).json);
    expect(again).toMatchObject({ changed: false, groups: [{ incidentId: id, result: "unchanged", alerts: [{ change: "UNCHANGED" }] }] });
    expect(await counts()).toEqual(before);

    const resolved = ZAlertmanagerIntakeResult.parse((await post(notification([{ alertname: "CheckoutErrors", fingerprint: "fp-open", status: "resolved", endsAt: "2026-01-07T10:07:30Z" }]))).json);
    expect(resolved.groups[0]).toMatchObject({ incidentId: id, result: "resolved" });
    const done = await detail(id);
    expect(done.incident).toMatchObject({ status: "RESOLVED", resolvedAt: "2026-01-07T10:07:30.000Z", resolvedBy: "alertmanager" });
    expect(done.mttrSeconds).toBe(450);
    expect(done.timeline.map((e) => e.kind)).toEqual(["DETECTED", "ALERT_FIRING", "ALERT_RESOLVED", "RESOLVED"]);

    // A late copy of the firing notification, after the resolution: nothing opens again.
    const late = ZAlertmanagerIntakeResult.parse((await post(firing)).json);
    expect(late).toMatchObject({ changed: false, groups: [{ result: "unchanged", alerts: [{ change: "LATE" }] }] });
    const audit = await api.container.audit.store.query({ correlationId: done.incident.correlationId, limit: 50 });
    expect(audit.events.map((e) => e.action).reverse()).toEqual(["incident.opened", "incident.alerts_updated", "incident.resolved"]);
  });

  it("groups alerts of one alertname and service into one incident; another service gets its own", async () => {
    const result = ZAlertmanagerIntakeResult.parse(
      (
        await post(
          notification([
            { alertname: "LatencyHigh", fingerprint: "lat-a", extra: { instance: "a" } },
            { alertname: "LatencyHigh", fingerprint: "lat-b", extra: { instance: "b" } },
            { alertname: "LatencyHigh", fingerprint: "lat-c", service: "order-service" },
          ]),
        )
      ).json,
    );
    expect(result.groups.map((g) => [g.service, g.result, g.alerts.length]).sort()).toEqual([
      ["order-service", "opened", 1],
      ["payment-service", "opened", 2],
    ]);
    // One of the two resolving leaves the incident open.
    const payment = result.groups.find((g) => g.service === "payment-service")!;
    const partly = ZAlertmanagerIntakeResult.parse((await post(notification([{ alertname: "LatencyHigh", fingerprint: "lat-a", extra: { instance: "a" }, status: "resolved", endsAt: "2026-01-07T10:03:00Z" }]))).json);
    expect(partly.groups[0]).toMatchObject({ incidentId: payment.incidentId, result: "updated" });
    expect((await detail(payment.incidentId!)).incident.status).toBe("OPEN");
  });

  it("refuses a malformed payload, an alert without a service, an unknown service and an oversized body, writing nothing", async () => {
    const before = await counts();
    const cases: [string, { body?: unknown; raw?: string }, number, string][] = [
      ["not JSON", { raw: "{version: 4" }, 400, "MALFORMED_REQUEST"],
      ["version 3", { body: { ...notification([{}]), version: "3" } }, 422, "VALIDATION_FAILED"],
      ["no alerts", { body: { ...notification([{}]), alerts: [] } }, 422, "VALIDATION_FAILED"],
      ["an alert without alertname", { body: { ...notification([{}]), alerts: [{ ...notification([{}]).alerts[0]!, labels: { service: "payment-service" } }] } }, 422, "VALIDATION_FAILED"],
      ["no service label", { body: notification([{ service: "", fingerprint: "x1" }]) }, 422, "VALIDATION_FAILED"],
      ["an unknown service (with a known one beside it)", { body: notification([{ fingerprint: "x2" }, { service: "no-such-service", fingerprint: "x3" }]) }, 422, "VALIDATION_FAILED"],
      ["too large", { raw: JSON.stringify({ ...notification([{}]), padding: "x".repeat(2_000_000) }) }, 413, "PAYLOAD_TOO_LARGE"],
    ];
    for (const [name, init, status, code] of cases) {
      const response = await send("TOKEN", "/api/v1/integrations/alertmanager", init);
      expect(response.status, name).toBe(status);
      expect(response.json.error.code, name).toBe(code);
      expect(response.json.error.message.length, name).toBeGreaterThan(10);
    }
    const unknown = await post(notification([{ service: "no-such-service", fingerprint: "x4" }]));
    expect(unknown.json.error.message).toContain('"no-such-service"');
    expect(unknown.json.error.details.problems).toEqual(['alerts.0.labels.service: no service "no-such-service"']);
    expect(await counts()).toEqual(before);
  });

  it("needs an operator: a viewer's token and no token are refused", async () => {
    const viewer = await send("ADMIN", "/api/v1/tokens", { body: { name: "am-viewer", role: "VIEWER" } });
    const response = await api.fetch("/api/v1/integrations/alertmanager", { method: "POST", headers: { authorization: `Bearer ${viewer.json.token}`, "content-type": "application/json" }, body: JSON.stringify(notification([{}])) });
    expect(response.status).toBe(403);
    const anonymous = await api.fetch("/api/v1/integrations/alertmanager", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(notification([{}])) });
    expect(anonymous.status).toBe(401);
  });
});

describe("the incident API", () => {
  it("opens an incident and moves it on with notes, each move timed and audited; a resolved incident does not move", async () => {
    const opened = await send("TOKEN", "/api/v1/incidents", { body: { service: "search-service", title: "Search is slow", severity: "WARNING", note: "paged by the support desk" } });
    expect(opened.status).toBe(201);
    expect(opened.json.key).toMatch(/^INC-\d{4}-\d{4,}$/);
    const id = opened.json.id as string;
    expect((await detail(id)).incident).toMatchObject({ source: "API", status: "OPEN" });

    expect((await send("OPERATOR", `/api/v1/incidents/${id}`, { method: "PATCH", body: { status: "ACKNOWLEDGED", note: "on it" } })).status).toBe(200);
    expect((await send("OPERATOR", `/api/v1/incidents/${id}`, { method: "PATCH", body: { status: "RESOLVED", note: "cache warmed" } })).status).toBe(200);
    const done = await detail(id);
    expect(done.incident).toMatchObject({ status: "RESOLVED", acknowledgedBy: expect.stringContaining("@"), resolvedBy: expect.stringContaining("@") });
    expect(Date.parse(done.incident.acknowledgedAt!)).toBeLessThanOrEqual(Date.parse(done.incident.resolvedAt!));
    expect(done.notes.map((n) => [n.status, n.note])).toEqual([
      ["OPEN", "paged by the support desk"],
      ["ACKNOWLEDGED", "on it"],
      ["RESOLVED", "cache warmed"],
    ]);
    expect(done.mttrSeconds).toBe((Date.parse(done.incident.resolvedAt!) - Date.parse(done.incident.detectedAt)) / 1000);

    const again = await send("OPERATOR", `/api/v1/incidents/${id}`, { method: "PATCH", body: { status: "ACKNOWLEDGED" } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: "INVALID_TRANSITION" });
    const audit = await api.container.audit.store.query({ correlationId: done.incident.correlationId, limit: 50 });
    expect(audit.events.map((e) => [e.action, e.category]).reverse()).toEqual([
      ["incident.opened", "INCIDENT_DETECTION"],
      ["incident.acknowledged", "INCIDENT_DETECTION"],
      ["incident.resolved", "MANUAL_INTERVENTION"],
    ]);
  });

  it("refuses bad input naming the field, an unknown service, and a viewer", async () => {
    const bad = await send("OPERATOR", "/api/v1/incidents", { body: { service: "payment-service", title: "" } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json.error)).toContain("title");
    const unknown = await send("OPERATOR", "/api/v1/incidents", { body: { service: "nope-service", title: "x" } });
    expect(unknown.status).toBe(404);
    expect((await send("VIEWER", "/api/v1/incidents", { body: { service: "payment-service", title: "x" } })).status).toBe(403);
    const move = await send("OPERATOR", "/api/v1/incidents/00000000-0000-4000-8000-000000000000", { method: "PATCH", body: { status: "RESOLVED" } });
    expect(move.status).toBe(404);
  });
});

describe("remediation rules", () => {
  it("an AUTO rule submits a ROLLBACK for the incident, which runs under the orchestrator and moves the incident to MITIGATING", async () => {
    // Two releases in the deployment ledger, so the rollback has a version to go back to (the ledger's previous one).
    const ledger = new PostgresDeploymentLedger(api.container.db);
    // Token 0: below any the lock store hands out, so the rollback's own write is the newest.
    for (const version of ["4.1.0", "4.2.0"]) await ledger.record({ service: "inventory-service", version, operationId: crypto.randomUUID(), fencingToken: 0n });
    const created = await send("ADMIN", "/api/v1/remediation-rules", {
      body: { name: "rollback-checkout", mode: "AUTO", match: { alertname: "CheckoutDown", severity: "critical" }, operation: { type: "ROLLBACK", params: { reason: "{{alertname}} ({{incident.key}})" } }, breaker: { maxPerIncident: 2, maxPerHourPerService: 10 } },
    });
    expect(created.status).toBe(201);
    const rule = ZRemediationRule.parse(created.json);
    const result = ZAlertmanagerIntakeResult.parse((await post(notification([{ alertname: "CheckoutDown", service: "inventory-service", fingerprint: "cd-1" }]))).json);
    expect(result.remediations).toMatchObject([{ rule: "rollback-checkout", outcome: "SUBMITTED", operationId: expect.any(String) }]);
    const operationId = result.remediations[0]!.operationId!;
    const incidentId = result.groups[0]!.incidentId!;
    const op = await waitFor("the rollback completes", () => send("VIEWER", `/api/v1/operations/${operationId}`), (r) => {
      if (r.json.operation.state === "FAILED") throw new Error(`the rollback failed: ${r.json.operation.reason} / ${r.json.operation.error}`);
      return r.json.operation.state === "COMPLETED";
    });
    expect(op.json.operation).toMatchObject({ type: "ROLLBACK", source: "RULE", actorKind: "AUTOMATION", actor: "rule:rollback-checkout", incidentId, params: { reason: `CheckoutDown (${result.groups[0]!.incidentKey})` } });
    const incident = await detail(incidentId);
    expect(incident.incident.status).toBe("MITIGATING");
    expect(op.json.operation.correlationId).toBe(incident.incident.correlationId);
    expect(incident.matches).toMatchObject([{ ruleId: rule.id, outcome: "SUBMITTED", operationId }]);
    const kinds = incident.timeline.map((e) => e.kind);
    for (const kind of ["DETECTED", "REMEDIATION", "OPERATION", "MITIGATING"]) expect(kinds).toContain(kind);
  });

  it("a DRY_RUN rule records what it would submit and submits nothing", async () => {
    await send("ADMIN", "/api/v1/remediation-rules", { body: { name: "dry-restart", mode: "DRY_RUN", match: { alertname: "QueueBacklog" }, operation: { type: "REMEDIATION", params: { action: "restart" } } } });
    const operationsBefore = (await counts()).operations;
    const result = ZAlertmanagerIntakeResult.parse((await post(notification([{ alertname: "QueueBacklog", service: "notification-service", fingerprint: "qb-1" }]))).json);
    expect(result.remediations).toMatchObject([{ rule: "dry-restart", outcome: "DRY_RUN", operationId: null }]);
    expect((await counts()).operations).toBe(operationsBefore);
    const incident = await detail(result.groups[0]!.incidentId!);
    expect(incident.incident.status).toBe("OPEN");
    expect(incident.matches[0]).toMatchObject({ outcome: "DRY_RUN", submission: { type: "REMEDIATION", params: { action: "restart" } } });
  });

  it("a flapping alert trips the breaker: the third remediation waits for a person, the rule stops, a reset lets it submit again", async () => {
    const created = ZRemediationRule.parse(
      (await send("ADMIN", "/api/v1/remediation-rules", { body: { name: "flap-guard", mode: "AUTO", match: { alertname: "Flapping", labels: { kind: "flap" } }, operation: { type: "REMEDIATION", params: { action: "restart" } }, breaker: { maxPerIncident: 2, maxPerHourPerService: 10 } } })).json,
    );
    const fire = (minute: number) => post(notification([{ alertname: "Flapping", service: "shipping-service", fingerprint: "flap", extra: { kind: "flap" }, startsAt: `2026-01-07T11:${String(minute).padStart(2, "0")}:00Z` }]));
    const clear = (minute: number) =>
      post(
        notification([
          { alertname: "Flapping", service: "shipping-service", fingerprint: "flap", extra: { kind: "flap" }, startsAt: `2026-01-07T11:${String(minute).padStart(2, "0")}:00Z`, status: "resolved", endsAt: `2026-01-07T11:${String(minute).padStart(2, "0")}:30Z` },
          // a second alert of the group (which the rule does not match) keeps the incident open while the first flaps
          { alertname: "Flapping", service: "shipping-service", fingerprint: "flap-steady", startsAt: "2026-01-07T11:00:00Z" },
        ]),
      );
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const fired = ZAlertmanagerIntakeResult.parse((await fire(i * 2)).json);
      outcomes.push(...fired.remediations.filter((r) => r.fingerprint === "flap").map((r) => r.outcome));
      // each remediation must be at rest before the next, or the orchestrator answers ALREADY_RUNNING for an identical change
      for (const r of fired.remediations) if (r.operationId) await waitFor("the remediation rests", () => send("VIEWER", `/api/v1/operations/${r.operationId}`), (x) => ["COMPLETED", "FAILED", "PAUSED_FOR_HUMAN_REVIEW", "ROLLED_BACK", "CANCELLED"].includes(x.json.operation.state), 15_000);
      await clear(i * 2);
    }
    expect(outcomes).toEqual(["SUBMITTED", "SUBMITTED", "BREAKER_TRIPPED", "BREAKER_OPEN"]);
    const detailOf = ZRemediationRuleDetail.parse((await send("VIEWER", `/api/v1/remediation-rules/${created.id}`)).json);
    expect(detailOf.rule.trippedAt).not.toBeNull();
    expect(detailOf.rule.trippedReason).toMatch(/2 remediation\(s\) already submitted for this incident/);
    const tripped = detailOf.matches.find((m) => m.outcome === "BREAKER_TRIPPED")!;
    const review = await waitFor("the tripped remediation pauses for review", () => send("VIEWER", `/api/v1/operations/${tripped.operationId}`), (x) => x.json.operation.state === "PAUSED_FOR_HUMAN_REVIEW", 15_000);
    expect(review.json.review.pauseReason ?? JSON.stringify(review.json)).toMatch(/circuit breaker/);
    const trippedEvents = await api.container.audit.store.query({ limit: 20 });
    expect(trippedEvents.events.some((e) => e.action === "remediation.breaker_tripped" && e.severity === "ERROR")).toBe(true);

    const reset = await send("ADMIN", `/api/v1/remediation-rules/${created.id}`, { method: "PATCH", body: { resetBreaker: true } });
    expect(reset.status).toBe(200);
    expect(reset.json.trippedAt).toBeNull();
    // The per-incident count still stands: with the breaker closed, the next firing trips it again rather than slipping through.
    const after = ZAlertmanagerIntakeResult.parse((await fire(20)).json);
    expect(after.remediations.map((r) => r.outcome)).toEqual(["BREAKER_TRIPPED"]);
  });

  it("rules are admin-only to change, validated, unique by name, and every change is audited", async () => {
    const body = { name: "audited-rule", mode: "ASK", match: { service: "payment-service" }, operation: { type: "ROLLBACK", params: {} } };
    expect((await send("OPERATOR", "/api/v1/remediation-rules", { body })).status).toBe(403);
    const invalid = await send("ADMIN", "/api/v1/remediation-rules", { body: { ...body, match: {} } });
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.json.error)).toContain("at least one of alertname");
    const created = await send("ADMIN", "/api/v1/remediation-rules", { body });
    expect(created.status).toBe(201);
    expect((await send("ADMIN", "/api/v1/remediation-rules", { body })).status).toBe(409);
    const patched = await send("ADMIN", `/api/v1/remediation-rules/${created.json.id}`, { method: "PATCH", body: { mode: "DRY_RUN", breaker: { maxPerIncident: 5 } } });
    expect(patched.json).toMatchObject({ mode: "DRY_RUN", breaker: { maxPerIncident: 5, maxPerHourPerService: 3 } });
    expect((await send("ADMIN", `/api/v1/remediation-rules/${created.json.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await send("VIEWER", `/api/v1/remediation-rules/${created.json.id}`)).status).toBe(404);
    const audit = await api.container.audit.store.query({ limit: 50 });
    const actions = audit.events.filter((e) => e.payload.ruleId === created.json.id).map((e) => e.action).reverse();
    expect(actions).toEqual(["remediation.rule_created", "remediation.rule_updated", "remediation.rule_deleted"]);
  });
});

describe("concurrent notifications", () => {
  it("from two writers at once (two replicas): one incident per group, each redelivery changes nothing, and the breaker holds its limit", async () => {
    await send("ADMIN", "/api/v1/remediation-rules", { body: { name: "storm-guard", mode: "AUTO", match: { alertname: "Storm" }, operation: { type: "REMEDIATION", params: { action: "restart" } }, breaker: { maxPerIncident: 2, maxPerHourPerService: 100 } } });
    const base = intakeDeps(api.container);
    // A second writer over the same store stands for another replica: its batches are not this one's.
    const other = { ...base, writer: new IntakeWriter({ incidents: base.incidents, remediation: api.container.incidents.remediation, audit: base.audit, clock: base.clock, newId: base.newId }) };
    const bodies = Array.from({ length: 12 }, (_, i) => notification([{ alertname: "Storm", service: "tax-service", fingerprint: `storm-${i % 6}`, extra: { instance: `i${i % 6}` } }]));
    const results = await Promise.all(bodies.map((body, i) => receiveAlertmanagerNotification(i % 2 ? other : base, body, "token:storm")));
    const incidentIds = new Set(results.flatMap((r) => r.groups.map((g) => g.incidentId)));
    expect(incidentIds.size).toBe(1);
    // Six distinct alerts, each posted twice: six fired, six copies changed nothing.
    const changes = results.flatMap((r) => r.groups.flatMap((g) => g.alerts.map((a) => a.change))).sort();
    expect(changes).toEqual([...Array(6).fill("FIRING"), ...Array(6).fill("UNCHANGED")]);
    const outcomes = results.flatMap((r) => r.remediations.map((m) => m.outcome)).sort();
    expect(outcomes).toEqual(["BREAKER_OPEN", "BREAKER_OPEN", "BREAKER_OPEN", "BREAKER_TRIPPED", "SUBMITTED", "SUBMITTED"]);
    const [row] = await api.container.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM incidents WHERE group_key LIKE '%Storm%'`);
    expect(row!.n).toBe("1");
  });
});

