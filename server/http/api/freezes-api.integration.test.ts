// Change freeze windows and break-glass through the REST API on the real
// container over Postgres (docs/freezes.md): a DENY window in force queues a
// new change with a reason saying until when, and the change starts once the
// window has ended; a BLOCK window refuses a change naming the window while a
// ROLLBACK passes; a PAUSE window pauses for a person, break-glass needs the
// window's role, is audited in the chain, told at HIGH (ERROR) and marked on
// the operation; a hotfix submitted with break-glass passes the FREEZE gate;
// bad windows are refused with 4xx and write nothing; the calendar expands.
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZFreezeCalendar, ZFreezeWindow } from "@/lib/api/freezes";
import { ZOperationDetail } from "@/lib/api/operations";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("freezes_api");
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

async function waitFor(id: string, done: (d: ReturnType<typeof ZOperationDetail.parse>) => boolean, what: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const detail = ZOperationDetail.parse((await send("VIEWER", `/api/v1/operations/${id}`)).json);
    if (done(detail)) return detail;
    if (Date.now() > deadline) throw new Error(`operation ${id} never ${what}: ${detail.operation.state} ${detail.operation.reason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FINAL = ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"];
const BERLIN = "Europe/Berlin";
/** A wall-clock time in Berlin, `offsetMs` from now, with seconds. */
const berlin = (offsetMs: number) => DateTime.fromMillis(Date.now() + offsetMs, { zone: BERLIN }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

async function createWindow(body: Record<string, unknown>) {
  const created = await send("ADMIN", "/api/v1/freeze-windows", { body: { timeZone: BERLIN, reason: "release freeze", ...body } });
  expect(created.status).toBe(201);
  return ZFreezeWindow.parse(created.json);
}

async function notificationsOf(template: string, dedupKey: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await api.container.db.query<{ channel: string; severity: string; title: string }>(
      `SELECT channel::text AS channel, severity::text AS severity, title FROM notifications WHERE template = $1 AND dedup_key = $2`,
      [template, dedupKey],
    );
    if (rows.length > 0) return rows;
    api.container.notifications.notifier.poke();
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe("freeze windows through the API", () => {
  it("a DENY window in force queues a new change until it ends, saying until when; the change then starts", async () => {
    // In force now, ending about 6 s from now (a one-minute window that began 54 s ago, in Berlin's wall-clock time).
    const w = await createWindow({ name: "Short freeze", kind: "DENY", action: "QUEUE", start: berlin(-54_000), durationMinutes: 1, scope: { services: ["sms-service"] } });
    const submitted = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "sms-service", params: { version: "7.0.1" } } });
    expect(submitted.status).toBe(202);
    const id = submitted.json.operation.id as string;
    const frozen = await waitFor(id, (d) => (d.operation.reason ?? "").startsWith("Frozen"), "was frozen");
    expect(frozen.operation.state).toBe("INIT");
    expect(frozen.operation.reason).toMatch(/^Frozen by window 'Short freeze' \(Europe\/Berlin\) until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: release freeze$/);
    const until = new Date(/until (\S+Z):/.exec(frozen.operation.reason!)![1]!);
    const started = await waitFor(id, (d) => d.operation.state !== "INIT", "started");
    expect(started.transitions.map((t) => t.to)).toContain("LOCKED");
    expect(new Date(started.transitions.find((t) => t.to === "LOCKED")!.at).getTime()).toBeGreaterThanOrEqual(until.getTime());
    // Recorded once per distinct reason, not at every look.
    const frozenEvents = await api.container.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_events WHERE action = 'operation.frozen' AND operation_id = $1::uuid`, [id]);
    expect(frozenEvents[0]!.n).toBe("1");
    await send("ADMIN", `/api/v1/freeze-windows/${w.id}`, { method: "DELETE" });
  }, 90_000);

  it("a BLOCK window refuses a change naming the window; a ROLLBACK is exempt; a hotfix with break-glass passes", async () => {
    await createWindow({ name: "Geo lockdown", kind: "DENY", action: "BLOCK", start: berlin(-3_600_000), durationMinutes: 180, scope: { services: ["geo-service", "config-service"] } });
    const plan = await send("OPERATOR", "/api/v1/operations/plan", { body: { type: "DEPLOYMENT", service: "geo-service", params: { version: "9.9.9" } } });
    expect(plan.json.verdict).toBe("BLOCK");
    expect(plan.json.summary).toContain("Frozen by window 'Geo lockdown'");
    const deploy = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "geo-service", params: { version: "9.9.9" } } });
    const blocked = await waitFor(deploy.json.operation.id, (d) => FINAL.includes(d.operation.state), "finished");
    expect(blocked.operation).toMatchObject({ state: "FAILED", result: "BLOCKED_BY_GATE" });
    expect(blocked.operation.reason).toContain("Frozen by window 'Geo lockdown'");
    expect(blocked.gateResults.find((g) => g.gate === "FREEZE")).toMatchObject({ passed: false, observed: 1 });

    const rollback = await send("OPERATOR", "/api/v1/operations", { body: { type: "ROLLBACK", service: "geo-service", params: { to_version: "9.9.8" } } });
    const rolled = await waitFor(rollback.json.operation.id, (d) => FINAL.includes(d.operation.state) || d.operation.state === "PAUSED_FOR_HUMAN_REVIEW", "settled");
    expect(rolled.operation.result).not.toBe("BLOCKED_BY_GATE");
    expect(rolled.gateResults.find((g) => g.gate === "FREEZE")).toMatchObject({ passed: true, observed: 0 });

    const hotfix = await send("APPROVER", "/api/v1/operations", { body: { type: "CONFIG_CHANGE", service: "config-service", params: { key: "timeout" }, breakGlass: { reason: "customer-facing outage hotfix" } } });
    expect(hotfix.status).toBe(202);
    expect(hotfix.json.operation.breakGlass).toMatchObject({ by: "approver@interlock.local", role: "APPROVER", reason: "customer-facing outage hotfix" });
    const passed = await waitFor(hotfix.json.operation.id, (d) => d.gateResults.some((g) => g.gate === "FREEZE"), "was gated");
    expect(passed.gateResults.find((g) => g.gate === "FREEZE")).toMatchObject({ passed: true });
    expect(passed.gateResults.find((g) => g.gate === "FREEZE")!.reason).toMatch(/^Passed by break-glass: approver@interlock\.local \(APPROVER\): customer-facing outage hotfix/);
  }, 90_000);

  it("a PAUSE window pauses for a person; break-glass needs its role, is audited in the chain, told at HIGH and marked", async () => {
    await createWindow({ name: "Currency quiet hours", kind: "DENY", action: "PAUSE", start: berlin(-3_600_000), durationMinutes: 180, breakGlassRole: "APPROVER", scope: { services: ["currency-service"] } });
    const submitted = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "currency-service", params: { version: "2.0.0" } } });
    const id = submitted.json.operation.id as string;
    const paused = await waitFor(id, (d) => d.operation.state === "PAUSED_FOR_HUMAN_REVIEW" || FINAL.includes(d.operation.state), "paused");
    expect(paused.operation.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    expect(paused.gateResults.find((g) => g.gate === "FREEZE")).toMatchObject({ passed: false });

    // Approving during the freeze is refused as worse evidence: only break-glass lets it through.
    const approval = await send("ADMIN", `/api/v1/operations/${id}/approve`, { body: { notes: "ship it" } });
    expect(approval.status).toBe(409);
    expect(approval.json.error.message).toContain("FREEZE");

    const refused = await send("OPERATOR", `/api/v1/operations/${id}/break-glass`, { body: { reason: "I really need this" } });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain("APPROVER");
    expect((await send("APPROVER", `/api/v1/operations/${id}/break-glass`, { body: { reason: " " } })).status).toBe(422);

    const broken = await send("APPROVER", `/api/v1/operations/${id}/break-glass`, { body: { reason: "Rates feed is wrong; fix now" } });
    expect(broken.status).toBe(200);
    expect(broken.json.breakGlass).toMatchObject({ by: "approver@interlock.local", role: "APPROVER", reason: "Rates feed is wrong; fix now" });
    expect(broken.json.heldBy).toContain("Currency quiet hours");
    const again = await send("ADMIN", `/api/v1/operations/${id}/break-glass`, { body: { reason: "twice" } });
    expect(again.status).toBe(409);

    const detail = ZOperationDetail.parse((await send("VIEWER", `/api/v1/operations/${id}`)).json);
    expect(detail.operation.breakGlass).toMatchObject({ by: "approver@interlock.local", role: "APPROVER" });
    const [event] = await api.container.db.query<{ seq: string; category: string; severity: string; actor: string; payload: any }>(
      `SELECT seq::text AS seq, category::text AS category, severity::text AS severity, actor, payload FROM audit_events WHERE action = 'operation.break_glass' AND operation_id = $1::uuid`,
      [id],
    );
    expect(event).toMatchObject({ category: "MANUAL_INTERVENTION", severity: "ERROR", actor: "approver@interlock.local" });
    expect(event!.payload).toMatchObject({ reason: "Rates feed is wrong; fix now", role: "APPROVER" });
    const verified = await send("ADMIN", "/api/v1/audit/verify", { method: "POST" });
    expect(verified.json.valid).toBe(true);
    expect(verified.json.lastSeq).toBeGreaterThanOrEqual(Number(event!.seq));
    const told = await notificationsOf("break_glass", `break_glass:${id}`);
    expect(told.length).toBeGreaterThan(0);
    expect(told.every((n) => n.severity === "ERROR")).toBe(true);
    // Its review evidence was refreshed: the FREEZE gate now passes by break-glass.
    const review = detail.review!;
    expect(JSON.stringify(review.evidence)).toContain("Passed by break-glass");

    const nothing = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "metrics-gateway", params: { version: "1.0.1" } } });
    const none = await send("ADMIN", `/api/v1/operations/${nothing.json.operation.id}/break-glass`, { body: { reason: "nothing holds it" } });
    expect(none.status).toBe(409);
  }, 90_000);

  it("refuses bad windows with 4xx and writes nothing; only an admin writes", async () => {
    const count = async () =>
      (await api.container.db.query<{ w: string; a: string }>(`SELECT (SELECT count(*) FROM freeze_windows)::text AS w, (SELECT count(*) FROM audit_events WHERE action LIKE 'freeze_window.%')::text AS a`))[0]!;
    const before = await count();
    const base = { name: "Bad", kind: "DENY", timeZone: BERLIN, start: "2026-12-24T00:00", durationMinutes: 60, reason: "holidays" };
    for (const [what, body, status] of [
      ["an unknown zone", { ...base, timeZone: "Mars/Olympus" }, 422],
      ["a rule finer than hourly", { ...base, rrule: "FREQ=MINUTELY" }, 422],
      ["DTSTART inside the rule", { ...base, rrule: "DTSTART:20261224T000000Z;FREQ=DAILY" }, 422],
      ["a rule that does not parse", { ...base, rrule: "FREQ=SOMETIMES" }, 422],
      ["a zero duration", { ...base, durationMinutes: 0 }, 422],
      ["a service not in the topology", { ...base, scope: { services: ["no-such-service"] } }, 422],
      ["a team nobody is in", { ...base, scope: { teams: ["nobody"] } }, 422],
      ["an unknown kind", { ...base, kind: "MAYBE" }, 422],
    ] as const) {
      const r = await send("ADMIN", "/api/v1/freeze-windows", { body });
      expect([what, r.status]).toEqual([what, status]);
      expect(r.json.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await send("OPERATOR", "/api/v1/freeze-windows", { body: base })).status).toBe(403);
    expect(await count()).toEqual(before);
  });

  it("the calendar lists each window's occurrences with local times and the zone", async () => {
    const weekly = await createWindow({ name: "Weekend freeze", kind: "DENY", action: "QUEUE", start: "2026-01-02T18:00", durationMinutes: 62 * 60, rrule: "FREQ=WEEKLY;BYDAY=FR", reason: "weekend" });
    const cal = ZFreezeCalendar.parse((await send("VIEWER", "/api/v1/freeze-windows/calendar?days=14")).json);
    const row = cal.rows.find((r) => r.window.id === weekly.id)!;
    expect(row.occurrences.length).toBeGreaterThanOrEqual(2);
    expect(row.occurrences.every((o) => o.localStart.endsWith("T18:00") && o.localEnd.endsWith("T08:00"))).toBe(true);
    expect((await send("VIEWER", "/api/v1/freeze-windows/calendar?days=32")).status).toBe(422);
  });
});
