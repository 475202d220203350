// The demo through the API on a DATABASE_URL deployment that turned it on
// (INTERLOCK_DEMO=true; docs/security.md#the-demo-on-a-real-deployment), on the
// real container: the catalog says runs happen in a sandbox; only an admin
// may start one; bad input is refused with nothing started; and the reference
// demo incident and the audit-tampering row (which rewrites a stored audit
// event) run each in a sandbox database of their own, dropped afterwards,
// leaving this server's audit chain, operations, incidents, notifications and
// locks exactly as they were, with its chain still verifying. The run's
// figures stay on one time basis each (docs/demo.md#time-in-the-demo) against
// the manual baseline this server's incident settings hold.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList, type TDemoRun } from "@/lib/api/demo";
import type { Role } from "../../core/identity/roles";
import { changeIncidentSettings } from "../../core/settings/change-incident-settings";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("demo_api", { SIMULATION_TIME_SCALE: "1000", INTERLOCK_DEMO: "true" });
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

async function finished(id: string): Promise<TDemoRun> {
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

/** Everything of this server's own store a demo run could touch, as it stands. */
async function liveState() {
  await api.container.audit.log.settle();
  const q = async (sql: string) => (await api.container.db.query<Record<string, unknown>>(sql))[0];
  const { store } = api.container.locks;
  return {
    audit: await q(`SELECT count(*)::int AS n, max(seq)::text AS head, md5(string_agg(seq::text || ':' || actor || ':' || hash || ':' || canonical, ',' ORDER BY seq)) AS digest FROM audit_events`),
    operations: await q(`SELECT count(*)::int AS n FROM operations`),
    transitions: await q(`SELECT count(*)::int AS n FROM operation_transitions`),
    incidents: await q(`SELECT count(*)::int AS n FROM incidents`),
    notifications: await q(`SELECT count(*)::int AS n FROM notifications`),
    lockRows: await q(
      `SELECT (SELECT count(*) FROM lock_leases)::int AS leases, (SELECT count(*) FROM lock_waiters)::int AS waiters,
              (SELECT coalesce(json_agg(f ORDER BY resource), '[]') FROM lock_fences f) AS fences, (SELECT count(*) FROM lock_statistics)::int AS statistics`,
    ),
    locks: (await store.snapshot()).locks,
    lockStatistics: await store.statistics(),
  };
}

describe("the demo API on a DATABASE_URL deployment with INTERLOCK_DEMO=true", () => {
  it("lists the failure matrix's 20 scenarios and says its runs happen in a sandbox", async () => {
    const { status, json } = await send("VIEWER", "/api/v1/demo/scenarios");
    expect(status).toBe(200);
    const catalog = ZDemoCatalog.parse(json);
    expect(catalog).toMatchObject({ available: true, unavailableReason: null, timeScale: 1000, manualMttrMinutes: 45, demoScenario: "high-error-rate", where: { sandboxed: true } });
    expect(catalog.where!.description).toContain("its operations are not in this console's lists");
    expect(catalog.scenarios.map((s) => s.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // This server's role may create databases, so the sandbox is a Postgres database a second process can open: the crash row can run.
    expect(catalog.scenarios.find((s) => s.id === "orchestrator-crash")!.unavailableReason).toBeNull();
  });

  it("lets only an admin start a run: a viewer and an operator get 403, an unknown scenario 422, and nothing starts", async () => {
    for (const role of ["VIEWER", "OPERATOR", "APPROVER"] as const) {
      const refused = await send(role, "/api/v1/demo/runs", { body: { scenario: "audit-tampering" } });
      expect(refused.status, role).toBe(403);
      expect(refused.json.error).toMatchObject({ code: "FORBIDDEN", details: { required: "ADMIN", role } });
    }
    const bad = await send("ADMIN", "/api/v1/demo/runs", { body: { scenario: "meteor-strike" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(bad.json.error)).toContain("scenario");
    const extra = await send("ADMIN", "/api/v1/demo/runs", { body: { scenario: "high-error-rate", force: true } });
    expect(extra.status).toBe(422);
    expect(ZDemoRunList.parse((await send("VIEWER", "/api/v1/demo/runs")).json).items).toEqual([]);
  });

  it("runs the reference demo and the audit-tampering row in sandboxes: this server's audit chain, operations and locks are untouched", async () => {
    // The manual baseline is this server's incident setting, read (never written) by the sandboxed run.
    await changeIncidentSettings({ incidentSettings: api.container.settings.incidents, audit: api.container.audit.log }, { manualMttrMinutes: 30 }, "admin@interlock.local");
    for (const role of ["VIEWER", "APPROVER", "ADMIN"] as const) await api.as(role);
    const before = await liveState();

    const started = await send("ADMIN", "/api/v1/demo/runs", { body: { scenario: "high-error-rate" } });
    expect(started.status).toBe(202);
    const run0 = ZDemoRun.parse(started.json);
    expect(run0).toMatchObject({ status: "RUNNING", startedBy: "admin@interlock.local" });
    expect(run0.sandbox).not.toBeNull();
    // One at a time: a second start while it runs is refused and names the run in progress.
    const second = await send("ADMIN", "/api/v1/demo/runs", { body: { scenario: "gate-error-budget" } });
    expect(second.status).toBe(409);
    expect(second.json.error.details.runId).toBe(run0.id);

    const demo = await finished(run0.id);
    expect(demo.status, `${demo.actual}\n${demo.log.map((l) => l.text).join("\n")}`).toBe("PASSED");
    expect(demo.sandbox).toMatch(/^postgres \(temporary database interlock_demo_[0-9a-f]+\), dropped after the run$/);
    expect(demo.log.some((l) => l.text.includes("[CANARY ANALYZER] canary 50%: PASSED"))).toBe(true);
    expect(demo.incident).not.toBeNull();
    expect(demo.operations).toHaveLength(2);
    // The run's figures: the MTTR on the simulated basis (wall × 1000) against this server's 30-minute baseline on that basis only.
    expect(demo.times).toMatchObject({ timeScale: 1000, wallMs: demo.mttrMs, simulatedMs: demo.mttrMs! * 1000, manualMs: 30 * 60_000, differenceMs: 30 * 60_000 - demo.mttrMs! * 1000, operations: 2 });
    expect(demo.times!.text.versusManual).toMatch(/^against 30 min by hand: /);
    expect(demo.orchestratorMs).toBeGreaterThan(0);

    const tampering = ZDemoRun.parse((await send("ADMIN", "/api/v1/demo/runs", { body: { scenario: "audit-tampering" } })).json);
    const drill = await finished(tampering.id);
    expect(drill.status, drill.actual ?? "").toBe("PASSED");
    expect(drill.actual).toMatch(/of event \d+ changed from .* verification broke at seq \d+/);

    // Nothing of either run is in this server's store: not an audit event, an operation, an incident, a notification or a lock.
    expect(await liveState()).toEqual(before);
    for (const id of demo.operations) expect((await send("VIEWER", `/api/v1/operations/${id}`)).status).toBe(404);
    expect((await send("VIEWER", `/api/v1/incidents/${demo.incident!.id}`)).status).toBe(404);
    // Each sandbox database was dropped with its run.
    const names = [demo, drill].map((r) => /interlock_demo_[0-9a-f]+/.exec(r.sandbox!)![0]);
    expect(new Set(names).size).toBe(2);
    expect(await api.container.db.query(`SELECT datname FROM pg_database WHERE datname = ANY($1::text[])`, [names])).toEqual([]);
    // And this server's chain still verifies.
    const verified = await send("ADMIN", "/api/v1/audit/verify", { method: "POST", body: {} });
    expect(verified.json.valid).toBe(true);
  });
});
