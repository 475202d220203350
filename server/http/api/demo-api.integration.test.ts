// The demo through the API, on the real container (Postgres store, the app's
// own orchestrator, notifier and simulated signals): seed 001's demo end to
// end, the incident and its MTTR timeline as the store recorded them, one
// run at a time, and bad input refused with nothing started.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList } from "@/lib/api/demo";
import { ZIncidentDetail } from "@/lib/api/incidents";
import { ZKpiReport } from "@/lib/api/kpis";
import type { Role } from "../../core/identity/roles";
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
  it("lists seed 001's 20 scenarios and says it can run them on the simulated signals", async () => {
    const { status, json } = await send("VIEWER", "/api/v1/demo/scenarios");
    expect(status).toBe(200);
    const catalog = ZDemoCatalog.parse(json);
    expect(catalog).toMatchObject({ available: true, unavailableReason: null, timeScale: 1000, manualMttrMs: 45 * 60_000, demoScenario: "high-error-rate" });
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

    // The KPIs now have an MTTR, measured from the incident the run resolved.
    const kpis = ZKpiReport.parse((await send("VIEWER", "/api/v1/kpis?window=24h")).json);
    const mttr = kpis.kpis.find((k) => k.id === "mttr")!;
    expect(mttr.value).toBeCloseTo(run.mttrMs! / 1000, 0);
  });
});
