// The demo through the API, on the real container (Postgres store, the app's
// own orchestrator, notifier and simulated signals): the reference demo incident end to
// end, the incident and its MTTR timeline as the store recorded them, the
// run's figures on one time basis each (docs/demo.md#time-in-the-demo) against
// the manual baseline the incident settings hold, the KPIs leaving the demo
// out unless asked, one run at a time, and bad input refused with nothing started.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList } from "@/lib/api/demo";
import { ZIncidentDetail } from "@/lib/api/incidents";
import { ZKpiReport } from "@/lib/api/kpis";
import type { Role } from "../../core/identity/roles";
import { changeIncidentSettings } from "../../core/settings/change-incident-settings";
import { decisionMs } from "../../../demo/pipeline/demo-times";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("demo_api", { SIMULATION_TIME_SCALE: "1000" });
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

async function finished(id: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { status, json } = await send("VIEWER", `/api/v1/demo/runs/${id}`);
    expect(status).toBe(200);
    const run = ZDemoRun.parse(json);
    if (run.status !== "RUNNING") return run;
    if (Date.now() > deadline) throw new Error(`demo run ${id} still RUNNING; log: ${run.log.map((l) => l.text).join(" | ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the demo API", () => {
  it("lists the failure matrix's 20 scenarios and says it can run them on the simulated signals", async () => {
    const { status, json } = await send("VIEWER", "/api/v1/demo/scenarios");
    expect(status).toBe(200);
    const catalog = ZDemoCatalog.parse(json);
    expect(catalog).toMatchObject({ available: true, unavailableReason: null, timeScale: 1000, manualMttrMinutes: 45, demoScenario: "high-error-rate" });
    expect(catalog.scenarios.map((s) => s.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("refuses a viewer and an unknown scenario, and starts nothing", async () => {
    expect((await send("VIEWER", "/api/v1/demo/runs", { body: { scenario: "high-error-rate" } })).status).toBe(403);
    const bad = await send("OPERATOR", "/api/v1/demo/runs", { body: { scenario: "meteor-strike" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(bad.json.error)).toContain("scenario");
    const extra = await send("OPERATOR", "/api/v1/demo/runs", { body: { scenario: "high-error-rate", force: true } });
    expect(extra.status).toBe(422);
    expect(ZDemoRunList.parse((await send("VIEWER", "/api/v1/demo/runs")).json).items).toEqual([]);
  });

  it("runs the demo end to end: the incident is resolved, its stages are in the store, the MTTR is measured", async () => {
    // The manual baseline is the incident setting, not a constant: the catalog and the run read the one in force.
    await changeIncidentSettings({ incidentSettings: api.container.settings.incidents, audit: api.container.audit.log }, { manualMttrMinutes: 30 }, "admin@interlock.local");
    expect(ZDemoCatalog.parse((await send("VIEWER", "/api/v1/demo/scenarios")).json).manualMttrMinutes).toBe(30);

    const started = await send("OPERATOR", "/api/v1/demo/runs", { body: { scenario: "high-error-rate" } });
    expect(started.status).toBe(202);
    const run0 = ZDemoRun.parse(started.json);
    expect(run0).toMatchObject({ status: "RUNNING", startedBy: "operator@interlock.local" });

    // One at a time: a second start while it runs is refused and names the run in progress.
    const second = await send("APPROVER", "/api/v1/demo/runs", { body: { scenario: "gate-error-budget" } });
    expect(second.status).toBe(409);
    expect(second.json.error.details.runId).toBe(run0.id);

    const run = await finished(run0.id);
    expect(run.status, run.actual ?? "").toBe("PASSED");
    expect(run.incident).not.toBeNull();
    expect(run.mttrMs).toBeGreaterThan(0);
    expect(run.log.some((l) => l.text.includes("[CANARY ANALYZER] canary 50%: PASSED"))).toBe(true);

    const incident = ZIncidentDetail.parse((await send("VIEWER", `/api/v1/incidents/${run.incident!.id}`)).json);
    expect(incident.incident).toMatchObject({ status: "RESOLVED", service: "payment-service", approach: "AUTO_HEAL" });
    // The MTTR the run reports is the incident's recorded detected → resolved.
    expect(Date.parse(incident.incident.resolvedAt!) - Date.parse(incident.incident.detectedAt)).toBe(run.mttrMs);
    // The incident carries the time scale its times ran at, and the figures on both bases.
    expect(incident.incident.summary).toMatchObject({ timeScale: 1000, mttrMs: run.mttrMs, simulatedMttrMs: run.mttrMs! * 1000 });

    // The run's figures: the MTTR on the simulated basis (wall × 1000) against the 30-minute baseline on that basis only;
    // Interlock's own share is the operations' stored time in INIT, LOCKED and SAFETY_CHECK, in real time.
    const transitions = await api.container.db.query<{ operation_id: string; from_state: string | null; to_state: string; version: number; at: Date | string }>(
      `SELECT operation_id::text AS operation_id, from_state::text AS from_state, to_state::text AS to_state, version, at FROM operation_transitions WHERE operation_id = ANY($1::uuid[])`,
      [run.operations],
    );
    const created = await api.container.db.query<{ id: string; created_at: Date | string }>(`SELECT id::text AS id, created_at FROM operations WHERE id = ANY($1::uuid[])`, [run.operations]);
    const stored = created.reduce(
      (sum, op) => sum + decisionMs(new Date(op.created_at), transitions.filter((t) => t.operation_id === op.id).map((t) => ({ from: t.from_state, to: t.to_state, version: t.version, at: new Date(t.at) }))),
      0,
    );
    expect(run.timeScale).toBe(1000);
    expect(run.orchestratorMs).toBe(stored);
    expect(run.orchestratorMs).toBeGreaterThan(0);
    expect(run.times).toMatchObject({ timeScale: 1000, wallMs: run.mttrMs, simulatedMs: run.mttrMs! * 1000, manualMs: 30 * 60_000, differenceMs: 30 * 60_000 - run.mttrMs! * 1000, orchestratorMs: stored, operations: 2 });
    expect(run.times!.text.mttr).toMatch(/ of simulated time, run 1000× faster: [\d.]+ s of wall time$/);
    expect(run.times!.text.versusManual).toMatch(/^against 30 min by hand: /);
    expect(run.times!.text.orchestrator).toMatch(/ of real time deciding \(conflict checks, locks, gates\) for 2 operations, not scaled$/);
    expect(run.actual).toContain(" of simulated time, run 1000× faster: ");
    expect(incident.stages.map((s) => s.stage)).toEqual([
      "detection",
      "root_cause_analysis",
      "code_localization",
      "fix_planning",
      "patch_generation",
      "conflict_check_and_locks",
      "safety_gates",
      "canary_10%",
      "canary_50%",
      "canary_100%",
      "promote",
      "observation_window",
      "verification",
      "close",
    ]);
    for (const s of incident.stages) expect(Date.parse(s.endedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
    expect(incident.stages.find((s) => s.stage === "patch_generation")!.detail.diff).toMatch(/^\+\s+if \(user == null \|\| user\.email == null\)/m);
    expect(incident.operations.map((o) => [o.type, o.state])).toEqual([
      ["REMEDIATION", "COMPLETED"],
      ["VERIFICATION", "COMPLETED"],
    ]);

    // Every stage and the incident's life are in the audit chain, which still verifies.
    const events = (await send("VIEWER", `/api/v1/audit/events?correlationId=${encodeURIComponent(incident.incident.correlationId)}&limit=500`)).json.events as { category: string; action: string }[];
    const categories = new Set(events.map((e) => e.category));
    for (const c of ["INCIDENT_DETECTION", "ROOT_CAUSE_ANALYSIS", "CODE_LOCALIZATION", "FIX_PLANNING", "PATCH_GENERATION", "SAFETY_GATES", "LOCK_OPERATION", "STATE_TRANSITION", "DEPLOYMENT", "VERIFICATION"]) expect(categories, c).toContain(c);
    expect(events.map((e) => e.action)).toContain("incident.resolved");
    const verified = await send("ADMIN", "/api/v1/audit/verify", { method: "POST", body: {} });
    expect(verified.json.valid).toBe(true);

    // The KPIs leave the demo's incident out by default, and measure its MTTR when asked to include it.
    const without = ZKpiReport.parse((await send("VIEWER", "/api/v1/kpis?window=24h")).json);
    expect(without.includeDemo).toBe(false);
    expect(without.kpis.find((k) => k.id === "mttr")).toMatchObject({ status: "NO_DATA", value: null });
    const kpis = ZKpiReport.parse((await send("VIEWER", "/api/v1/kpis?window=24h&includeDemo=true")).json);
    expect(kpis.includeDemo).toBe(true);
    const mttr = kpis.kpis.find((k) => k.id === "mttr")!;
    expect(mttr.value).toBeCloseTo(run.mttrMs! / 1000, 0);
    // Healed by its automated operation with no person involved.
    expect(kpis.kpis.find((k) => k.id === "autoHealRate")).toMatchObject({ value: 100, basis: "1 of 1 incident resolved by automation with no manual step (demo runs included)" });
  });
});
