// The KPIs and the gate / conflict policy settings through the API, on the real
// container: an empty store has no KPI values (NO_DATA, never a number); after
// operations and an incident the KPIs are computed from what the store
// recorded, the demo's left out unless includeDemo=true; an admin changes a gate threshold and a conflict rule (audited,
// in force), and a bad threshold is refused naming the field with nothing
// written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZKpiReport } from "@/lib/api/kpis";
import { ZOperationDetail } from "@/lib/api/operations";
import { ZConflictPolicySettings, ZGateSettings } from "@/lib/api/settings";
import type { SimulatedSignalSource } from "../../adapters/signals/simulated-signal-source";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("kpis_settings_api");
});
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: (await response.json()) as any };
}

async function waitForState(id: string, states: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { json } = await send("VIEWER", `/api/v1/operations/${id}`);
    if (states.includes(json.operation.state)) return ZOperationDetail.parse(json);
    if (Date.now() > deadline) throw new Error(`operation ${id} is ${json.operation.state}, not ${states.join("/")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const kpisOf = async (window = "24h", extra = "") => {
  const response = await send("VIEWER", `/api/v1/kpis?window=${window}${extra}`);
  expect(response.status).toBe(200);
  const report = ZKpiReport.parse(response.json);
  return { report, k: Object.fromEntries(report.kpis.map((x) => [x.id, x])) };
};

describe("GET /api/v1/kpis", () => {
  it("has no values on an empty store, and says false rollbacks are not measured", async () => {
    const { report, k } = await kpisOf();
    for (const id of ["mttr", "autoHealRate", "humanInterventionRate", "conflictsPer100", "canarySuccessRate"]) expect(k[id], id).toMatchObject({ status: "NO_DATA", value: null, meets: null });
    expect(k.falseRollbackRate).toMatchObject({ status: "NOT_MEASURED", value: null });
    expect(report.trend).toHaveLength(25);
    expect((await send("VIEWER", "/api/v1/kpis?window=1y")).status).toBe(422);
  });

  it("computes the operations' and incidents' KPIs from the store", async () => {
    const signals = api.container.signals as SimulatedSignalSource;
    signals.set("search-service", { errorBudgetPct: 7.5 });
    const paused = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", params: { version: "v2.0.0" } } });
    const done = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "user-service", params: { version: "v3.1.0", strategy: "canary" } } });
    expect([paused.status, done.status]).toEqual([202, 202]);
    await waitForState(paused.json.operation.id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    const finished = await waitForState(done.json.operation.id, ["COMPLETED", "ROLLED_BACK", "FAILED"]);
    expect(finished.operation.state).toBe("COMPLETED");

    const rows = await api.container.db.query<{ id: string }>("SELECT id::text AS id FROM services WHERE name = 'user-service'");
    const at = Date.now();
    await api.container.db.query(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at, resolved_at)
       VALUES (gen_random_uuid(), 'INC-KPI-1', $1::uuid, 'errors', 'RESOLVED', 'ERROR', 'corr-kpi-1', $2, $3)`,
      [rows[0]!.id, new Date(at - 60_000), new Date(at - 24_000)],
    );

    // A demo incident beside it: left out unless asked for.
    await api.container.db.query(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at, resolved_at, source)
       VALUES (gen_random_uuid(), 'INC-KPI-DEMO', $1::uuid, 'demo errors', 'RESOLVED', 'ERROR', 'corr-kpi-demo', $2, $3, 'DEMO')`,
      [rows[0]!.id, new Date(at - 50_000), new Date(at - 38_000)],
    );

    const { report, k } = await kpisOf();
    expect(report.includeDemo).toBe(false);
    expect(k.humanInterventionRate).toMatchObject({ status: "MEASURED", value: 50, meets: false, basis: "1 of 2 started operations (demo runs left out)" });
    expect(k.canarySuccessRate).toMatchObject({ status: "MEASURED", value: 100, meets: true });
    expect(k.conflictsPer100!.status).toBe("MEASURED");
    expect(k.lockWait).toMatchObject({ status: "MEASURED", meets: true });
    expect(k.mttr).toMatchObject({ status: "MEASURED", value: 36, meets: true });
    // Resolved, but no automated operation linked to it completed: not auto-healed.
    expect(k.autoHealRate).toMatchObject({ value: 0, meets: false, basis: "0 of 1 incident resolved by automation with no manual step (demo runs left out)" });

    const withDemo = await kpisOf("24h", "&includeDemo=true");
    expect(withDemo.report.includeDemo).toBe(true);
    expect(withDemo.k.mttr).toMatchObject({ value: 24, basis: "2 resolved incidents detected in the window (demo runs included)" }); // (36 + 12) / 2
    expect((await send("VIEWER", "/api/v1/kpis?includeDemo=1")).status).toBe(422);
  });
});

describe("the settings API", () => {
  it("changes a gate threshold, in force and audited; refuses a bad one naming the field", async () => {
    const before = ZGateSettings.parse((await send("ADMIN", "/api/v1/settings/gates")).json);
    expect(before.config.gates.COOLDOWN).toMatchObject({ threshold: 300, onFailure: "BLOCK", enabled: true });
    const changed = await send("ADMIN", "/api/v1/settings/gates", { method: "PUT", body: { gates: { COOLDOWN: { threshold: 120 }, ERROR_BUDGET: { onFailure: "BLOCK" } } } });
    expect(changed.status).toBe(200);
    expect(ZGateSettings.parse(changed.json).config.gates).toMatchObject({ COOLDOWN: { threshold: 120 }, ERROR_BUDGET: { onFailure: "BLOCK", threshold: 2 } });
    const bad = await send("ADMIN", "/api/v1/settings/gates", { method: "PUT", body: { gates: { COOLDOWN: { threshold: -5 } } } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toMatch(/COOLDOWN\.threshold must not be negative/);
    expect(ZGateSettings.parse((await send("ADMIN", "/api/v1/settings/gates")).json).config.gates.COOLDOWN.threshold).toBe(120);
    expect((await send("OPERATOR", "/api/v1/settings/gates", { method: "PUT", body: { gates: {} } })).status).toBe(403);
    const audit = await send("VIEWER", "/api/v1/audit/events?category=MANUAL_INTERVENTION");
    expect(audit.json.events.map((e: { action: string }) => e.action)).toContain("settings.gates_updated");
  });

  it("changes a conflict rule and refuses an unknown conflict type", async () => {
    const changed = await send("ADMIN", "/api/v1/settings/conflict-policy", { method: "PUT", body: { rules: { DOWNSTREAM: { severity: "MEDIUM", action: "WARN" } }, depth: 2 } });
    expect(changed.status).toBe(200);
    const now = ZConflictPolicySettings.parse((await send("ADMIN", "/api/v1/settings/conflict-policy")).json);
    expect(now.policy).toMatchObject({ depth: 2, rules: { DOWNSTREAM: { severity: "MEDIUM", action: "WARN", enabled: true }, DIRECT: { action: "QUEUE" } } });
    expect(now.defaults.depth).toBe(3);
    expect((await send("ADMIN", "/api/v1/settings/conflict-policy", { method: "PUT", body: { depth: 9 } })).status).toBe(422);
    expect((await send("ADMIN", "/api/v1/settings/conflict-policy", { method: "PUT", body: { rules: { SIDEWAYS: {} } } })).status).toBe(422);
  });
});
