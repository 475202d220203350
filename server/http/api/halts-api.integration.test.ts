// Stop the line through the REST API on the real container over Postgres
// (docs/freezes.md#stop-the-line): a halt called by an approver is audited in
// the chain and told at ERROR; lifting it is audited and told too, and a
// second lift is refused naming who lifted it; bad input and the wrong role
// write nothing; an open incident of the chosen severity halts its service
// until it is resolved, and cannot be lifted by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZChangeControl, ZHalt, ZHaltList } from "@/lib/api/halts";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("halts_api");
}, 120_000);
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as any };
}

async function counts() {
  const [row] = await api.container.db.query<{ halts: string; audit: string }>(`SELECT (SELECT count(*) FROM halts)::text AS halts, (SELECT count(*) FROM audit_events WHERE action LIKE 'halt.%')::text AS audit`);
  return row!;
}

/** The notifications a halt's audit event gave, once the dispatcher has read it (it polls every second). */
async function notificationsOf(template: string, dedupKey: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await api.container.db.query<{ channel: string; severity: string; title: string; body: string }>(
      `SELECT channel::text AS channel, severity::text AS severity, title, body FROM notifications WHERE template = $1 AND dedup_key = $2`,
      [template, dedupKey],
    );
    if (rows.length > 0) return rows;
    api.container.notifications.notifier.poke();
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe("calling and lifting a halt", () => {
  it("an approver stops the line: in force, audited in the chain, told at ERROR; lifted once, audited and told", async () => {
    const called = await send("APPROVER", "/api/v1/halts", { body: { reason: "Payment provider degraded; hold every change", owner: "payments-lead@example.com" } });
    expect(called.status).toBe(201);
    const halt = ZHalt.parse(called.json);
    expect(halt).toMatchObject({ source: "MANUAL", action: "BLOCK", owner: "payments-lead@example.com", createdBy: "approver@interlock.local", includesRollbacks: false, breakGlassRole: "APPROVER", liftedAt: null });
    expect(halt.scope).toEqual({ services: [], teams: [], tiers: [], types: [] });

    const now = ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json);
    expect(now.halts.map((h) => h.id)).toEqual([halt.id]);
    const active = ZHaltList.parse((await send("VIEWER", "/api/v1/halts?active=true")).json);
    expect(active.items.map((h) => h.id)).toEqual([halt.id]);

    const [event] = await api.container.db.query<{ seq: string; category: string; severity: string; actor: string; payload: any }>(
      `SELECT seq::text AS seq, category::text AS category, severity::text AS severity, actor, payload FROM audit_events WHERE action = 'halt.called'`,
    );
    expect(event).toMatchObject({ category: "MANUAL_INTERVENTION", severity: "ERROR", actor: "approver@interlock.local" });
    expect(event!.payload).toMatchObject({ haltId: halt.id, reason: "Payment provider degraded; hold every change", owner: "payments-lead@example.com" });
    const verified = await send("ADMIN", "/api/v1/audit/verify", { method: "POST" });
    expect(verified.status).toBe(200);
    expect(verified.json.valid).toBe(true);
    expect(verified.json.lastSeq).toBeGreaterThanOrEqual(Number(event!.seq));

    const told = await notificationsOf("halt_called", `halt_called:${halt.id}`);
    expect(told.length).toBeGreaterThan(0);
    expect(told.every((n) => n.severity === "ERROR" && n.channel === "INBOX")).toBe(true);
    expect(told[0]!.body).toContain("Payment provider degraded");

    const lifted = await send("APPROVER", `/api/v1/halts/${halt.id}/lift`, { body: { reason: "Provider recovered" } });
    expect(lifted.status).toBe(200);
    expect(ZHalt.parse(lifted.json)).toMatchObject({ id: halt.id, liftedBy: "approver@interlock.local", liftReason: "Provider recovered" });
    expect(ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json).halts).toEqual([]);
    // In force as of a moment: while it stood, as it stood then; not before it was called.
    const during = await api.container.halts.reader.haltsInForce(new Date(Date.parse(halt.since) + 1));
    expect(during.map((h) => [h.id, h.liftedAt])).toEqual([[halt.id, null]]);
    expect(await api.container.halts.reader.haltsInForce(new Date(Date.parse(halt.since) - 1))).toEqual([]);
    const [liftEvent] = await api.container.db.query<{ actor: string; payload: any }>(`SELECT actor, payload FROM audit_events WHERE action = 'halt.lifted'`);
    expect(liftEvent).toMatchObject({ actor: "approver@interlock.local", payload: { haltId: halt.id, liftReason: "Provider recovered" } });
    expect((await notificationsOf("halt_lifted", `halt_lifted:${halt.id}`)).every((n) => n.severity === "ERROR")).toBe(true);

    const again = await send("ADMIN", `/api/v1/halts/${halt.id}/lift`, { body: { reason: "Lifting once more" } });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain("lifted already, by approver@interlock.local");
    expect(Number((await counts()).audit)).toBe(2);

    const all = ZHaltList.parse((await send("VIEWER", "/api/v1/halts")).json);
    expect(all.items.map((h) => h.id)).toEqual([halt.id]);
  });

  it("a scoped halt names known services, teams and tiers; the owner defaults to the caller", async () => {
    const called = await send("ADMIN", "/api/v1/halts", { body: { scope: { services: ["payment-service"], teams: ["payments"], tiers: [3], types: ["DEPLOYMENT"] }, action: "QUEUE", reason: "Ledger migration" } });
    expect(called.status).toBe(201);
    expect(ZHalt.parse(called.json)).toMatchObject({ owner: "admin@interlock.local", action: "QUEUE", scope: { services: ["payment-service"], teams: ["payments"], tiers: [3], types: ["DEPLOYMENT"] } });
    expect((await send("ADMIN", `/api/v1/halts/${called.json.id}/lift`, { body: { reason: "Migration done" } })).status).toBe(200);
  });

  it("bad input is refused with 4xx and writes nothing", async () => {
    const before = await counts();
    const bad: [unknown, number, string][] = [
      [{ reason: "no" }, 422, "reason"],
      [{}, 422, "reason"],
      [{ reason: "Typo in the scope", scope: { services: ["paymnet-service"] } }, 422, 'no service "paymnet-service"'],
      [{ reason: "Unknown team", scope: { teams: ["nobody"] } }, 422, 'team "nobody"'],
      [{ reason: "Unknown tier", scope: { tiers: [42] } }, 422, "tier"],
      [{ reason: "Bad action", action: "PAUSE" }, 422, "action"],
      [{ reason: "Viewers cannot break glass", breakGlassRole: "VIEWER" }, 422, "breakGlassRole"],
      [{ reason: "Extra field", colour: "red" }, 422, ""],
    ];
    for (const [body, status, says] of bad) {
      const answer = await send("APPROVER", "/api/v1/halts", { body });
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.json.error.message).toContain(says);
    }
    expect((await send("APPROVER", "/api/v1/halts/0f000000-0000-4000-8000-00000000abcd/lift", { body: { reason: "No such halt" } })).status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it("a viewer or an operator may look but not stop the line or lift it", async () => {
    const before = await counts();
    for (const role of ["VIEWER", "OPERATOR"] as const) {
      const answer = await send(role, "/api/v1/halts", { body: { reason: "I want to stop everything" } });
      expect(answer.status).toBe(403);
      expect((await send(role, "/api/v1/halts?active=true")).status).toBe(200);
    }
    const called = await send("APPROVER", "/api/v1/halts", { body: { reason: "Held for the role check" } });
    expect((await send("OPERATOR", `/api/v1/halts/${called.json.id}/lift`, { body: { reason: "Operators may not" } })).status).toBe(403);
    expect(Number((await counts()).halts)).toBe(Number(before.halts) + 1);
    expect((await send("APPROVER", `/api/v1/halts/${called.json.id}/lift`, { body: { reason: "Role check done" } })).status).toBe(200);
  });
});

describe("halts from incidents", () => {
  it("an open incident of the chosen severity halts its service until it is resolved; it cannot be lifted by hand", async () => {
    // Off by default: an incident halts nothing.
    const quiet = await send("OPERATOR", "/api/v1/incidents", { body: { service: "inventory-service", title: "Stock counts lag", severity: "CRITICAL" } });
    expect(quiet.status).toBe(201);
    expect(ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json).halts).toEqual([]);
    expect((await send("OPERATOR", `/api/v1/incidents/${quiet.json.id}`, { method: "PATCH", body: { status: "RESOLVED" } })).status).toBe(200);

    const settings = await send("ADMIN", "/api/v1/settings/incidents", { method: "PUT", body: { haltOnIncidentSeverity: "ERROR" } });
    expect(settings.status).toBe(200);
    expect(settings.json.settings.haltOnIncidentSeverity).toBe("ERROR");

    const minor = await send("OPERATOR", "/api/v1/incidents", { body: { service: "search-service", title: "Slow suggestions", severity: "WARNING" } });
    const major = await send("OPERATOR", "/api/v1/incidents", { body: { service: "checkout-service", title: "Checkout returns 502", severity: "ERROR" } });
    expect(major.status).toBe(201);
    const now = ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json);
    expect(now.halts).toHaveLength(1);
    expect(now.halts[0]).toMatchObject({
      id: `incident:${major.json.id}`,
      source: "INCIDENT",
      incidentId: major.json.id,
      scope: { services: ["checkout-service"], types: ["DEPLOYMENT", "CONFIG_CHANGE", "MAINTENANCE"] },
      reason: `Incident ${major.json.key} (ERROR) is open on checkout-service: Checkout returns 502`,
      owner: "incident commander",
      createdBy: "operator@interlock.local",
    });

    const lift = await send("ADMIN", `/api/v1/halts/incident:${major.json.id}/lift`, { body: { reason: "Let me deploy" } });
    expect(lift.status).toBe(409);
    expect(lift.json.error.message).toContain("ends when the incident is resolved");

    // Acknowledged: whoever took it on owns the halt.
    expect((await send("APPROVER", `/api/v1/incidents/${major.json.id}`, { method: "PATCH", body: { status: "ACKNOWLEDGED" } })).status).toBe(200);
    expect(ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json).halts[0]!.owner).toBe("approver@interlock.local");

    expect((await send("APPROVER", `/api/v1/incidents/${major.json.id}`, { method: "PATCH", body: { status: "RESOLVED" } })).status).toBe(200);
    expect(ZChangeControl.parse((await send("VIEWER", "/api/v1/change-control")).json).halts).toEqual([]);
    expect((await send("OPERATOR", `/api/v1/incidents/${minor.json.id}`, { method: "PATCH", body: { status: "RESOLVED" } })).status).toBe(200);
    expect((await send("ADMIN", "/api/v1/settings/incidents", { method: "PUT", body: { haltOnIncidentSeverity: null } })).status).toBe(200);
  });
});
